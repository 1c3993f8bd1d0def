import type { Placement } from '../../arch/placement';
import { offChipBitsPerCycle } from '../../arch/timing';
import { edramCapacityBits } from '../../arch/edram';
import { digitalStepReadAccesses } from '../../arch/digital-port-load';
import { digitalReadBits, digitalSteps } from './tile-times';
import type { LayerStage, LayerStatic, ModelContext } from './types';
import { fillUnitWaits } from './unit-wait';
import { creditLoopBounds, type CreditLoopInputs, type TransitParams } from './credit-loop';

/** A digital layer's reads of its inputs per image through its tile's eDRAM port, cycles (whole accesses per step, rule 5). */
function ownReadCycles(ctx: ModelContext, l: LayerStatic, storedBits: Float64Array): number {
  const steps = digitalSteps(ctx, l);
  return (steps * digitalStepReadAccesses(ctx.arch, digitalReadBits(l, storedBits), steps)) / ctx.arch.tile.edram.accessesPerCycle;
}

/**
 * What the credit-loop term is computed from, given the stages' other terms: the interval they give (its link waits
 * need it), per-row and per-image work, and the link and eDRAM parameters. Fills ctx.stageRowCycles and
 * ctx.workCycles (valid until the next evaluation).
 */
export function creditLoopArgs(
  ctx: ModelContext,
  placement: Placement,
  stages: readonly LayerStage[],
  storedBits: Float64Array,
): { inputs: CreditLoopInputs; params: TransitParams } {
  const arch = ctx.arch;
  let interval = 1;
  for (let i = 0; i < stages.length; i++) interval = Math.max(interval, (stages[i] as LayerStage).stageCycles);
  const input = ctx.net.network.input;
  const { stageRowCycles, workCycles } = ctx;
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i] as LayerStage;
    stageRowCycles[s.index] = s.stageCycles / Math.max(1, ctx.layers[s.index]?.outRows ?? 1);
    // Its own digital ops (the tile's other users of the unit mostly work on other images meanwhile), and the whole
    // MAC array load of its group: an encoder's Q.K^T and A.V of the same image share the array in the loop.
    const l = ctx.layers[s.index];
    const own = l === undefined ? 0 : l.digitalOps / arch.tile.digital.opsPerCycle;
    // A digital layer's own reads of its inputs through its tile's port (rule 5; an encoder's A.V on the digital
    // unit reads V once per output row): DeiT-S's attn.context on PUMA reads for 700k cycles per image.
    const reads = l === undefined || l.role !== 'digital' ? 0 : ownReadCycles(ctx, l, storedBits);
    workCycles[s.index] = Math.max(s.computeCycles, s.portQueueCycles, own, s.attentionCycles, reads);
  }
  fillUnitWaits(ctx, placement, ctx.tileScratch.digital, ctx.unitWaitCycles);
  return {
    inputs: {
      storedBits,
      rowCycles: placement.rowCycles,
      stageRowCycles,
      workCycles,
      unitWaitCycles: ctx.unitWaitCycles,
      inputRowCycles: (input.width * input.channels * (storedBits[0] as number)) / offChipBitsPerCycle(arch),
      intervalCycles: interval,
    },
    params: {
      linkFlitsPerCycle: arch.noc.linkFlitsPerCycle,
      routerLatencyCycles: arch.noc.routerLatencyCycles,
      edramAccessesPerCycle: arch.tile.edram.accessesPerCycle,
      edramCapacityBits: edramCapacityBits(arch),
    },
  };
}

/**
 * Adds the credit-loop term to each stored layer's stage (rule 7). Its link waits need the interval, so it
 * comes after the other terms, at the interval they give.
 */
export function applyCreditLoop(ctx: ModelContext, placement: Placement, stages: LayerStage[], storedBits: Float64Array): void {
  const { inputs, params } = creditLoopArgs(ctx, placement, stages, storedBits);
  const bounds = creditLoopBounds(ctx.creditLoop, ctx.traffic, placement, ctx.readSlots, inputs, params);
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i] as LayerStage;
    const b = bounds[stage.index] ?? 0;
    if (b <= 0 || ctx.layers[stage.index]?.role === 'free') continue;
    stage.creditLoopCycles = b;
    if (b > stage.stageCycles) {
      stage.stageCycles = b;
      stage.boundBy = 'credit-loop';
    }
  }
}

