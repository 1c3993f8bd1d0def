import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { baselineChoices } from '../arch/plan';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { proxyOracle } from '../optimizer/accuracy/proxy';
import { CandidateEvaluator } from '../optimizer/search/evaluator';
import type { ObjectiveKind } from '../optimizer/replication/objective';

// CandidateEvaluator.setLatencyNeeded(false) (optimize's polish): under the throughput objective the candidates leave
// the single-image latency out (NaN) and are otherwise the same; other objectives rank by it, so they keep it.
const arch = presetArch('puma');
const net = resolveNetwork(zooNetwork('resnet20'));
const ctx = prepareModel(arch, net);
const n = net.weightedIndices.length;
const base = evaluateModel(ctx, baselineChoices(n));
const evaluator = (kind: ObjectiveKind): CandidateEvaluator =>
  new CandidateEvaluator(ctx, proxyOracle(net), {
    budgetCores: base.tilesUsed * arch.tile.cores,
    spec: { kind, mixWeight: 0.5, refBottleneckCycles: base.bottleneckCycles, refLatencyProxyCycles: base.latencyCycles },
    refLatencyCycles: base.latencyCycles,
    accuracyBudgetPct: 1,
  });
// 6-bit middle layers: room on the baseline's chip for replicas.
const bits = [...Array(n).keys()].map((i) => (i === 0 || i === n - 1 ? 8 : 6));

test('throughput objective: the same candidate without its latency, which comes back once needed', async () => {
  const full = await evaluator('throughput').evaluate(bits, bits);
  const lean = evaluator('throughput');
  lean.setLatencyNeeded(false);
  const without = await lean.evaluate(bits, bits);
  expect(Number.isNaN(without.latencyCycles)).toBe(true);
  expect({ ...without, latencyCycles: 0 }).toEqual({ ...full, latencyCycles: 0 });
  // The latency the full evaluation gives is the full model's for the plan it returns (an independent evaluation).
  expect(full.latencyCycles).toBe(evaluateModel(ctx, { wbits: full.wbits, abits: full.abits, replicas: full.replicas }).latencyCycles);
  expect(full.replicas.some((r) => r > 1)).toBe(true);
  // Needed again: the cached candidate without it is evaluated again (one more evaluation), with the same latency.
  lean.setLatencyNeeded(true);
  const again = await lean.evaluate(bits, bits);
  expect(again.latencyCycles).toBe(full.latencyCycles);
  expect(lean.evaluations).toBe(2);
});

test('latency objective: the latency stays (the passes rank by it)', async () => {
  const lean = evaluator('latency');
  lean.setLatencyNeeded(false);
  const c = await lean.evaluate(bits, bits);
  expect(c.latencyCycles).toBe(evaluateModel(ctx, { wbits: c.wbits, abits: c.abits, replicas: c.replicas }).latencyCycles);
});

test("a result's energy, computed when first read, is the same whatever was evaluated in between", () => {
  const plan = { wbits: bits, abits: bits, replicas: new Array<number>(n).fill(1) };
  const fresh = prepareModel(arch, net);
  const first = evaluateModel(fresh, plan).energyBreakdownPj;
  const later = evaluateModel(ctx, plan);
  // Other plans overwrite the context's scratch (traffic, tile times) before the energy is read.
  evaluateModel(ctx, baselineChoices(n));
  evaluateModel(ctx, { ...plan, wbits: plan.wbits.map((b, i) => (i === 0 || i === n - 1 ? b : 4)) });
  expect(later.energyBreakdownPj).toEqual(first);
  expect(later.energyPerImagePj).toBe(first.total);
  expect(JSON.parse(JSON.stringify(later)).energyPerImagePj).toBe(first.total);
  expect(first.total).toBeGreaterThan(0);
});
