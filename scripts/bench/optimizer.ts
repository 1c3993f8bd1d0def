import { baselineChoices } from '../../arch/plan';
import { presetArch } from '../../arch/presets';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNetwork } from '../../workloads/zoo';
import { prepareModel, evaluateModel } from '../../optimizer/model';
import { buildTables } from '../../optimizer/replication/tables';
import { allCandidates } from '../../optimizer/replication/candidates';
import { exactOnCandidates } from '../../optimizer/replication/exact';
import { solveReplicationMilp } from '../../optimizer/replication/milp-model';
import { milpBackend, type MilpBackendName } from '../../optimizer/milp';
import { proxyOracle } from '../../optimizer/accuracy/proxy';
import { optimize } from '../../optimizer/lrmp';
import type { SearchOverrides } from '../../optimizer/search/rl-search';

/** ResNet-50 on PUMA with 4-bit middle layers: the replication problem the search solves most often. */
function resnet50Problem() {
  const arch = presetArch('puma');
  const net = resolveNetwork(zooNetwork('resnet50'));
  const ctx = prepareModel(arch, net);
  const n = net.weightedIndices.length;
  const base = evaluateModel(ctx, baselineChoices(n));
  const bits = [...Array(n).keys()].map((i) => (i === 0 || i === n - 1 ? 8 : 4));
  const atOne = evaluateModel(ctx, { wbits: bits, abits: bits, replicas: new Array(n).fill(1) });
  const tables = buildTables(ctx, bits, bits, atOne);
  const budget = base.tilesUsed * arch.tile.cores;
  return { tables, budget, cands: allCandidates(tables, budget), ref: base.bottleneckCycles };
}

/** Wall time of one replication MILP (throughput objective) on ResNet-50, checked against the exact answer. */
export async function milpResnet50Ms(backend: MilpBackendName): Promise<number> {
  const p = resnet50Problem();
  const exact = exactOnCandidates(p.tables, p.cands, p.budget);
  const spec = { kind: 'throughput' as const, mixWeight: 0.5, refBottleneckCycles: p.ref, refLatencyProxyCycles: p.ref };
  await solveReplicationMilp(milpBackend(backend), p.tables, p.cands, p.budget, spec, exact); // load/warm up
  const start = performance.now();
  await solveReplicationMilp(milpBackend(backend), p.tables, p.cands, p.budget, spec, exact);
  return performance.now() - start;
}

/** Mean wall time of the exact replication algorithm (candidates + bisection) on ResNet-50. */
export function exactReplicationResnet50Ms(): number {
  const p = resnet50Problem();
  const runs = 200;
  const start = performance.now();
  for (let i = 0; i < runs; i++) exactOnCandidates(p.tables, allCandidates(p.tables, p.budget), p.budget);
  return (performance.now() - start) / runs;
}

/**
 * Wall and CPU seconds of the whole optimize flow on ResNet-50 (search, random baseline, polish, MILPs; no
 * simulation), at the default search settings or `search` (e.g. HAQ's). CPU time is the figure to compare on a
 * shared machine, where other processes' turns inflate the wall time.
 */
export async function optimizeResnet50S(episodes = 600, search?: SearchOverrides): Promise<{ wallS: number; cpuS: number }> {
  const net = resolveNetwork(zooNetwork('resnet50'));
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  await optimize(presetArch('puma'), net, proxyOracle(net), {
    objective: 'throughput', accuracyBudgetPct: 1, episodes, seed: 1, milp: 'highs', topK: 5, workers: -1, ...(search ? { search } : {}),
  });
  const cpu = process.cpuUsage(cpu0);
  return { wallS: (performance.now() - start) / 1000, cpuS: (cpu.user + cpu.system) / 1e6 };
}
