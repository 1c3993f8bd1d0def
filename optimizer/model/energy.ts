import type { LayerCrossbarMapping } from '../../arch/mapping';
import {
  addMvmEnergyPj, digitalEnergyPj, edramEnergyPj, energyTotalPj, mvmEnergyPj, nocEnergyPj, offChipEnergyPj, zeroEnergyPj, type EnergyBreakdownPj,
} from '../../arch/energy';
import { edramAccesses } from '../../arch/timing';

export type { EnergyBreakdownPj };
import { productWorkOf } from './context';
import type { ModelContext } from './types';
import type { TrafficLoads } from './types';

/** Static leakage is not modelled: dynamic energy only. */
export function energyPerImagePj(
  ctx: ModelContext,
  mappings: readonly LayerCrossbarMapping[],
  traffic: TrafficLoads,
  edramBitsPerTile: Float64Array,
  inputBits: number,
  storedBits: Float64Array,
): EnergyBreakdownPj {
  const arch = ctx.arch;
  const e = zeroEnergyPj();
  for (const m of mappings) {
    const mvms = m.outputPixels; // every output pixel is one MVM, whatever the replication
    // NOTE: mappings are memoised per (layer, bits) in the context, so their MVM energy is too.
    let per = ctx.mvmEnergy.get(m);
    if (per === undefined) ctx.mvmEnergy.set(m, (per = mvmEnergyPj(arch, m)));
    addMvmEnergyPj(e, mvms, per);
  }
  let edramBits = 0;
  // NOTE: written for speed: an indexed loop (for-of over a typed array goes through its iterator).
  for (let t = 0; t < edramBitsPerTile.length; t++) edramBits += edramBitsPerTile[t] as number;
  // The model counts the image's eDRAM traffic in whole accesses once; the simulator counts each request's.
  e.edram = edramEnergyPj(arch, edramAccesses(arch, edramBits));
  e.noc = nocEnergyPj(arch, traffic.totalFlitHops);
  e.digital = digitalEnergyPj(arch, ctx.digitalOpsPerImage);
  for (const l of ctx.layers) if (l.product) e.attention += productWorkOf(ctx, l, storedBits)?.energyPj ?? 0;
  e.offChip = offChipEnergyPj(arch, inputBits);
  e.total = energyTotalPj(e);
  return e;
}
