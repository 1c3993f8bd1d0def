import { presetArch } from '../arch/presets';
import { baselineChoices, type PlanChoices } from '../arch/plan';
import { choosePlan } from '../optimizer/choose';
import type { ConfirmOutcome } from '../optimizer/confirm/worker';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { applyChoice, row, type PoolEntry } from '../optimizer/variant-rows';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';

// The rows optimize prints must describe the plan it writes: when the simulator prefers the RL search's third
// candidate, the RL row carries that candidate's plan and figures and says so in its label.
const arch = presetArch('puma');
const net = resolveNetwork(zooNetwork('lenet5-mnist'));
const ctx = prepareModel(arch, net);
const n = net.weightedIndices.length;
const base = baselineChoices(n);
const withBits = (w: number, a: number, replicas: number[]): PlanChoices => ({ wbits: Array<number>(n).fill(w), abits: Array<number>(n).fill(a), replicas });
const sim = (throughputImagesPerS: number): ConfirmOutcome => ({ throughputImagesPerS, latencyCycles: 10000, intervalCycles: 1e9 / throughputImagesPerS, images: 64, settled: true, settleNote: '' });
const entry = (variant: string, choices: PlanChoices, dropPct: number, simImgPerS: number): PoolEntry => ({ variant, choices, model: evaluateModel(ctx, choices), dropPct, simulated: sim(simImgPerS) });

function scene(rlSim: number, top2Sim: number, top3Sim: number, top3Drop: number) {
  const baseModel = evaluateModel(ctx, base);
  const rl = withBits(6, 6, base.replicas.map(() => 1));
  const top2 = withBits(7, 6, base.replicas.map(() => 1));
  const top3 = withBits(6, 8, base.replicas.map((_, i) => (i === 0 ? 2 : 1)));
  const pool = [entry('baseline', base, 0, 1000), entry('LRMP (RL)', rl, 0.4, rlSim), entry('RL top-2', top2, 0.3, top2Sim), entry('RL top-3', top3, top3Drop, top3Sim)];
  const rows = [row('baseline', '8/8, r = 1', base, baseModel, baseModel, 0), row('LRMP (RL)', 'DDPG', rl, evaluateModel(ctx, rl), baseModel, 0.4)];
  const settings = { spec: { kind: 'throughput' as const, mixWeight: 0.5, refBottleneckCycles: 1000, refLatencyProxyCycles: 1000 }, accuracyBudgetPct: 1, clockGHz: arch.clockGHz, refLatencyCycles: 10000, simulated: true };
  const k = choosePlan(pool, settings);
  return { rows, pool, k, top3, baseModel, ...applyChoice(rows, pool, k, baseModel, pool[0]?.simulated, base) };
}

describe("optimize's rows show the plan actually chosen", () => {
  test("an RL candidate beyond the first that wins in the simulator replaces the RL row: 'LRMP (RL, candidate 3)'", () => {
    const s = scene(1500, 1400, 1800, 0.2);
    expect(s.k).toBe(3);
    expect(s.chosen).toBe('LRMP (RL)');
    expect(s.chosenChoices).toEqual(s.top3);
    const rl = s.rows[1];
    expect(rl?.label).toBe('LRMP (RL, candidate 3)');
    expect(rl?.method).toBe('DDPG, candidate 3 of top 3 by simulated figures');
    expect(rl?.choices).toEqual(s.top3);
    // The row's figures are candidate 3's: its model evaluation and its simulated gain over the simulated baseline.
    expect(rl?.throughputImagesPerS).toBe(evaluateModel(ctx, s.top3).throughputImagesPerS);
    expect(rl?.dropPct).toBe(0.2);
    expect(rl?.simulated?.throughputGain).toBeCloseTo(1.8, 12);
  });

  test('a tie in simulated throughput goes to the smaller accuracy drop; the first candidate keeps its label', () => {
    // Candidate 3 is 0.5% faster (inside the 1% band) but drops 0.9 points against the first candidate's 0.4.
    const s = scene(1500, 1400, 1507.5, 0.9);
    expect(s.k).toBe(1);
    expect(s.chosen).toBe('LRMP (RL)');
    expect(s.rows[1]?.label).toBe('LRMP (RL)');
    expect(s.rows[1]?.choices).toEqual(s.pool[1]?.choices);
  });

  test('when the baseline wins nothing is relabelled', () => {
    const s = scene(500, 400, 600, 0.2);
    expect(s.chosen).toBe('baseline');
    expect(s.chosenChoices).toEqual(base);
    expect(s.rows.map((r) => r.label)).toEqual(['baseline', 'LRMP (RL)']);
  });
});
