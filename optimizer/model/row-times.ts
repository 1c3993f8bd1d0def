/**
 * A row's fixed time and its inputs' delays (latency-terms.ts rowFixedCycles, injection.ts inputDelayCycles), each
 * computed once an evaluation of the single-image recurrence: the recurrence reads them layer by layer, and the
 * lone-image grants (lone-grants.ts) read those of the layers on a grant's path before the recurrence reaches them.
 */
import type { PlanChoices } from '../../arch/plan';
import type { LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { inputDelayCycles } from './injection';
import { rowFixedCycles } from './latency-terms';
import type { LayerStatic, ModelContext, TrafficLoads } from './types';

/** Starts an evaluation's row times (after prepareInjection: the delays read its copy offsets). */
export function startRowTimes(ctx: ModelContext): void {
  const t = ctx.rowTimes;
  if (t.evaluation >= 0x3fffffff) (t.fixedStamp.fill(0), t.delayStamp.fill(0), (t.evaluation = 0));
  t.evaluation++;
}

/** rowFixedCycles of layer l, once this evaluation (the same arguments throughout one). */
export function fixedCycles(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  traffic: TrafficLoads,
  storedBits: Float64Array,
  l: LayerStatic,
): number {
  const t = ctx.rowTimes;
  if (t.fixedStamp[l.index] !== t.evaluation) {
    t.fixed[l.index] = rowFixedCycles(ctx, placement, mappings, choices, traffic, storedBits, l);
    t.fixedStamp[l.index] = t.evaluation;
  }
  return t.fixed[l.index] as number;
}

/** inputDelayCycles of layer l's input k, once this evaluation. */
export function delayCycles(ctx: ModelContext, placement: Placement, l: LayerStatic, k: number): number {
  const t = ctx.rowTimes;
  const at = l.index * t.inputsPerLayer + k;
  if (t.delayStamp[at] !== t.evaluation) {
    t.delay[at] = inputDelayCycles(ctx, placement, ctx.traffic, ctx.injection, l, k);
    t.delayStamp[at] = t.evaluation;
  }
  return t.delay[at] as number;
}
