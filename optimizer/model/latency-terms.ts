/**
 * A layer's own terms in the single-image recurrence (docs/hardware-model.md rule 7): its row interval, the pace of its
 * work before its ops reach its digital unit, and a row's fixed time. latency.ts, its reference and unit-run.ts take
 * them from here.
 */
import type { PlanChoices } from '../../arch/plan';
import { replicaMvmCycles, type LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { shiftAddCyclesPerMvm, shiftAddDrainCycles } from '../../arch/timing';
import type { InputBurst, LayerStage, LayerStatic, LoneNocTerms, ModelContext, TrafficLoads } from './types';
import { flitsOfBits } from '../../arch/routing';
import { digitalStepReadAccesses } from '../../arch/digital-port-load';
import { digitalReadBits, digitalSteps } from './tile-times';
import { fusedRowTiles } from './digital-queue';

/**
 * A layer's time per output row in a lone image's pipeline (0: free layers): its stage time spread over its rows,
 * less the steady-state bounds a lone image does not see (loneImageStageCycles), with its tiles' digital units at
 * `digitalCycles` per image (takeRemainingLoad: its own ops and those of the layers after it there; the earlier
 * layers' rows wait in the digital-unit queue). With the whole units' load, a layer ran at the pace of ops already
 * done: DeiT-Tiny's softmax on PUMA, behind its Q.K^T's 234,000 cycles of ops, 949,624 cycles for its last row where
 * the simulator takes 489,378 (+43% latency uncontended); a weighted layer without ops of its own (attn.q on that
 * tile) was paced by them too.
 */
export function rowIntervalCycles(l: LayerStatic, stage: LayerStage | undefined, digitalCycles: number, lone: LoneNocTerms, burst: InputBurst | undefined): number {
  if (l.role === 'free' || l.inHostJob || stage === undefined) return 0;
  return Math.max(loneImageStageCycles(stage, lone, burst), digitalCycles) / l.outRows;
}

/**
 * rowIntervalCycles without its tiles' digital units: the pace of a row's work before its ops reach its unit (the
 * digital-unit queue serves them there).
 */
export function rowPacedCycles(l: LayerStatic, stage: LayerStage | undefined, lone: LoneNocTerms, burst: InputBurst | undefined): number {
  return l.role === 'free' || l.inHostJob || stage === undefined ? 0 : loneImageStageCycles(stage, lone, burst) / l.outRows;
}

/**
 * A layer's time from the arrival of the input rows an output row needs to that row's end: one input row written to
 * eDRAM (and crossing the NoC from off-chip), then the row's compute (crossbar MVMs and shift-and-add, digital ops, a product's
 * work; 0 for free layers).
 */
export function rowFixedCycles(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  traffic: TrafficLoads,
  storedBits: Float64Array,
  l: LayerStatic,
): number {
  const arch = ctx.arch;
  const linkRate = arch.noc.linkFlitsPerCycle;
  const routerLatency = arch.noc.routerLatencyCycles;
  const rows = l.outRows;
  let rowLatency = 0;
  let transfer = 0;
  if (l.inHostJob) {
    // Its ops are in its digital host's row job, or its fused chain's first layer's (hostedOps): its rows end with that job's.
  } else if (l.role === 'fused') {
    // Applied on the producer's output path: each replica applies it to its pixels of the row on its own tile
    // (rule 5), so a row's ops spread over the distinct tiles of the replicas that have pixels in it (one for a
    // token of a sequence without replication, however many tiles the layer's crossbars span), with the ops of the
    // layers fused after it that its job holds (hostedOps).
    rowLatency = (l.digitalOps + l.hostedOps) / rows / arch.tile.digital.opsPerCycle / fusedRowTiles(ctx, placement, l.index, l.outCols, ctx.digitalQueues.jobTiles);
  } else if (l.role !== 'free') {
    if (l.weightedPos >= 0) {
      const mapping = mappings[l.weightedPos];
      const r = choices.replicas[l.weightedPos] ?? 1;
      if (mapping !== undefined) {
        const pixels = l.kind === 'fc' ? 1 : Math.ceil(l.outCols / r);
        // Shift-and-add works behind the ADCs (at its own pace when slower); only the last streamed bit's values
        // drain after the MVM.
        const perMvm = Math.max(replicaMvmCycles(arch, mapping, r), shiftAddCyclesPerMvm(arch, mapping));
        rowLatency = pixels * perMvm + shiftAddDrainCycles(arch, mapping);
        // A recurrent layer's cell ops follow on its output path before the step's row is sent (rule 3).
        if (l.digitalOps > 0) rowLatency += l.digitalOps / rows / arch.tile.digital.opsPerCycle;
      }
    } else {
      rowLatency = (l.digitalOps + l.hostedOps) / rows / arch.tile.digital.opsPerCycle;
      // A product on a MAC array or rewritten crossbars (rule 8): its own work per row.
      if (l.product) rowLatency += (ctx.productCycles[l.index] ?? 0) / rows;
      // Its step reads its inputs through the tile's eDRAM port before the work starts (rule 5; a digital-unit
      // product re-reads its second operand every row: GPT-2's scores on PUMA, 3,144 cycles a row).
      const steps = digitalSteps(ctx, l);
      rowLatency += digitalStepReadAccesses(arch, digitalReadBits(l, storedBits), steps) / arch.tile.edram.accessesPerCycle;
    }
    // One input row crossing the NoC (cut-through: router latency per router plus serialization) and
    // being written to eDRAM.
    const firstInput = l.dataInputs[0] ?? -1;
    const rowBits = l.firstInputRowElements * (storedBits[firstInput + 1] as number);
    // The network input's row crosses the NoC from router 0 (one copy per reader tile, all entering at once). A
    // stored row's copies are charged in the reader's input delay (injection.ts).
    const hops = traffic.layerMaxHops[l.index] ?? 0;
    transfer = inputRowWriteCycles(ctx, l, storedBits) + (firstInput < 0 ? (hops + 1) * routerLatency + flitsOfBits(arch, rowBits) / linkRate : 0);
  }
  return transfer + rowLatency;
}

/** The write of one row of a layer's first data input into its tile's eDRAM (rule 6), cycles. */
export function inputRowWriteCycles(ctx: ModelContext, l: LayerStatic, storedBits: Float64Array): number {
  const firstInput = l.dataInputs[0] ?? -1;
  return (l.firstInputRowElements * (storedBits[firstInput + 1] as number)) / (ctx.arch.tile.edram.accessBits * ctx.arch.tile.edram.accessesPerCycle);
}

/**
 * A stage's time per image for a lone image, but for its tiles' digital units: without the steady-state pace bounds
 * of line buffers and credits (rule 7), which count grants waiting for rows of earlier images to free; one image's
 * rows do not wait for them. (The credit loop is applied after the latency; the line-buffer term is taken out here.)
 * The outbound NoC term stays although the injection queue (injection.ts) now charges each row's copies: without it
 * the layers ran ahead of their sends and DeiT-S's baseline on xformer went from 0.1% to 5.3% below the simulated
 * latency (ViT-B/16 +5.0% -> +3.4%, GPT-2 unchanged); it stands for the mesh and ejection waits the recurrence does
 * not play out. It and the mesh-link term are the lone image's (lone-sends.ts): less the copies of tensors made apart
 * from the layer's rows in time. At a port the network input floods (`burst`, input-burst.ts), the port term leaves
 * out the input's writes its rows pay as the burst's wait.
 */
function loneImageStageCycles(s: LayerStage, lone: LoneNocTerms, burst: InputBurst | undefined): number {
  const edram = burst !== undefined && burst.peakCycles[s.index] !== 0 ? (burst.edramCycles[s.index] as number) : s.edramCycles;
  return Math.max(s.computeCycles, s.shiftAddCycles, s.nocInCycles, lone.nocOut[s.index] as number, lone.meshLink[s.index] as number, edram, s.attentionCycles, s.offChipCycles, s.portQueueCycles);
}
