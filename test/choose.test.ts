import { choosePlan, SIMULATED_TIE_FRACTION, type Contender } from '../optimizer/choose';

const spec = { kind: 'throughput' as const, mixWeight: 0.5, refBottleneckCycles: 1000, refLatencyProxyCycles: 1000 };
const settings = { spec, accuracyBudgetPct: 1, clockGHz: 1, refLatencyCycles: 1000, simulated: true };
// 1 GHz: throughput t img/s is a bottleneck of 1e9 / t cycles.
function c(variant: string, modelImgPerS: number, simImgPerS: number | undefined, dropPct: number, error?: string): Contender {
  const base = { variant, model: { bottleneckCycles: 1e9 / modelImgPerS, latencyCycles: 1000 }, dropPct };
  return simImgPerS === undefined ? base : { ...base, simulated: { throughputImagesPerS: simImgPerS, latencyCycles: 1000, error } };
}

describe('choosePlan: the best of every computed row', () => {
  test('on simulated figures: a better simulated plan wins whatever the model said; over-budget and failed simulations never', () => {
    const rows = [c('baseline', 100, 100, 0), c('LRMP (RL)', 900, 700, 0.1), c('LRMP (random search)', 800, 760, 0.3), c('X', 2000, 5000, 1.5), c('Y', 3000, 6000, 0.2, 'deadlock')];
    expect(choosePlan(rows, settings)).toBe(2);
    // Without confirmation the model decides: Y (3000 img/s by the model) wins, X stays over the budget.
    expect(choosePlan(rows, { ...settings, simulated: false })).toBe(4);
  });

  test('simulated costs within the tie band go to the smaller accuracy drop; beyond it, to the faster plan', () => {
    const inBand = 1000 * (1 - SIMULATED_TIE_FRACTION / 2);
    expect(choosePlan([c('LRMP (random search)', 1000, 1000, 0.388), c('LRMP (RL)', 1000, inBand, 0.049)], settings)).toBe(1);
    const outOfBand = 1000 * (1 - 2 * SIMULATED_TIE_FRACTION);
    expect(choosePlan([c('LRMP (random search)', 1000, 1000, 0.388), c('LRMP (RL)', 1000, outOfBand, 0.049)], settings)).toBe(0);
    expect(choosePlan([c('A', 1000, 1000, 2)], settings)).toBe(-1);
  });
});
