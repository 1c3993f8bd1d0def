import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { optimize } from '../optimizer/lrmp';
import { proxyOracle } from '../optimizer/accuracy/proxy';
import { evaluateModel, prepareModel } from '../optimizer/model';

// OptimizeOptions.historyLatency: under the throughput objective the RL history's latency is computed only when asked
// for (the `--history` CSV's column); the rows, the plan and the other history columns are the same either way.
const arch = presetArch('puma');
const net = resolveNetwork(zooNetwork('resnet20'));
const run = (historyLatency: boolean) =>
  optimize(arch, net, proxyOracle(net), { objective: 'throughput', accuracyBudgetPct: 1, episodes: 12, seed: 3, milp: 'jslp', topK: 2, workers: -1, sideWorker: false, historyLatency });

test('throughput: the history has its latency only when asked for; nothing else moves', async () => {
  const [lean, full] = [await run(false), await run(true)];
  // Without it, a row has a latency only where the evaluation had it anyway (packings tied on the interval are
  // chosen by latency, evaluate.ts), and then the same one.
  expect(lean.history.filter((h) => h.latencyCycles === undefined).length).toBeGreaterThan(lean.history.length / 2);
  lean.history.forEach((h, k) => {
    if (h.latencyCycles !== undefined) expect(h.latencyCycles).toBe(full.history[k]?.latencyCycles);
  });
  expect(full.history.every((h) => Number.isFinite(h.latencyCycles) && (h.latencyCycles as number) > 0)).toBe(true);
  // Each row's latency is the full model's for the episode's plan (bits and replicas), evaluated independently.
  const ctx = prepareModel({ ...arch, chip: { ...arch.chip, tiles: full.budget.tiles } }, net);
  const h = full.history[full.history.length - 1];
  if (h === undefined) throw new Error('no history');
  const nums = (s: string) => s.split(' ').map(Number);
  expect(h.latencyCycles).toBe(evaluateModel(ctx, { wbits: nums(h.wbits), abits: nums(h.abits), replicas: nums(h.replicas) }).latencyCycles);
  expect(lean.history.map((r) => ({ ...r, latencyCycles: 0 }))).toEqual(full.history.map((r) => ({ ...r, latencyCycles: 0 })));
  const strip = (r: Awaited<ReturnType<typeof run>>) => JSON.stringify({ ...r, history: undefined, wallS: 0, replicationCheck: { ...r.replicationCheck, milpMs: 0 } });
  expect(strip(lean)).toBe(strip(full));
}, 60_000);
