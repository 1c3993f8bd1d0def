import type { ModelResult } from '../model/types';
import type { ConfirmOutcome } from '../confirm/worker';
import { simulatedCost, type ChoiceSettings } from '../choose';
import { simulatedGains, type PoolEntry, type VariantRow } from '../variant-rows';
import type { LaidOutPlan } from './layout-step';

/** A search row the layout step changed: the row as the search left it, and what the step made of it. */
export interface LaidOutRow {
  variant: VariantRow['variant'];
  /** The row before the layout step (its plan without the layout). */
  before: VariantRow;
  laid: LaidOutPlan;
  /** One phrase: the layout and the model's figures for it. */
  what: string;
}

/** The confirmation pool's name for a laid-out row's plan without its layout. */
export function beforeLayoutVariant(variant: string): string {
  return `${variant} (before layout)`;
}

/**
 * The simulator's verdict on each layout the layout step kept by the model: the model can be optimistic about a
 * layout (MobileNetV2's exact joint row, docs/validation.md s95), so the plan without it is simulated beside it
 * (its pool entry named by beforeLayoutVariant), and the row keeps the layout only when its simulated cost on the
 * optimized objective is lower; otherwise the row, and the row's pool entry, go back to the plan the search left.
 * Without simulated figures for both (no confirmation, or a failed simulation) the one that has them wins, else the
 * model's choice stands. The before-layout entries leave the pool (each then duplicates or loses to its row's).
 * Says which way each went in the row's method and in `notes`. Mutates rows, pool and notes. Returns the variants
 * whose layout the simulator rejected.
 */
export function settleLayouts(
  laidOut: readonly LaidOutRow[],
  rows: VariantRow[],
  pool: PoolEntry[],
  judge: Pick<ChoiceSettings, 'spec' | 'clockGHz' | 'refLatencyCycles'>,
  baseSim: ConfirmOutcome | undefined,
  notes: string[],
): Array<VariantRow['variant']> {
  const rejected: Array<VariantRow['variant']> = [];
  for (const l of laidOut) {
    const k = rows.findIndex((r) => r.variant === l.variant);
    const laidEntry = pool.findIndex((p) => p.variant === l.variant);
    const plainEntry = pool.findIndex((p) => p.variant === beforeLayoutVariant(l.variant));
    const r = rows[k];
    if (r === undefined) continue;
    const laidSim = pool[laidEntry]?.simulated;
    const plainSim = pool[plainEntry]?.simulated;
    const laidCost = simulatedCost(laidSim, judge);
    const plainCost = simulatedCost(plainSim, judge);
    const fig = (s: ConfirmOutcome | undefined): string => (s === undefined ? 'not run' : s.error !== undefined ? 'failed' : `${s.throughputImagesPerS.toFixed(1)} img/s`);
    if (laidCost === undefined && plainCost === undefined) {
      r.method = `${r.method}; ${l.what}, kept by the model (not confirmed in the simulator)`;
      notes.push(`${l.variant}: ${l.what}; kept by the model, not confirmed in the simulator.`);
      continue;
    }
    const simulated = `simulated: with it ${fig(laidSim)}, without ${fig(plainSim)}`;
    if (laidCost !== undefined && (plainCost === undefined || laidCost < plainCost)) {
      r.method = `${r.method}; ${l.what}, kept: ${simulated}`;
      notes.push(`${l.variant}: ${l.what}; kept: ${simulated}.`);
      continue;
    }
    // The simulator rejects the layout: the row and its pool entry are the search's plan again.
    const plain = pool[plainEntry] as PoolEntry;
    const back: VariantRow = { ...l.before, method: `${l.before.method}; ${l.what}, rejected: ${simulated}` };
    if (plain.simulated !== undefined && plain.simulated.error === undefined && baseSim !== undefined && baseSim.error === undefined) back.simulated = simulatedGains(plain.simulated, baseSim);
    else delete back.simulated;
    rows[k] = back;
    pool[laidEntry] = { ...plain, variant: l.variant };
    rejected.push(l.variant);
    notes.push(`${l.variant}: ${l.what}; rejected by the simulator (${simulated}): the row keeps the search's plan.`);
  }
  for (let i = pool.length - 1; i >= 0; i--) if (laidOut.some((l) => pool[i]?.variant === beforeLayoutVariant(l.variant))) pool.splice(i, 1);
  return rejected;
}

/** The confirmation record's name for a row's laid-out plan that the simulator rejected. */
export function rejectedLayoutVariant(variant: string): string {
  return `${variant} (layout rejected)`;
}

/**
 * Renames the confirmation records of the rows whose layout was rejected, so a row's name finds the plan the row
 * holds (the plan without the layout) and the rejected layout keeps its own record. Mutates `records`.
 */
export function renameRejected(records: Array<{ variant: string }>, rejected: readonly string[]): void {
  for (const v of rejected) {
    const laid = records.find((c) => c.variant === v);
    const plain = records.find((c) => c.variant === beforeLayoutVariant(v));
    if (laid === undefined || plain === undefined) continue;
    laid.variant = rejectedLayoutVariant(v);
    plain.variant = v;
  }
}

/** The pool entry of a laid-out row's plan without its layout (simulated beside the row's). */
export function beforeLayoutEntry(l: LaidOutRow, model: ModelResult): PoolEntry {
  return { variant: beforeLayoutVariant(l.variant), choices: l.before.choices, model, dropPct: l.before.dropPct };
}
