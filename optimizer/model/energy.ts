import type { LayerCrossbarMapping } from '../../arch/mapping';
import {
  addMvmEnergyPj, digitalEnergyPj, edramEnergyPj, energyTotalPj, mvmEnergyPj, nocEnergyPj, offChipEnergyPj, zeroEnergyPj, type EnergyBreakdownPj,
} from '../../arch/energy';
import { edramAccesses } from '../../arch/timing';

export type { EnergyBreakdownPj };
import { productWorkOf } from './context';
import type { ModelContext } from './types';
import type { TrafficLoads } from './types';

/**
 * What an image's energy needs of one evaluation's scratch (traffic, tile times, stored bits), read at once: the
 * breakdown itself (energyBreakdownPj) is only computed when a caller reads it, after later evaluations have reused
 * the scratch (the searches read no candidate's energy: ResNet-50's optimize evaluates ~9,000 plans).
 */
export interface EnergyInputs {
  edramBits: number;
  flitHops: number;
  inputBits: number;
  attentionPj: number;
}

export function energyInputs(ctx: ModelContext, traffic: TrafficLoads, edramBitsPerTile: Float64Array, inputBits: number, storedBits: Float64Array): EnergyInputs {
  let edramBits = 0;
  // NOTE: written for speed: an indexed loop (for-of over a typed array goes through its iterator).
  for (let t = 0; t < edramBitsPerTile.length; t++) edramBits += edramBitsPerTile[t] as number;
  let attentionPj = 0;
  for (const l of ctx.layers) if (l.product) attentionPj += productWorkOf(ctx, l, storedBits)?.energyPj ?? 0;
  return { edramBits, flitHops: traffic.totalFlitHops, inputBits, attentionPj };
}

/** Static leakage is not modelled: dynamic energy only. */
export function energyBreakdownPj(ctx: ModelContext, mappings: readonly LayerCrossbarMapping[], inputs: EnergyInputs): EnergyBreakdownPj {
  const arch = ctx.arch;
  const e = zeroEnergyPj();
  for (const m of mappings) {
    const mvms = m.outputPixels; // every output pixel is one MVM, whatever the replication
    // NOTE: mappings are memoised per (layer, bits) in the context, so their MVM energy is too.
    let per = ctx.mvmEnergy.get(m);
    if (per === undefined) ctx.mvmEnergy.set(m, (per = mvmEnergyPj(arch, m)));
    addMvmEnergyPj(e, mvms, per);
  }
  // The model counts the image's eDRAM traffic in whole accesses once; the simulator counts each request's.
  e.edram = edramEnergyPj(arch, edramAccesses(arch, inputs.edramBits));
  e.noc = nocEnergyPj(arch, inputs.flitHops);
  e.digital = digitalEnergyPj(arch, ctx.digitalOpsPerImage);
  e.attention = inputs.attentionPj;
  e.offChip = offChipEnergyPj(arch, inputs.inputBits);
  e.total = energyTotalPj(e);
  return e;
}
