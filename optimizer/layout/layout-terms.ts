import type { PlanChoices } from '../../arch/plan';
import type { LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { newPlacementScratch, type PlacementScratch } from '../../arch/placement';
import { placeWithPace, type PackingLoad } from '../../arch/pack-tiles';
import type { PlanPace } from '../../arch/pace';
import { MappingError } from '../../errors';
import { termsAt } from '../model/evaluate';
import { STAGE, STAGE_WIDTH } from '../model/stage-table';
import type { ModelContext } from '../model/types';

/** One placement scratch per model context for the layout search (the context's own is the full model's). */
const scratches = new WeakMap<ModelContext, PlacementScratch>();

export function layoutScratch(ctx: ModelContext): PlacementScratch {
  let s = scratches.get(ctx);
  if (s === undefined) scratches.set(ctx, (s = newPlacementScratch(ctx.net, ctx.flow)));
  return s;
}

/** A plan's replication with its pace, which every layout of it shares (the pace depends on neither). */
export interface LayoutPlan {
  ctx: ModelContext;
  choices: PlanChoices;
  mappings: readonly LayerCrossbarMapping[];
  pace: PlanPace;
  scratch: PlacementScratch;
}

/**
 * The plain packing walk (arch/pack-tiles.ts, by eDRAM space) of the plan with `skipCores` left empty before its
 * layers; undefined when it does not fit the chip.
 */
export function layoutPlacement(p: LayoutPlan, skipCores: readonly number[]): Placement | undefined {
  const load: PackingLoad = { peakCycles: 0, deferred: 0, limitCycles: Infinity };
  try {
    // Windows of its own: a walk may cap them.
    return placeWithPace(p.ctx.arch, p.ctx.net, p.ctx.flow, p.mappings, p.choices.replicas, { ...p.pace, windowRows: p.pace.windowRows.slice() }, p.scratch, false, load, skipCores);
  } catch (error) {
    if (error instanceof MappingError) return undefined;
    throw error;
  }
}

/**
 * What a layout changes, judged by the model's own stage terms at one placement (optimizer/model: traffic, tile
 * loads, stage times; docs/hardware-model.md rules 5-7) without the packing choice, the credit loop or the latency
 * recurrence, which the full model adds when a layout is confirmed: the largest stage time, cycles, plus a tie-break
 * far below one cycle, the squared excess of every stage over `targetCycles` (so a search moves on a plateau of
 * equal intervals toward fewer and smaller excesses).
 */
export function layoutCycles(p: LayoutPlan, placement: Placement, targetCycles: number): number {
  const { stages } = termsAt(p.ctx, p.choices, p.mappings as LayerCrossbarMapping[], placement);
  let worst = 0;
  let excess = 0;
  for (let o = STAGE; o < stages.length; o += STAGE_WIDTH) {
    const stageCycles = stages[o] as number;
    if (stageCycles > worst) worst = stageCycles;
    if (stageCycles > targetCycles) excess += ((stageCycles - targetCycles) / targetCycles) ** 2;
  }
  return worst + EXCESS_WEIGHT * excess;
}

/** Weight of layoutCycles' tie-break: an excess of many whole intervals still moves it by well under a cycle. */
const EXCESS_WEIGHT = 1e-4;
