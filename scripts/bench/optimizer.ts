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
import { HAQ_SETTINGS } from '../../optimizer/search/settings';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

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
  const children0 = childrenCpuS();
  await optimize(presetArch('puma'), net, proxyOracle(net), {
    objective: 'throughput', accuracyBudgetPct: 1, episodes, seed: 1, milp: 'highs', topK: 5, workers: -1, ...(search ? { search } : {}),
  });
  const cpu = process.cpuUsage(cpu0);
  return { wallS: (performance.now() - start) / 1000, cpuS: (cpu.user + cpu.system) / 1e6 + (childrenCpuS() - children0) };
}

/**
 * CPU seconds of this process's ended (and reaped) child processes: optimize's HiGHS process (optimizer/milp/
 * highs-thread.ts), closed before optimize returns, which process.cpuUsage does not count. From /proc/self/stat
 * (cutime + cstime, in the kernel's 100 ticks per second); 0 where there is no /proc.
 */
function childrenCpuS(): number {
  let stat: string;
  try {
    stat = fs.readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command name (which may hold spaces) in parentheses; cutime and cstime are fields 16 and 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/**
 * optimizeResnet50S (600 episodes; `haq`: at HAQ's settings) in a fresh process, as `lrmp optimize` runs. After the
 * bench's earlier figures in the same process, V8 allocates the replication's short-lived tables and candidates in the
 * old generation (allocation-site pretenuring; `node --trace-gc`, s50: the heap after each young collection grew by
 * ~210 MB per run, 3 full collections, against ~20 MB and 0-2 in a fresh process), which cost ~10% more main-thread
 * CPU than the same run alone (s50: median 3.26 against 2.94 s, 3 runs each, load ~15; optimizer/README.md). From
 * TypeScript sources (no dist/), in this process.
 */
export async function optimizeResnet50SAlone(settings: 'default' | 'haq'): Promise<{ wallS: number; cpuS: number }> {
  const script = path.join(__dirname, 'optimize-alone.js');
  if (!fs.existsSync(script)) return optimizeResnet50S(600, settings === 'haq' ? HAQ_SETTINGS : undefined);
  const out = execFileSync(process.execPath, [script, ...(settings === 'haq' ? ['haq'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  const figures = JSON.parse(out) as { wallS: number; cpuS: number };
  return { wallS: figures.wallS, cpuS: figures.cpuS };
}
