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
 * none). Taken at the row's arrival, not at its previous row's end, so a paced layer does not wait it again each row;
 * and its row interval's port term leaves out the writes landed in the burst (edramCycles), which the wait charged.
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
import type { InputBurst, LayerStage, LayerStatic, LoneNocTerms, ModelContext } from './types';
import { grown } from './grown';

export type { InputBurst } from './types';

/** Per input tile (its place among the input's tiles), one evaluation's working figures. */
interface PlaceScratch {
  /** Per tile: its place among the input's tiles (-1: none). */
  place: Int32Array;
  /** The port cycles per image of the tile's layers so far (their reads, and their output rows written there). */
  layerPortCycles: Float64Array;
  /** The port cycles of one input row's write at the tile. */
  rowWriteCycles: Float64Array;
  /** The input rows the tile's eDRAM holds ahead of the readers (its slots and its spare). */
  heldAheadRows: Float64Array;
  /** The input rows landed in the burst there (0: no burst). */
  burstRows: Float64Array;
  /** The tile's pace per image: its slowest layer's lone stage time, or its port's load if larger, cycles. */
  tilePaceCycles: Float64Array;
}

interface Scratch {
  burst: InputBurst;
  places: PlaceScratch;
}

// NOTE: scratch reused by every evaluation of a context; the model reads the burst from inputBurst's result only.
const scratchOf = new WeakMap<ModelContext, Scratch>();

function scratch(ctx: ModelContext): Scratch {
  let b = scratchOf.get(ctx);
  if (b === undefined) {
    const n = ctx.layers.length;
    b = {
      burst: {
        peakCycles: new Float64Array(n),
        burstEndCycles: new Float64Array(n),
        drainPerCycle: new Float64Array(n),
        hideCycles: new Float64Array(n),
        askCycles: new Float64Array(n),
        edramCycles: new Float64Array(n),
      },
      places: {
        place: new Int32Array(0),
        layerPortCycles: new Float64Array(0),
        rowWriteCycles: new Float64Array(0),
        heldAheadRows: new Float64Array(0),
        burstRows: new Float64Array(0),
        tilePaceCycles: new Float64Array(0),
      },
    };
    scratchOf.set(ctx, b);
  }
  return b;
}

/** The places' tables grown to `tiles` tiles and `dests` places, the place table all -1. */
function placesFor(p: PlaceScratch, tiles: number, dests: number): PlaceScratch {
  if (p.place.length < tiles) p.place = new Int32Array(tiles);
  p.place.fill(-1);
  p.layerPortCycles = grown(p.layerPortCycles, dests);
  p.rowWriteCycles = grown(p.rowWriteCycles, dests);
  p.heldAheadRows = grown(p.heldAheadRows, dests);
  p.burstRows = grown(p.burstRows, dests);
  p.tilePaceCycles = grown(p.tilePaceCycles, dests);
  return p;
}

