/**
 * The network input's writes at the ports of the tiles it lands on, in the lone image (docs/hardware-model.md rule 7,
 * "The input's burst at its tiles' ports"). A lone image's input rows land at the input's pace (the off-chip crossing,
 * or the train on a NoC link if slower: rule 6) as far ahead of their readers as the tile's eDRAM holds them (their
 * slots plus the tile's spare, rule 6), and each is written through the tile's one FIFO port (rule 5). The stage
 * terms spread those writes over the image; landing in a burst they queue the port ahead of the reads of the tile's
 * layers. Taken as a fluid: while the burst lands the port's backlog grows by (w / pace - (1 - rho)) a cycle, w the
 * port cycles of one row's write, rho the share of the port the tile's layers made so far (network order, as the
 * recurrence runs: the later ones' reads are not seen, so the backlog is a lower bound there) take at the tile's pace;
 * after it, it drains at 1 - rho less the input's share at the readers' pace. A row of a layer on the tile asks for
 * its reads once its input row is written and waits the backlog then, less what its previous job's MVMs hide of it
 * (read-ahead, rule 5: their overlap with the row's inputs' arrival, at most one job; a digital layer's step hides
 * none). Taken at the row's arrival, not at its previous row's end, so a paced layer does not wait it again each row.
 * xformer MobileNetV2's replicated-mixed plan (512 KB tiles, all 224 input rows landed by cycle 45,591 against
 * 212,763 with 64 KB): the simulator's tile-0 layers end 4,800-9,000 cycles later from row 12 on; the model's lone
 * latency 798,795 -> 806,142 cycles, simulated 852,624 (docs/validation.md, s80 and s84).
 */
