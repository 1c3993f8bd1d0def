import type { ModelContext, ModelResult } from '../model';
import type { ObjectiveSpec } from '../replication/objective';
import { evaluateModel } from '../model';
import { row, SEARCH_VARIANTS, type VariantRow } from '../variant-rows';
import { LOOP_EDGE_SHARE, layoutStep, type LaidOutPlan } from './layout-step';
import type { LaidOutRow } from './layout-confirm';

/**
 * Applies the layout step (optimizer/layout/layout-step.ts) to each search's row, once per distinct plan, replacing
 * the row's plan and figures when the full model finds a layout better. Returns the rows it changed, with the row
 * as it was: the simulator then confirms or rejects each layout (layout-confirm.ts settleLayouts), which says so.
 * A row whose layouts the loop-edge rule all refused gets a note saying so (`notes`).
 */
export function layOutSearchRows(ctx: ModelContext, rows: VariantRow[], base: ModelResult, budgetCores: number, spec: ObjectiveSpec, refLatencyCycles: number, notes: string[]): LaidOutRow[] {
  const done = new Map<string, LaidOutPlan>();
  const changed: LaidOutRow[] = [];
  rows.forEach((r, k) => {
    if (!SEARCH_VARIANTS.includes(r.variant)) return;
    const key = JSON.stringify(r.choices);
    let laid = done.get(key);
    if (laid === undefined) {
      laid = layoutStep(ctx, r.choices, evaluateModel(ctx, r.choices), budgetCores, spec, refLatencyCycles);
      done.set(key, laid);
    }
    if (laid.targetCycles === undefined) {
      // The user is told why a layout the model rated faster was not tried in the simulator.
      if (laid.refusedAtLoopEdge > 0) {
        notes.push(`${r.variant}: the layout step left out ${laid.refusedAtLoopEdge} layout${laid.refusedAtLoopEdge === 1 ? '' : 's'} the model rated faster, each by less than its margin for a credit-loop or line-buffer term within ${(LOOP_EDGE_SHARE * 100).toFixed(0)}% of the interval (where the model is optimistic: docs/validation.md s98, s99).`);
      }
      return;
    }
    const what = `layout: replicas for ${laid.targetCycles.toFixed(0)} cycles, ${laid.movedLayers} layers started later (${r.throughputImagesPerS.toFixed(1)} -> ${laid.model.throughputImagesPerS.toFixed(1)} img/s by the model; ${laid.walks} walks, ${laid.fullEvaluations} full evaluations)`;
    rows[k] = row(r.variant, r.method, laid.choices, laid.model, base, r.dropPct);
    changed.push({ variant: r.variant, before: r, laid, what });
  });
  return changed;
}
