import { bitsAt, type PlanChoices } from '../../arch/plan';
import type { Placement } from '../../arch/placement';
import { planPace } from '../../arch/pace';
import { layerCores } from '../../arch/chip-cores';
import { cachedMapping } from '../model/context';
import type { ModelContext } from '../model/types';
import { layerTable } from '../replication/tables';
import { layerCandidates, nextStageBelow, replicasReaching, type Candidate } from '../replication/candidates';
import { layoutCycles, layoutPlacement, layoutScratch, type LayoutPlan } from './layout-terms';

/**
 * Layout search (docs/hardware-model.md rule 1, "Layouts"; optimizer/README.md, "Layout step"): a plan whose interval its compute sets can often not be
 * replicated for a lower one because its tensors' copies then hold the NoC (a residual block's output leaves its tiles
 * once per destination tile, over the same port and link). Where layers start (cores left empty before them,
 * PlanChoices.skipCores) decides how many copies cross each port and link. For each compute target below the plan's
 * interval, in turn (the next stage time any layer's replication can reach), the fewest replicas per layer that reach it
 * (within the core budget) are laid out by a local search judged by the model's stage terms at one packing walk
 * (layout-terms.ts; a walk and its terms take about half a full evaluation, the search far fewer of them than a
 * search over every skip): each layer's start moved to align its start or its end with a
 * tile boundary, alone or with one of the next PAIR_WINDOW layers' aligned in turn, first improvement taken, until the
 * stage terms reach the target or a pass improves nothing. Each target starts from the layout the last one reached. The
 * search stops at the first target it cannot reach, or at its budget of walks; the caller confirms with the full model.
 */

/** Layers after a moved one whose aligned starts are tried with it. */
export const PAIR_WINDOW = 4;
/** Most packing walks a layout search makes per plan (each about 0.15-0.45 ms on ResNet-50, as loaded). */
export const LAYOUT_WALK_BUDGET = 1000;
/**
 * Most walks spent on one compute target: ResNet-50's RL seed 1 plan reached each of its 7 targets within 180, and
 * the targets not reached took 1,000-1,200 walks each before a pass improved nothing (s91); optimize lays out up to
 * four plans, so the budgets keep its layout step to about 0.3 CPU s on ResNet-50.
 */
export const LAYOUT_TARGET_WALKS = 200;
/** Most compute targets tried. */
export const LAYOUT_MAX_TARGETS = 12;

export interface LayoutStep {
  /** Compute target, cycles. */
  targetCycles: number;
  choices: PlanChoices;
  /** The stage terms' interval at the layout found (layout-terms.ts), cycles. */
  layoutCycles: number;
  /** Walks the search had made when it reached this target. */
  walks: number;
}

export interface LayoutSearchResult {
  /** Targets reached by the stage terms, highest first (each a plan with replicas and skipCores). */
  reached: LayoutStep[];
  walks: number;
}

/** Per layer, its useful replica counts at the plan's bits (replication/candidates.ts: the replication's own steps). */
export function replicaSteps(ctx: ModelContext, choices: PlanChoices, budgetCores: number): Candidate[][] {
  return choices.replicas.map((_, pos) => layerCandidates(layerTable(ctx, pos, bitsAt(choices.wbits, pos), bitsAt(choices.abits, pos)), budgetCores, ctx.arch.core.crossbars));
}

/** Skips of layer i that align its start, or its end, with a tile boundary in placement pl (0 included). */
function alignedSkips(pl: Placement, skips: readonly number[], i: number, coresPerTile: number): number[] {
  const w = pl.weighted[i];
  if (w === undefined) return [0];
  const frontier = w.firstCore - (skips[i] ?? 0);
  const start = (coresPerTile - (frontier % coresPerTile)) % coresPerTile;
  const end = (coresPerTile - ((frontier + w.cores) % coresPerTile)) % coresPerTile;
  return start === end ? (start === 0 ? [0] : [0, start]) : start === 0 || end === 0 ? [0, Math.max(start, end)] : [0, start, end];
}

/**
 * The layout search (see the top of this file) from plan `choices` (its interval `intervalCycles` by the full
 * model) within `budgetCores`. Deterministic.
 */
export function searchLayouts(ctx: ModelContext, choices: PlanChoices, intervalCycles: number, budgetCores: number): LayoutSearchResult {
  const n = choices.replicas.length;
  const coresPerTile = ctx.arch.tile.cores;
  const scratch = layoutScratch(ctx);
  const mappings = ctx.net.weightedIndices.map((_, pos) => cachedMapping(ctx, pos, bitsAt(choices.wbits, pos), bitsAt(choices.abits, pos)));
  const reached: LayoutStep[] = [];
  let walks = 0;
  let skips = new Array<number>(n).fill(0);
  let target = intervalCycles;
  const steps = replicaSteps(ctx, choices, budgetCores);
  for (let k = 0; k < LAYOUT_MAX_TARGETS && walks < LAYOUT_WALK_BUDGET; k++) {
    const next = nextStageBelow(steps, target);
    if (next === undefined) break;
    target = next;
    const replicas = replicasReaching(steps, target);
    if (replicas === undefined) break;
    let cores = 0;
    for (let pos = 0; pos < n; pos++) cores += layerCores(ctx.arch, mappings[pos] as (typeof mappings)[number], replicas[pos] as number);
    if (cores > budgetCores) break;
    const plan: LayoutPlan = { ctx, choices: { ...choices, replicas }, mappings, pace: planPace(ctx.arch, ctx.net, ctx.flow, mappings, replicas, scratch, choices.productBits), scratch };
    const z = target;
    const limit = Math.min(LAYOUT_WALK_BUDGET, walks + LAYOUT_TARGET_WALKS);
    const judge = (sk: readonly number[]): { placement: Placement; cycles: number } | undefined => {
      walks++;
      const placement = layoutPlacement(plan, sk);
      return placement === undefined ? undefined : { placement, cycles: layoutCycles(plan, placement, z) };
    };
    let current = judge(skips);
    if (current === undefined) {
      skips = new Array<number>(n).fill(0);
      current = judge(skips);
    }
    if (current === undefined) break;
    let best = current;
    const done = (): boolean => best.cycles <= z * (1 + 1e-9);
    // First improvement over single and windowed pair moves, until the target or a pass with none.
    for (let improved = true; improved && !done() && walks < limit; ) {
      improved = false;
      for (let i = 1; i < n && !done() && walks < limit; i++) {
        for (const a of alignedSkips(best.placement, skips, i, coresPerTile)) {
          if (done() || walks >= limit) break;
          const old = skips[i] as number;
          if (a === old) continue;
          skips[i] = a;
          const moved = judge(skips);
          if (moved !== undefined && moved.cycles < best.cycles) {
            best = moved;
            improved = true;
            continue;
          }
          let paired = false;
          for (let j = i + 1; moved !== undefined && j < Math.min(n, i + 1 + PAIR_WINDOW) && !paired && walks < limit; j++) {
            const oldJ = skips[j] as number;
            for (const b of alignedSkips(moved.placement, skips, j, coresPerTile)) {
              if (b === oldJ) continue;
              skips[j] = b;
              const both = judge(skips);
              if (both !== undefined && both.cycles < best.cycles) {
                best = both;
                paired = true;
                break;
              }
              skips[j] = oldJ;
            }
          }
          if (paired) {
            improved = true;
            continue;
          }
          skips[i] = old;
        }
      }
    }
    if (!done()) break;
    reached.push({ targetCycles: z, choices: { ...choices, replicas, skipCores: skips.slice() }, layoutCycles: best.cycles, walks });
  }
  return { reached, walks };
}
