/**
 * A simple replication greedy (not the optimizer): one more replica at a time for the analytical bottleneck layer,
 * which `lrmp validate` uses to make a replicated mixed-precision plan to check the model against the simulator.
 */
import type { ArchSpec } from '../../arch/types';
import type { PlanChoices } from '../../arch/plan';
import { placeNetwork } from '../../arch/placement';
import { MappingError } from '../../errors';
import { evaluateModel } from '../model/evaluate';
import type { ModelContext } from '../model/types';

/**
 * 6-bit weights and activations except the first and last weighted layers, then one more replica at a time
 * for the analytical bottleneck layer while the plan fits in `tiles` tiles (a simple greedy, not the optimizer).
 */
export function replicatedMixedChoices(ctx: ModelContext, tiles: number, maxSteps = 400): PlanChoices {
  const net = ctx.net;
  const n = net.weightedIndices.length;
  const bits = Array.from({ length: n }, (_, i) => (i === 0 || i === n - 1 ? 8 : 6));
  let choices: PlanChoices = { wbits: [...bits], abits: [...bits], replicas: Array<number>(n).fill(1) };
  const limited: ArchSpec = { ...ctx.arch, chip: { tiles } };
  let best = choices;
  let bestCycles = Infinity;
  let misses = 0;
  // Each step's plan is evaluated once: the evaluation that judged it as `next` is the next step's `result`.
  let result = evaluateModel(ctx, choices);
  for (let step = 0; step < maxSteps; step++) {
    // Ties go to the later plan (as when the greedy kept every step that was not slower).
    if (result.bottleneckCycles <= bestCycles) {
      best = choices;
      bestCycles = result.bottleneckCycles;
      misses = 0;
    }
    const worst = result.layers.reduce((a, b) => (b.stageCycles > a.stageCycles ? b : a));
    const pos = net.weightedIndices.indexOf(worst.index);
    // Replicas shorten the layer's compute, its port waits and its row time in a credit loop.
    if (pos < 0 || (worst.boundBy !== 'compute' && worst.boundBy !== 'port-queue' && worst.boundBy !== 'credit-loop')) break;
    // A recurrent layer's steps are serial: replicas would not help it.
    const bottleneck = net.layers[worst.index]?.layer;
    if (bottleneck?.kind === 'conv' && bottleneck.recurrent) break;
    let next = withReplica(choices, pos);
    if (!fits(limited, ctx, result.mappings, next)) break;
    let nextResult = evaluateModel(ctx, next);
    if (worst.boundBy === 'credit-loop') {
      // A credit loop is charged to its reader, but its lead stages' rows are in it too: a replica for the slowest
      // weighted layer (a lead stage on a packed tile) may shorten it more than the reader's.
      const slowest = slowestWeighted(ctx, result.layers);
      const alt = slowest >= 0 && slowest !== pos ? withReplica(choices, slowest) : undefined;
      if (alt !== undefined && fits(limited, ctx, result.mappings, alt)) {
        const altResult = evaluateModel(ctx, alt);
        if (altResult.bottleneckCycles < nextResult.bottleneckCycles) (next = alt), (nextResult = altResult);
      }
    }
    // A replica that slows the plan (smaller row pieces cost more headers and port requests, a packing change) is
    // kept for a few steps in case the next ones recover; the fastest plan seen is returned.
    if (nextResult.bottleneckCycles > result.bottleneckCycles && ++misses > GREEDY_LOOKAHEAD) break;
    choices = next;
    result = nextResult;
  }
  return best;
}

/** Steps past a slower plan the greedy tries before it stops (ISAAC ResNet-20: 4 once the input's tile has no spare). */
const GREEDY_LOOKAHEAD = 4;

function withReplica(choices: PlanChoices, pos: number): PlanChoices {
  const next = { ...choices, replicas: [...choices.replicas] };
  next.replicas[pos] = (next.replicas[pos] ?? 1) + 1;
  return next;
}

function fits(limited: ArchSpec, ctx: ModelContext, mappings: ReturnType<typeof evaluateModel>['mappings'], choices: PlanChoices): boolean {
  try {
    placeNetwork(limited, ctx.net, ctx.flow, mappings, choices.replicas);
    return true;
  } catch (error) {
    if (error instanceof MappingError) return false;
    throw error;
  }
}

/** Position (in weightedIndices) of the weighted layer with the longest compute, or -1. */
function slowestWeighted(ctx: ModelContext, layers: ReturnType<typeof evaluateModel>['layers']): number {
  let pos = -1;
  let most = -1;
  ctx.net.weightedIndices.forEach((li, k) => {
    const c = layers.find((l) => l.index === li)?.computeCycles ?? 0;
    if (c > most) (most = c), (pos = k);
  });
  return pos;
}
