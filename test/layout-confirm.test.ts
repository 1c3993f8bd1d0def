import type { PlanChoices } from '../arch/plan';
import { choosePlan } from '../optimizer/choose';
import type { ConfirmOutcome } from '../optimizer/confirm/worker';
import { beforeLayoutEntry, beforeLayoutVariant, rejectedLayoutVariant, renameRejected, settleLayouts, type LaidOutRow } from '../optimizer/layout/layout-confirm';
import type { LaidOutPlan } from '../optimizer/layout/layout-step';
import type { ModelResult } from '../optimizer/model/types';
import { row, simulatedGains, type PoolEntry, type VariantRow } from '../optimizer/variant-rows';

/**
 * The simulator's verdict on the layout step, on a stub candidate set shaped like MobileNetV2's exact joint row of
 * `lrmp optimize -n mobilenetv2 -w 1` (docs/validation.md s95): the search's plan 235,800 cycles by the model and in
 * the simulator; its layout 220,880 by the model, 296,087 simulated. Clock 1 GHz: img/s = 1e9 / cycles.
 */
const model = (cycles: number): ModelResult =>
  ({ bottleneckCycles: cycles, throughputImagesPerS: 1e9 / cycles, latencyCycles: 3 * cycles, latencyS: 3e-9 * cycles, areaMm2: 36.73, tilesUsed: 20 }) as unknown as ModelResult;
const sim = (cycles: number, error?: string): ConfirmOutcome => ({
  throughputImagesPerS: 1e9 / cycles, latencyCycles: 3 * cycles, intervalCycles: cycles, images: 16, settled: true, settleNote: '',
  ...(error !== undefined ? { error } : {}),
});
const plainChoices: PlanChoices = { wbits: [8, 4], abits: [8, 8], replicas: [64, 2] };
const laidChoices: PlanChoices = { ...plainChoices, skipCores: [0, 4] };
const base = model(12_544_000);
const baseSim = sim(12_544_000);
const spec = { kind: 'throughput' as const, mixWeight: 0.5, refBottleneckCycles: 12_544_000, refLatencyProxyCycles: 1 };
const judge = { spec, clockGHz: 1, refLatencyCycles: baseSim.latencyCycles };

/** The rows and pool as optimize has them after simulation: baseline, the laid-out joint row, its plan without the layout. */
function setup(laidSim: ConfirmOutcome | undefined, plainSim: ConfirmOutcome | undefined) {
  const before = row('LRMP (exact joint)', 'exact MILP', plainChoices, model(235_800), base, 0.867);
  const laid = { choices: laidChoices, model: model(220_880), targetCycles: 220_880, movedLayers: 1, walks: 203, fullEvaluations: 2 } as LaidOutPlan;
  const laidRow = row('LRMP (exact joint)', 'exact MILP', laidChoices, laid.model, base, 0.867);
  if (laidSim !== undefined) laidRow.simulated = simulatedGains(laidSim, baseSim);
  const rows: VariantRow[] = [row('baseline', '8/8, r = 1', { wbits: [8, 8], abits: [8, 8], replicas: [1, 1] }, base, base, 0), laidRow];
  const l: LaidOutRow = { variant: 'LRMP (exact joint)', before, laid, what: 'layout: replicas for 220880 cycles' };
  const pool: PoolEntry[] = [
    { variant: 'baseline', choices: rows[0]?.choices as PlanChoices, model: base, dropPct: 0, simulated: baseSim },
    { variant: 'LRMP (exact joint)', choices: laidChoices, model: laid.model, dropPct: 0.867, ...(laidSim ? { simulated: laidSim } : {}) },
    { ...beforeLayoutEntry(l, model(235_800)), ...(plainSim ? { simulated: plainSim } : {}) },
  ];
  const notes: string[] = [];
  return { rows, pool, notes, l };
}