/**
 * The evaluation's input burst per layer (after the traffic, tile times, credit-loop tables and lone NoC terms:
 * it reads the input's slots and the tiles' spare eDRAM, the port loads, and the layers' paces). The result is the
 * context's scratch, valid until its next evaluation.
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
  const { burst: b, places } = scratch(ctx);
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
  const paceCycles = Math.max(inputRowCycles, flitsOfBits(arch, rowBits) / arch.noc.linkFlitsPerCycle);
  const first = s.slotDestStart[r0] as number;
  const dests = (s.slotDestStart[r0 + 1] as number) - first;
  const p = placesFor(places, placement.tilesUsed, dests);
  const { place, layerPortCycles, rowWriteCycles, heldAheadRows, burstRows, tilePaceCycles } = p;
  for (let d = 0; d < dests; d++) {
    const tile = s.slotDests[first + d] as number;
    place[tile] = d;
    layerPortCycles[d] = 0;
    rowWriteCycles[d] = 0;
    heldAheadRows[d] = (ctx.creditLoop.destSlots[first + d] as number) + spareRows(ctx.creditLoop.freeBits[tile] ?? 0, rowBits);
    // The port's load when it is above every layer's lone stage time (the layers' paces are taken below).
    tilePaceCycles[d] = ctx.tileScratch.edram[tile] ?? 0;
  }
  for (let q = s.slotDeliveryStart[r0] as number; q < (s.slotDeliveryStart[r0 + 1] as number); q++) {
    const d = s.deliveryDest[q] as number;
    rowWriteCycles[d] = (rowWriteCycles[d] as number) + (s.deliveryRowAccesses[q] as number) / perCycle;
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
      const d = place[layerTiles[k] as number] ?? -1;
      if (d >= 0 && paced > (tilePaceCycles[d] as number)) tilePaceCycles[d] = paced;
    }
  }
  // The rows landed in the burst at each tile: until the rows held ahead of the readers are in (at once when the
  // input's pace is nil), or all of them; the readers take the input's rows at the tile's pace.
  const landingRowsPerCycle = 1 / paceCycles;
  for (let d = 0; d < dests; d++) {
    const tilePace = tilePaceCycles[d] as number;
    const takenRowsPerCycle = input.height / tilePace;
    burstRows[d] = 0;
    if ((rowWriteCycles[d] as number) <= 0 || tilePace <= 0 || landingRowsPerCycle <= takenRowsPerCycle) continue;
    const held = heldAheadRows[d] as number;
    burstRows[d] = Math.min(input.height, landingRowsPerCycle === Infinity ? held : (held * landingRowsPerCycle) / (landingRowsPerCycle - takenRowsPerCycle));
  }
  for (let n = 0; n <= last; n++) {
    const l = layers[n] as LayerStatic;
    // Its output rows written at the input's tiles' ports (rho counts them), and its reads there.
    const r = ctx.injection.slotPosition[l.index + 1] ?? -1;
    if (r >= 0) {
      const at = s.slotDestStart[r] as number;
      for (let q = s.slotDeliveryStart[r] as number; q < (s.slotDeliveryStart[r + 1] as number); q++) {
        const d = place[s.slotDests[at + (s.deliveryDest[q] as number)] as number] ?? -1;
        if (d >= 0) layerPortCycles[d] = (layerPortCycles[d] as number) + (l.outRows * (s.deliveryRowAccesses[q] as number)) / perCycle;
      }
    }
    const layerTiles = placement.layerTiles[l.index];
    if (l.aliased || l.role === 'free' || layerTiles === undefined || layerTiles.length === 0) continue;
    if ((layerTiles[0] as number) > hi || (layerTiles[layerTiles.length - 1] as number) < lo) continue;
    let hide = 0;
    let reads = false;
    if (l.weightedPos >= 0) {
      const weighted = placement.weighted[l.weightedPos];
      const mapping = mappings[l.weightedPos];
      if (weighted !== undefined && mapping !== undefined) {
        const accesses = edramAccesses(arch, l.mvmInputElements * bitsAt(choices.abits, l.weightedPos));
        const share = mapping.outputPixels / weighted.replicas;
        for (let k = 0; k < weighted.replicaTiles.length; k++) {
          const d = place[weighted.replicaTiles[k] as number] ?? -1;
          if (d < 0) continue;
          layerPortCycles[d] = (layerPortCycles[d] as number) + (share * accesses) / perCycle;
          reads = true;
        }
        // Read-ahead (rule 5): the previous job's MVMs hide the wait; a recurrent step reads none ahead.
        const jobs = rowJobsPerReplica(l.kind, l.outRows, l.outCols, share, weighted.replicas);
        if (!(l.digitalOps > 0)) hide = (stages[l.index]?.computeCycles ?? 0) / jobs;
      }
    } else if (l.role === 'digital') {
      const d = place[layerTiles[0] as number] ?? -1;
      if (d >= 0) {
        const steps = digitalSteps(ctx, l);
        layerPortCycles[d] = (layerPortCycles[d] as number) + (steps * digitalStepReadAccesses(arch, digitalReadBits(l, storedBits), steps)) / perCycle;
        reads = true;
      }
    }
    if (!reads) continue;
    let worst = 0;
    for (let k = 0; k < layerTiles.length; k++) {
      const d = place[layerTiles[k] as number] ?? -1;
      if (d < 0) continue;
      const rows = burstRows[d] as number;
      if (rows <= 0) continue;
      const write = rowWriteCycles[d] as number;
      const tilePace = tilePaceCycles[d] as number;
      const rho = Math.min(1, (layerPortCycles[d] as number) / tilePace);
      const endCycles = rows * paceCycles;
      const peak = rows * write - (1 - rho) * endCycles;
      if (peak <= worst) continue;
      worst = peak;
      b.peakCycles[l.index] = peak;
      b.burstEndCycles[l.index] = endCycles;
      // After the burst the rest lands at the readers' pace, if any is left.
      b.drainPerCycle[l.index] = Math.max(0, 1 - rho - (rows < input.height ? (write * input.height) / tilePace : 0));
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
      const d = place[t] ?? -1;
      const left = (ctx.tileScratch.edram[t] ?? 0) - (d < 0 ? 0 : (burstRows[d] as number) * (rowWriteCycles[d] as number));
      if (left > edram) edram = left;
    }
    b.edramCycles[l.index] = edram;
  }
  return b;
}

/** The context's last evaluated input burst, for tests and tools (the model takes inputBurst's result). */
export function lastInputBurst(ctx: ModelContext): InputBurst {
  return scratch(ctx).burst;
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
  const backlog = at < end ? (peak * at) / end : peak - (b.drainPerCycle[index] as number) * (at - end);
  const hide = b.hideCycles[index] as number;
  const overlap = previousCycles - readyCycles;
  const wait = backlog - (overlap <= 0 ? 0 : overlap < hide ? overlap : hide);
  return wait > 0 ? wait : 0;
}
