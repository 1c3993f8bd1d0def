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
  const choices: PlanChoices = { wbits: [...bits], abits: [...bits], replicas: Array<number>(n).fill(1) };
  const limited: ArchSpec = { ...ctx.arch, chip: { tiles } };
  for (let step = 0; step < maxSteps; step++) {
    const result = evaluateModel(ctx, choices);
    const worst = result.layers.reduce((a, b) => (b.stageCycles > a.stageCycles ? b : a));
    const pos = net.weightedIndices.indexOf(worst.index);
    // Replicas shorten the layer's compute, its port waits and its row time in a credit loop.
    if (pos < 0 || (worst.boundBy !== 'compute' && worst.boundBy !== 'port-queue' && worst.boundBy !== 'credit-loop')) break;
    // A recurrent layer's steps are serial: replicas would not help it.
    const bottleneck = net.layers[worst.index]?.layer;
    if (bottleneck?.kind === 'conv' && bottleneck.recurrent) break;
    const next = { ...choices, replicas: [...choices.replicas] };
    next.replicas[pos] = (next.replicas[pos] ?? 1) + 1;
    try {
      placeNetwork(limited, net, ctx.flow, result.mappings, next.replicas);
    } catch (error) {
      if (error instanceof MappingError) break;
      throw error;
    }
    // A replica that slows the plan (smaller row pieces cost more headers and port requests) ends the search.
    if (evaluateModel(ctx, next).bottleneckCycles > result.bottleneckCycles) break;
    choices.replicas = next.replicas;
  }
  return choices;
}