describe('the simulator confirms or rejects a layout (settleLayouts)', () => {
  it('a layout the simulator finds slower is rejected: the row and the chosen plan are the search plan again', () => {
    const { rows, pool, notes, l } = setup(sim(296_087), sim(235_800));
    expect(pool[2]?.variant).toBe(beforeLayoutVariant('LRMP (exact joint)'));
    const records = pool.map((p) => ({ variant: p.variant, interval: p.simulated?.intervalCycles }));
    expect(settleLayouts([l], rows, pool, judge, baseSim, notes)).toEqual(['LRMP (exact joint)']);
    // The row's name finds the plan the row holds; the rejected layout keeps a record of its own.
    renameRejected(records, ['LRMP (exact joint)']);
    expect(records).toEqual([
      { variant: 'baseline', interval: 12_544_000 },
      { variant: rejectedLayoutVariant('LRMP (exact joint)'), interval: 296_087 },
      { variant: 'LRMP (exact joint)', interval: 235_800 },
    ]);
    const r = rows[1] as VariantRow;
    expect(r.choices).toEqual(plainChoices);
    expect(r.bottleneckCycles).toBe(235_800);
    // 1e9 / 235,800 = 4240.9 img/s, 12,544,000 / 235,800 = 53.20 x the baseline.
    expect(r.simulated?.throughputImagesPerS).toBeCloseTo(4240.88, 2);
    expect(r.simulated?.throughputGain).toBeCloseTo(53.198, 3);
    expect(r.method).toMatch(/^exact MILP; layout: .*rejected: simulated: with it 3377\.4 img\/s, without 4240\.9 img\/s$/);
    expect(notes.join('\n')).toMatch(/LRMP \(exact joint\): .*rejected by the simulator/);
    // The pool holds one entry per row again, the row's with the plan without the layout and its simulated figures.
    expect(pool.map((p) => p.variant)).toEqual(['baseline', 'LRMP (exact joint)']);
    expect(pool[1]?.choices).toEqual(plainChoices);
    expect(pool[1]?.simulated?.intervalCycles).toBe(235_800);
    expect(choosePlan(pool, { ...judge, accuracyBudgetPct: 1, simulated: true })).toBe(1);
  });

  it('a layout the simulator finds faster is kept, and says so', () => {
    const { rows, pool, notes, l } = setup(sim(222_222), sim(235_800));
    expect(settleLayouts([l], rows, pool, judge, baseSim, notes)).toEqual([]);
    expect(rows[1]?.choices).toEqual(laidChoices);
    expect(rows[1]?.method).toMatch(/kept: simulated: with it 4500\.0 img\/s, without 4240\.9 img\/s$/);
    expect(pool.map((p) => p.variant)).toEqual(['baseline', 'LRMP (exact joint)']);
    expect(pool[1]?.choices).toEqual(laidChoices);
  });

  it('an equal simulated figure does not keep the layout (it must be better)', () => {
    const { rows, pool, notes, l } = setup(sim(235_800), sim(235_800));
    settleLayouts([l], rows, pool, judge, baseSim, notes);
    expect(rows[1]?.choices).toEqual(plainChoices);
  });

  it('a layout whose simulation failed is rejected; without any simulation the model\'s choice stands, marked unconfirmed', () => {
    const failed = setup(sim(220_880, 'boom'), sim(235_800));
    settleLayouts([failed.l], failed.rows, failed.pool, judge, baseSim, failed.notes);
    expect(failed.rows[1]?.choices).toEqual(plainChoices);
    expect(failed.rows[1]?.method).toMatch(/rejected: simulated: with it failed, without 4240\.9 img\/s$/);

    const none = setup(undefined, undefined);
    none.pool.splice(2, 1); // without confirmation optimize adds no before-layout entry
    settleLayouts([none.l], none.rows, none.pool, judge, undefined, none.notes);
    expect(none.rows[1]?.choices).toEqual(laidChoices);
    expect(none.rows[1]?.method).toMatch(/kept by the model \(not confirmed in the simulator\)$/);
    expect(none.notes).toEqual(['LRMP (exact joint): layout: replicas for 220880 cycles; kept by the model, not confirmed in the simulator.']);
  });
});
