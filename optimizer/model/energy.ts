import type { PlanChoices } from '../../arch/plan';
import type { LayerCrossbarMapping } from '../../arch/mapping';
import { mvmEnergyPj, type EnergyBreakdownPj } from '../../arch/energy';

export type { EnergyBreakdownPj };
import { productWorkOf, type ModelContext } from './context';
import type { TrafficLoads } from './traffic';

/** Static leakage is not modelled: dynamic energy only. */
export function energyPerImagePj(
  ctx: ModelContext,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  traffic: TrafficLoads,
  edramBitsPerTile: Float64Array,
  inputBits: number,
  storedBits: Float64Array,
): EnergyBreakdownPj {
  const arch = ctx.arch;
  const e: EnergyBreakdownPj = { crossbar: 0, adc: 0, dac: 0, sampleHold: 0, shiftAdd: 0, edram: 0, noc: 0, digital: 0, attention: 0, offChip: 0, total: 0 };
  for (const m of mappings) {
    const mvms = m.outputPixels; // every output pixel is one MVM, whatever the replication
    // NOTE: mappings are memoised per (layer, bits) in the context, so their MVM energy is too.
    let per = ctx.mvmEnergy.get(m);
    if (per === undefined) ctx.mvmEnergy.set(m, (per = mvmEnergyPj(arch, m)));
    e.crossbar += mvms * per.crossbar;
    e.adc += mvms * per.adc;
    e.dac += mvms * per.dac;
    e.sampleHold += mvms * per.sampleHold;
    e.shiftAdd += mvms * per.shiftAdd;
  }
  let edramBits = 0;
  // NOTE: written for speed: an indexed loop (for-of over a typed array goes through its iterator).
  for (let t = 0; t < edramBitsPerTile.length; t++) edramBits += edramBitsPerTile[t] as number;
  e.edram = Math.ceil(edramBits / arch.tile.edram.accessBits) * arch.tile.edram.energyPjPerAccess;
  e.noc = traffic.totalFlitHops * arch.noc.router.energyPjPerFlit * (arch.noc.flitBits / arch.noc.router.energyFlitBits);
  e.digital = ctx.digitalOpsPerImage * arch.tile.digital.energyPjPerOp;
  for (const l of ctx.layers) if (l.product) e.attention += productWorkOf(ctx, l, storedBits)?.energyPj ?? 0;
  e.offChip = inputBits * arch.offChip.energyPjPerBit;
  e.total = e.crossbar + e.adc + e.dac + e.sampleHold + e.shiftAdd + e.edram + e.noc + e.digital + e.attention + e.offChip;
  return e;
}