import { bitsAt, type PlanChoices } from '../../arch/plan';
import type { LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { edramAccesses } from '../../arch/timing';
import { flitsOfBits } from '../../arch/routing';
import { digitalStepReadAccesses } from '../../arch/digital-port-load';
import { spareRows } from './credit-loop';
import { inputRowWriteCycles, rowPacedCycles } from './latency-terms';
import { digitalReadBits, digitalSteps, rowJobsPerReplica } from './tile-times';
import type { LayerStage, LayerStatic, LoneNocTerms, ModelContext } from './types';
import { grown } from './grown';

/** Per layer (scratch of the context, valid until its next evaluation): its worst input tile's backlog curve. */
export interface InputBurst {
  /** The port's backlog when the burst ends, cycles (0: no wait for this layer). */
  peakCycles: Float64Array;
  /** When the burst ends, cycles from the image's start. */
  burstEndCycles: Float64Array;
  /** Backlog drained per cycle after the burst. */
  drain: Float64Array;
  /** Of the wait, what the layer's read-ahead hides (its previous job's compute), cycles. */
  hideCycles: Float64Array;
  /** From its input row's arrival to its reads' request: the row's write (rule 6), cycles. */
  askCycles: Float64Array;
  /**
   * Its port term per image (the stage's edramCycles, its worst tile's load) less the input's writes that landed in
   * the burst at each tile, which its rows pay as the wait, cycles: its row interval spreads only the rest.
   */
  edramCycles: Float64Array;
  /** Per tile: its place among the input's tiles (-1: none), and per place its port cycles so far. */
  place: Int32Array;
  portCycles: Float64Array;
  paceCycles: Float64Array;
}

const burstOf = new WeakMap<ModelContext, InputBurst>();

function scratch(ctx: ModelContext): InputBurst {
  let b = burstOf.get(ctx);
  if (b === undefined) {
    const n = ctx.layers.length;
    b = {
      peakCycles: new Float64Array(n),
      burstEndCycles: new Float64Array(n),
      drain: new Float64Array(n),
      hideCycles: new Float64Array(n),
      askCycles: new Float64Array(n),
      edramCycles: new Float64Array(n),
      place: new Int32Array(0),
      portCycles: new Float64Array(0),
      paceCycles: new Float64Array(0),
    };
    burstOf.set(ctx, b);
  }
  return b;
}

/**
 * The evaluation's input burst per layer (after the traffic, tile times, credit-loop tables and lone NoC terms:
 * it reads the input's slots and the tiles' spare eDRAM, the port loads, and the layers' paces).
 */
export function inputBurst(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  stages: readonly LayerStage[],
  storedBits: Float64Array,
  lone: LoneNocTerms,
  inputRowCycles: number,
): InputBurst {
  const b = scratch(ctx);
  b.peakCycles.fill(0);
  const arch = ctx.arch;
  const perCycle = arch.tile.edram.accessesPerCycle;
  const s = ctx.traffic;
  const r0 = ctx.injection.slotPosition[0] ?? -1;
  if (r0 < 0) return b;
  const input = ctx.net.network.input;
  const rowBits = input.width * input.channels * (storedBits[0] as number);
  // Rule 6: the next input row crosses once the last one is on its first link, so a NoC link slower than the
  // off-chip link sets the pace.
  const pace = Math.max(inputRowCycles, flitsOfBits(arch, rowBits) / arch.noc.linkFlitsPerCycle);
  const tiles = placement.tilesUsed;
  if (b.place.length < tiles) b.place = new Int32Array(tiles);
  b.place.fill(-1, 0, tiles);
  const first = s.slotDestStart[r0] as number;
  const dests = (s.slotDestStart[r0 + 1] as number) - first;
  b.portCycles = grown(b.portCycles, 4 * dests);
  b.paceCycles = grown(b.paceCycles, 4 * dests);
  // Per place: [0] the layers' port cycles so far, [1] one input row's write, [2] the input rows its eDRAM holds
  // ahead of the readers, [3] the port cycles of the writes landed in the burst; paceCycles: the tile's pace (its
  // slowest layer's lone stage time, or its port's load).
  const port = b.portCycles;
  for (let d = 0; d < dests; d++) {
    const tile = s.slotDests[first + d] as number;
    b.place[tile] = d;
    port[4 * d] = 0;
    port[4 * d + 1] = 0;
    port[4 * d + 2] = (ctx.creditLoop.destSlots[first + d] as number) + spareRows(ctx.creditLoop.freeBits[tile] ?? 0, rowBits);
    b.paceCycles[d] = ctx.tileScratch.edram[tile] ?? 0;
  }
  for (let q = s.slotDeliveryStart[r0] as number; q < (s.slotDeliveryStart[r0 + 1] as number); q++) {
    const d = s.deliveryDest[q] as number;
    port[4 * d + 1] = (port[4 * d + 1] as number) + (s.deliveryRowAccesses[q] as number) / perCycle;
  }
  // NOTE: written for speed (every evaluation): only the layers on the input's tiles (a layer's tiles are one
  // ascending range) and those before the last of them are looked at.
  let lo = Infinity;
  let hi = -1;
  for (let d = 0; d < dests; d++) {
    const tile = s.slotDests[first + d] as number;
    if (tile < lo) lo = tile;
    if (tile > hi) hi = tile;
  }
  const layers = ctx.layers;
  let last = -1;
  for (let n = 0; n < layers.length; n++) {
    const l = layers[n] as LayerStatic;
    const layerTiles = placement.layerTiles[l.index];
    if (layerTiles === undefined || layerTiles.length === 0 || l.role === 'free') continue;
    if ((layerTiles[0] as number) > hi || (layerTiles[layerTiles.length - 1] as number) < lo) continue;
    last = n;
    // The whole image's pace (undefined: the port term with all of the input's writes).
    const paced = rowPacedCycles(l, stages[l.index], lone, undefined) * l.outRows;
    for (let k = 0; k < layerTiles.length; k++) {
      const d = b.place[layerTiles[k] as number] ?? -1;
      if (d >= 0 && paced > (b.paceCycles[d] as number)) b.paceCycles[d] = paced;
    }
  }
  // The rows landed in the burst at each tile: until the rows held ahead of the readers are in (at once when the
  // input's pace is nil), or all of them; the readers take the input's rows at the tile's pace.
  const landing = 1 / pace;
  for (let d = 0; d < dests; d++) {
    const write = port[4 * d + 1] as number;
    const tilePace = b.paceCycles[d] as number;
    const taken = input.height / tilePace;
    port[4 * d + 3] = 0;
    if (write <= 0 || tilePace <= 0 || landing <= taken) continue;
    const heldAhead = port[4 * d + 2] as number;
    port[4 * d + 3] = Math.min(input.height, landing === Infinity ? heldAhead : (heldAhead * landing) / (landing - taken));
  }
  for (let n = 0; n <= last; n++) {
    const l = layers[n] as LayerStatic;
    // Its output rows written at the input's tiles' ports, and its reads there.
    const r = ctx.injection.slotPosition[l.index + 1] ?? -1;
    if (r >= 0) {
      const at = s.slotDestStart[r] as number;
      for (let q = s.slotDeliveryStart[r] as number; q < (s.slotDeliveryStart[r + 1] as number); q++) {
        const d = b.place[s.slotDests[at + (s.deliveryDest[q] as number)] as number] ?? -1;
        if (d >= 0) port[4 * d] = (port[4 * d] as number) + (l.outRows * (s.deliveryRowAccesses[q] as number)) / perCycle;
      }
    }
    const layerTiles = placement.layerTiles[l.index];
    if (l.aliased || l.role === 'free' || layerTiles === undefined || layerTiles.length === 0) continue;
    if ((layerTiles[0] as number) > hi || (layerTiles[layerTiles.length - 1] as number) < lo) continue;
    let hide = 0;
    let reads = false;
    if (l.weightedPos >= 0) {
      const place = placement.weighted[l.weightedPos];
      const mapping = mappings[l.weightedPos];
      if (place !== undefined && mapping !== undefined) {
        const accesses = edramAccesses(arch, l.mvmInputElements * bitsAt(choices.abits, l.weightedPos));
        const share = mapping.outputPixels / place.replicas;
        for (let k = 0; k < place.replicaTiles.length; k++) {
          const d = b.place[place.replicaTiles[k] as number] ?? -1;
          if (d >= 0) (port[4 * d] = (port[4 * d] as number) + (share * accesses) / perCycle), (reads = true);
        }
        // Read-ahead (rule 5): the previous job's MVMs hide the wait; a recurrent step reads none ahead.
        const jobs = rowJobsPerReplica(l.kind, l.outRows, l.outCols, share, place.replicas);
        if (!(l.digitalOps > 0)) hide = (stages[l.index]?.computeCycles ?? 0) / jobs;
      }
    } else if (l.role === 'digital') {
      const t = placement.layerTiles[l.index]?.[0] ?? 0;
      const d = b.place[t] ?? -1;
      if (d >= 0) {
        const steps = digitalSteps(ctx, l);
        port[4 * d] = (port[4 * d] as number) + (steps * digitalStepReadAccesses(arch, digitalReadBits(l, storedBits), steps)) / perCycle;
        reads = true;
      }
    }
    if (!reads) continue;
    let worst = 0;
    for (let k = 0; k < layerTiles.length; k++) {
      const t = layerTiles[k] as number;
      const d = b.place[t] ?? -1;
      if (d < 0) continue;
      const write = port[4 * d + 1] as number;
      const tilePace = b.paceCycles[d] as number;
      if (write <= 0 || tilePace <= 0) continue;
      const rows = port[4 * d + 3] as number;
      if (rows <= 0) continue;
      const rho = Math.min(1, (port[4 * d] as number) / tilePace);
      const taken = input.height / tilePace;
      const end = rows * pace;
      const peak = rows * write - (1 - rho) * end;
      if (peak <= worst) continue;
      worst = peak;
      b.peakCycles[l.index] = peak;
      b.burstEndCycles[l.index] = end;
      // After the burst the rest lands at the readers' pace, if any is left.
      b.drain[l.index] = Math.max(0, 1 - rho - (rows < input.height ? write * taken : 0));
      b.hideCycles[l.index] = hide;
      b.askCycles[l.index] = inputRowWriteCycles(ctx, l, storedBits);
    }
    if (worst <= 0) continue;
    // Its rows pay the writes landed in the burst as the wait: its port term spreads the rest (the reads, the writes
    // landing after the burst) over the image. Charged in both, a port-paced reader ran each row at the port's
    // whole-image pace after its wait (a 1x1 conv at 200 cycles an access: model 76,417 against 57,818 simulated).
    let edram = 0;
    for (let k = 0; k < layerTiles.length; k++) {
      const t = layerTiles[k] as number;
      const d = b.place[t] ?? -1;
      const left = (ctx.tileScratch.edram[t] ?? 0) - (d < 0 ? 0 : (port[4 * d + 3] as number) * (port[4 * d + 1] as number));
      if (left > edram) edram = left;
    }
    b.edramCycles[l.index] = edram;
  }
  return b;
}
/** The evaluation's input burst (inputBurst's scratch; valid once inputBurst ran this evaluation). */
export function inputBurstOf(ctx: ModelContext): InputBurst {
  return scratch(ctx);
}

/**
 * What layer `index`'s row waits at a port the input floods, beyond its inputs' arrival `readyCycles`: the port's
 * backlog when it asks for its reads (its input row written), less what its previous row job's MVMs, running until
 * `previousCycles` (at most one job's compute), hide of it (rule 5, read-ahead: a replica asks for a job's reads while
 * the job before it computes).
 */
export function inputBurstWaitCycles(b: InputBurst, index: number, readyCycles: number, previousCycles: number): number {
  const peak = b.peakCycles[index] as number;
  if (peak === 0) return 0;
  const end = b.burstEndCycles[index] as number;
  const at = readyCycles + (b.askCycles[index] as number);
  const backlog = at < end ? (peak * at) / end : peak - (b.drain[index] as number) * (at - end);
  const hide = b.hideCycles[index] as number;
  const overlap = previousCycles - readyCycles;
  const wait = backlog - (overlap <= 0 ? 0 : overlap < hide ? overlap : hide);
  return wait > 0 ? wait : 0;
}
