import type { Placement } from '../../arch/placement';
import { offChipBitsPerCycle } from '../../arch/timing';
import { edramCapacityBits } from '../../arch/edram';
import { digitalStepReadAccesses } from '../../arch/digital-port-load';
import { digitalReadBits, digitalSteps } from './tile-times';
import type { LayerStatic, ModelContext } from './types';
import { ATTENTION, BOUND, BOUND_CREDIT_LOOP, COMPUTE, CREDIT_LOOP, PORT_QUEUE, STAGE, STAGE_WIDTH, type StageTable } from './stage-table';
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
  stages: StageTable,
  storedBits: Float64Array,
): { inputs: CreditLoopInputs; params: TransitParams } {
  const arch = ctx.arch;
  let interval = 1;
  for (let o = STAGE; o < stages.length; o += STAGE_WIDTH) interval = Math.max(interval, stages[o] as number);
  const input = ctx.net.network.input;
  const { stageRowCycles, workCycles } = ctx;
  for (let i = 0, o = 0; o < stages.length; i++, o += STAGE_WIDTH) {
    const l = ctx.layers[i];
    stageRowCycles[i] = (stages[o + STAGE] as number) / Math.max(1, l?.outRows ?? 1);
    // Its own digital ops (the tile's other users of the unit mostly work on other images meanwhile), and the whole
    // MAC array load of its group: an encoder's Q.K^T and A.V of the same image share the array in the loop.
    const own = l === undefined ? 0 : l.digitalOps / arch.tile.digital.opsPerCycle;
    // A digital layer's own reads of its inputs through its tile's port (rule 5; an encoder's A.V on the digital
    // unit reads V once per output row): DeiT-S's attn.context on PUMA reads for 700k cycles per image.
    const reads = l === undefined || l.role !== 'digital' ? 0 : ownReadCycles(ctx, l, storedBits);
    workCycles[i] = Math.max(stages[o + COMPUTE] as number, stages[o + PORT_QUEUE] as number, own, stages[o + ATTENTION] as number, reads);
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
export function applyCreditLoop(ctx: ModelContext, placement: Placement, stages: StageTable, storedBits: Float64Array): void {
  const { inputs, params } = creditLoopArgs(ctx, placement, stages, storedBits);
  const bounds = creditLoopBounds(ctx.creditLoop, ctx.traffic, placement, ctx.readSlots, inputs, params);
  for (let i = 0, o = 0; o < stages.length; i++, o += STAGE_WIDTH) {
    const b = bounds[i] ?? 0;
    if (b <= 0 || ctx.layers[i]?.role === 'free') continue;
    stages[o + CREDIT_LOOP] = b;
    if (b > (stages[o + STAGE] as number)) {
      stages[o + STAGE] = b;
      stages[o + BOUND] = BOUND_CREDIT_LOOP;
    }
  }
}
