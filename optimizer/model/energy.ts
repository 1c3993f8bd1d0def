import type { PlanChoices } from '../../arch/plan';
import type { LayerCrossbarMapping } from '../../arch/mapping';
import { mvmSweeps, sweepCycles } from '../../arch/timing';
import type { ModelContext } from './context';
import type { TrafficLoads } from './traffic';

/** Dynamic energy of one image by component, pJ (mW x ns = pJ). Static leakage is not modelled. */
export interface EnergyBreakdownPj {
  crossbar: number;
  adc: number;
  dac: number;
  sampleHold: number;
  shiftAdd: number;
  edram: number;
  noc: number;
  digital: number;
  offChip: number;
  total: number;
}

export function energyPerImagePj(
  ctx: ModelContext,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  traffic: TrafficLoads,
  edramBitsPerTile: Float64Array,
  inputBits: number,
): EnergyBreakdownPj {
  const arch = ctx.arch;
  const e: EnergyBreakdownPj = { crossbar: 0, adc: 0, dac: 0, sampleHold: 0, shiftAdd: 0, edram: 0, noc: 0, digital: 0, offChip: 0, total: 0 };
  const nsPerCycle = 1 / arch.clockGHz;
  mappings.forEach((m, pos) => {
    const mvms = m.outputPixels; // every output pixel is one MVM, whatever the replication
    const sweepNs = sweepCycles(arch, m.usedColsPerCrossbar) * nsPerCycle;
    const sweeps = mvmSweeps(arch, choices.abits[pos] ?? 8);
    const streamedBits = Math.ceil((choices.abits[pos] ?? 8) / arch.dac.bits);
    e.crossbar += mvms * m.crossbarsPerReplica * sweeps * sweepNs * arch.crossbar.powerMw;
    e.adc += mvms * m.conversionsPerMvm * arch.adc.energyPjPerConversion;
    e.dac += mvms * m.crossbarsPerReplica * Math.min(m.rowsNeeded, arch.crossbar.rows) * streamedBits * sweepNs * arch.dac.powerMw;
    e.sampleHold += mvms * m.crossbarsPerReplica * m.usedColsPerCrossbar * sweeps * sweepNs * arch.sampleHold.powerMw;
    e.shiftAdd += mvms * m.reductionAddsPerMvm * arch.shiftAdd.energyPjPerAdd;
  });
  let edramBits = 0;
  for (const bits of edramBitsPerTile) edramBits += bits;
  e.edram = Math.ceil(edramBits / arch.tile.edram.accessBits) * arch.tile.edram.energyPjPerAccess;
  e.noc = traffic.totalFlitHops * arch.noc.router.energyPjPerFlit * (arch.noc.flitBits / arch.noc.router.energyFlitBits);
  let digitalOps = 0;
  for (const l of ctx.layers) digitalOps += l.digitalOps;
  e.digital = digitalOps * arch.tile.digital.energyPjPerOp;
  e.offChip = inputBits * arch.offChip.energyPjPerBit;
  e.total = e.crossbar + e.adc + e.dac + e.sampleHold + e.shiftAdd + e.edram + e.noc + e.digital + e.offChip;
  return e;
}
