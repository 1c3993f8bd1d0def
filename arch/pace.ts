import type { ArchSpec } from './types';
import type { ResolvedNetwork } from '../workloads/types';
import { replicaMvmCycles, type LayerCrossbarMapping } from './mapping';
import { operandBits, storedTensorBits, type DataInput, type Dataflow, type LayerFlow } from './dataflow';
import { isWholeImage, newPlacementScratch, type PlacementScratch } from './tile-buffers';
import { offChipBitsPerCycle } from './timing';
import { productEngine, productWork } from './attention';
import { fillForkHolds, type ForkHoldScratch } from './fork-hold';

/**
 * The pace of a plan, as far as line buffers care (docs/hardware-model.md rule 1): each stored layer's time for one
 * output row and the image interval estimated from compute alone (a lower bound of the real one, so the windows
 * sized from it err on the large side). Plan-dependent; computed once per placement.
 */
export interface PlanPace {
  /** Stored layer's time for one output row: a replica's crossbar time for its pixels of it, or digital ops. */
  rowCycles: Float64Array;
  /** Compute-bound image interval (crossbars, digital units, off-chip input). */
  intervalCycles: number;
  /** Time of one network input row over the off-chip link. */
  inputRowCycles: number;
  /** Rows each layer holds of each data input, by layer index (starts paced; capped by placement if need be). */
  windowRows: number[][];
  /** The plan's operand-bits array (arch/dataflow.ts operandBits): stored tensors' bits by rule 2. */
  operandBits: readonly number[];
  /**
   * By layer index, per input, whether its window is a whole-image double buffer (rule 1); absent for layers
   * without one. Placement shrinks a layer's other paced windows first.
   */
  doubleBuffered: boolean[][];
  /**
   * By layer index, per forked input, the least window that lets an image through (progressWindowRows); absent for
   * layers without forked inputs. Placement never shrinks a window below it, nor unpaces one below it.
   */
  progressRows: number[][];
}

function producerRows(net: ResolvedNetwork, producer: number): number {
  return (producer < 0 ? net.network.input : net.layers[producer]?.outShape)?.height ?? 1;
}

/**
 * Row times, interval estimate and paced windows of a plan. NOTE: runs inside every model evaluation; the model
 * passes its per-network placement scratch (layer lists, a reused row-time buffer) instead of a fresh one.
 */
export function planPace(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  scratch: PlacementScratch = newPlacementScratch(net, flow),
  productBits?: readonly number[],
): PlanPace {
  const rowCycles = scratch.rowCycles;
  rowCycles.fill(0);
  let interval = 1;
  for (let pos = 0; pos < mappings.length; pos++) {
    const m = mappings[pos] as LayerCrossbarMapping;
    const r = Math.max(1, replicas[pos] ?? 1);
    const layer = net.layers[m.layerIndex];
    const fc = layer?.layer.kind === 'fc';
    const mvm = replicaMvmCycles(arch, m, r);
    rowCycles[m.layerIndex] = (fc ? 1 : Math.ceil((layer?.outShape.width ?? 1) / r)) * mvm;
    interval = Math.max(interval, (fc ? 1 / r : Math.ceil(m.outputPixels / r)) * mvm);
  }
  const weightedAbits: number[] = [];
  for (const m of mappings) weightedAbits.push(m.abits);
  const abits = operandBits(flow, weightedAbits, productBits);
  const products = productEngine(arch) !== 'digitalUnit';
  for (let k = 0; k < scratch.digitalLayers.length; k++) {
    const l = flow.layers[scratch.digitalLayers[k] as number] as LayerFlow;
    let cycles = l.digitalOps / arch.tile.digital.opsPerCycle;
    const r = net.layers[l.index];
    if (products && r?.layer.kind === 'matmul') {
      // Rule 8: the product's own time on its MAC array (or rewritten crossbars), at rule 2's operand bits.
      const a = storedTensorBits(flow, l.dataInputs[0]?.producer ?? -1, abits);
      const b = storedTensorBits(flow, l.dataInputs[1]?.producer ?? l.dataInputs[0]?.producer ?? -1, abits);
      cycles += productWork(arch, r, a, b)?.cyclesPerImage ?? 0;
    }
    rowCycles[l.index] = cycles / producerRows(net, l.index);
    interval = Math.max(interval, cycles);
  }
  const input = net.network.input;
  const inputRowCycles = (input.width * input.channels * storedTensorBits(flow, -1, abits)) / offChipBitsPerCycle(arch);
  interval = Math.max(interval, inputRowCycles * input.height);
  // Every layer starts with the dataflow's own windows (the same arrays: shrinkPacedWindows and unpaceWindows tell
  // paced ones by identity); layers whose inputs fork get paced ones.
  const pace: PlanPace = { rowCycles, intervalCycles: interval, inputRowCycles, windowRows: scratch.flowWindowRows.slice(), operandBits: abits, doubleBuffered: [], progressRows: [] };
  const holds = scratch.forkHolds;
  if (scratch.skewLayers.length > 0) fillForkHolds(holds, net, flow, rowCycles, interval);
  for (let s = 0; s < scratch.skewLayers.length; s++) {
    const l = flow.layers[scratch.skewLayers[s] as number] as LayerFlow;
    const at = holds.inputOffset[l.index] as number;
    pace.progressRows[l.index] = l.dataInputs.map((_, k) => progressWindowRows(l, k));
    pace.windowRows[l.index] = l.dataInputs.map((d, k) => {
      const rows = producerRows(net, d.producer);
      return pacedWindowRows(l, k, holds.skewRows[at + k] as number, holds.leadCycles[at + k] as number, rowCycles, interval / rows, producerRowCycles(pace, d.producer));
    });
  }
  // Rule 1: a reader that holds a whole image of an input double-buffers it (2 rows - 1 + the lookahead = two
  // images, channelSlots), so its producer writes the next image meanwhile; placement caps it like any paced window.
  for (let s = 0; s < scratch.wholeImageLayers.length; s++) {
    const l = flow.layers[scratch.wholeImageLayers[s] as number] as LayerFlow;
    const windows = pace.windowRows[l.index] ?? l.windowRows;
    const whole = l.dataInputs.map((d, k) => isWholeImage(producerRows(net, d.producer), l.windowRows[k] ?? 1));
    pace.doubleBuffered[l.index] = whole;
    pace.windowRows[l.index] = l.dataInputs.map((d, k) => {
      const w = windows[k] ?? 1;
      return whole[k] === true ? Math.max(w, 2 * producerRows(net, d.producer) - 1) : w;
    });
  }
  return pace;
}

function producerRowCycles(pace: PlanPace, producer: number): number {
  return producer < 0 ? pace.inputRowCycles : (pace.rowCycles[producer] ?? 0);
}

/**
 * Takes one row off each paced window of `layer` above the dataflow's own (placement does this when the paced
 * buffers fit no tile): first the fork windows, then, once they are at their floors, the whole-image double buffers
 * (ViT-B/16's A.V: V double-buffered and the softmax window shrunk is 675 img/s; both shrunk alike, 656). False when
 * there is nothing left to take.
 */
export function shrinkPacedWindows(pace: PlanPace, flow: Dataflow, layer: number): boolean {
  const lf = flow.layers[layer];
  const windows = pace.windowRows[layer];
  if (lf === undefined || windows === undefined || windows === lf.windowRows) return false;
  const double = pace.doubleBuffered[layer];
  for (const buffers of [false, true]) {
    let shrunk = false;
    const next = windows.map((w, k) => {
      const floor = pace.progressRows[layer]?.[k] ?? lf.windowRows[k] ?? 1;
      if ((double?.[k] === true) !== buffers || w <= floor) return w;
      shrunk = true;
      return w - 1;
    });
    if (shrunk) {
      pace.windowRows[layer] = next;
      return true;
    }
  }
  return false;
}

/**
 * Shrinks `layer`'s paced windows as repeated shrinkPacedWindows calls would, to the first state at which `fits()`
 * holds (it does not at the current one), or as far as they go. True when `fits()` holds at the end. NOTE: written
 * for speed: a large encoder's double buffers (2 x 196 rows on ViT-B/16) took thousands of one-row steps, each with a
 * fit; a smaller window never needs more eDRAM (channelSlots is monotone), so the first fitting step is found by
 * bisection over the step count, the state after s steps in closed form. Windows that are not whole rows take the
 * steps one by one.
 */
export function shrinkPacedWindowsUntil(pace: PlanPace, flow: Dataflow, layer: number, fits: () => boolean): boolean {
  const lf = flow.layers[layer];
  const windows = pace.windowRows[layer];
  if (lf === undefined || windows === undefined || windows === lf.windowRows) return false;
  const double = pace.doubleBuffered[layer];
  const floors = windows.map((_, k) => pace.progressRows[layer]?.[k] ?? lf.windowRows[k] ?? 1);
  if (!windows.every((w, k) => Number.isInteger(w) && Number.isInteger(floors[k]))) {
    while (shrinkPacedWindows(pace, flow, layer)) if (fits()) return true;
    return false;
  }
  // Steps each window takes in its phase (the other windows first, then the double buffers).
  const room = windows.map((w, k) => Math.max(0, w - (floors[k] as number)));
  let steps1 = 0;
  let steps2 = 0;
  for (let k = 0; k < windows.length; k++) {
    if (double?.[k] === true) steps2 = Math.max(steps2, room[k] as number);
    else steps1 = Math.max(steps1, room[k] as number);
  }
  const after = (s: number): number[] =>
    windows.map((w, k) => w - Math.min(room[k] as number, double?.[k] === true ? Math.max(0, s - steps1) : s));
  const fitsAfter = (s: number): boolean => {
    pace.windowRows[layer] = after(s);
    return fits();
  };
  const last = steps1 + steps2;
  if (last === 0) return false;
  if (!fitsAfter(last)) return false;
  let lo = 1;
  let hi = last;
  // fitsAfter(hi) holds; find the least such step.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fitsAfter(mid)) hi = mid;
    else lo = mid + 1;
  }
  pace.windowRows[layer] = after(hi);
  return true;
}

/**
 * The least window of input k that lets an image through at all: its row-need window plus the rows the other path
 * of a fork pulls ahead of it (widenForSkew's skewRows for each fork whose own path has stages; an identity skip's
 * are in the row-need window already). It counts the rows the fork's ancestor lets this path reach, not whether this
 * path is held up elsewhere, so it errs on the large side. Below the rows really pulled ahead, the reader waits for
 * rows of the other input that cannot come until this input's producer moves on, which waits for room here: PUMA's
 * DeiT-S deadlocked with the query window at 1 row while the scores waited for all 196 key rows from the same norm1.
 */
export function progressWindowRows(lf: LayerFlow, k: number): number {
  let skew = 0;
  for (const path of lf.skewPaths[k] ?? []) if (path.own.length > 0) skew = Math.max(skew, path.skewRows);
  return (lf.windowRows[k] ?? 1) + skew;
}

/** The progress windows of `layer` (pace.progressRows); the row-need windows themselves when none is above them. */
function progressWindows(pace: PlanPace, lf: LayerFlow): number[] {
  const floor = pace.progressRows[lf.index];
  if (floor === undefined || floor.every((w, k) => w === lf.windowRows[k])) return lf.windowRows;
  return floor;
}

/** Puts every window back to the least that lets an image through (progressWindowRows); false when none was above. */
export function unpaceWindows(pace: PlanPace, flow: Dataflow): boolean {
  let changed = false;
  for (const l of flow.layers) {
    const floor = progressWindows(pace, l);
    const current = pace.windowRows[l.index];
    if (current === floor || (current !== undefined && current.length === floor.length && current.every((w, k) => w === floor[k]))) continue;
    pace.windowRows[l.index] = floor;
    changed = true;
  }
  return changed;
}

/**
 * Per layer index, the interval its granted windows sustain (windowPaceBoundCycles); 0 without forked inputs.
 * `skewLayers`: the layers with forked inputs (PlacementScratch.skewLayers; found here when not given).
 * `spareRows(layer, k)`: rows of input k its reader's tiles hold beyond the guaranteed slots (rule 6: later rows are
 * granted into eDRAM no channel is guaranteed); none when not given.
 */
export function paceBoundsCycles(pace: PlanPace, net: ResolvedNetwork, flow: Dataflow, holds: ForkHoldScratch, skewLayers?: Int32Array, spareRows?: (layer: number, k: number) => number): number[] {
  // A plain array: a new Float64Array per placement walk (off the heap) cost more than the walk's other tables.
  const bounds = new Array<number>(net.layers.length).fill(0);
  const skewed = skewLayers ?? Int32Array.from(flow.layers.filter((l) => l.hasSkew), (l) => l.index);
  for (let s = 0; s < skewed.length; s++) {
    const l = flow.layers[skewed[s] as number] as LayerFlow;
    const at = holds.inputOffset[l.index] as number;
    let bound = 0;
    for (let k = 0; k < l.dataInputs.length; k++) {
      const producer = (l.dataInputs[k] as DataInput).producer;
      const window = (pace.windowRows[l.index]?.[k] ?? 1) + (spareRows?.(l.index, k) ?? 0) + (holds.ownSlackRows[at + k] as number);
      const tP = producerRowCycles(pace, producer);
      const rowsP = producerRows(net, producer);
      // Two lines of the wait (arch/fork-hold.ts): the worst row near the estimated interval, and the steepest.
      const b = Math.max(
        windowPaceBoundCycles(l, k, holds.skewRows[at + k] as number, holds.leadCycles[at + k] as number, pace.rowCycles, window, tP, rowsP),
        windowPaceBoundCycles(l, k, holds.steepSkewRows[at + k] as number, holds.steepLeadCycles[at + k] as number, pace.rowCycles, window, tP, rowsP),
      );
      if (b > bound) bound = b;
    }
    bounds[l.index] = bound;
  }
  return bounds;
}

/**
 * Input k's window once the plan's pace is known (docs/hardware-model.md rule 1). Rows of P_k arrive every
 * `periodCycles`; a row is held from its arrival until the reader has used it: the wait for the other inputs
 * (arch/fork-hold.ts: `skewRows` periods plus `leadCycles`, from the paced row recurrence) and the reader's own row
 * time. P_k absorbs up to its idle time per row (period - its row time) by sending late. The window must cover
 * floor(hold / period) rows (one more slot is the lookahead of channelBits). `rowCycles[s]`: stored layer s's time
 * for one output row.
 */
export function pacedWindowRows(lf: LayerFlow, k: number, skewRows: number, leadCycles: number, rowCycles: Float64Array, periodCycles: number, producerRowCycles: number): number {
  const base = lf.windowRows[k] ?? 1;
  const paths = lf.skewPaths[k];
  if (paths === undefined || paths.length === 0 || !(periodCycles > 0)) return base;
  const idle = Math.max(0, periodCycles - producerRowCycles);
  const hold = skewRows * periodCycles + leadCycles + (rowCycles[lf.index] ?? 0) - idle;
  return Math.max(base, Math.floor(hold / periodCycles + 1e-9));
}

/**
 * Longest image interval at which input k's granted `windowRows` still keeps pace (the credit loop of rule 1):
 * the hold time of a row, counted in periods, must stay below window + 1. With period p = interval / rows of P_k,
 * floor((skewRows p + lead + reader + producer - p) / p) <= window  <=>  p >= (lead + reader + producer) /
 * (window + 2 - skewRows), skewRows and lead (cycles) from arch/fork-hold.ts. Returns the bound on the interval (0
 * when no fork).
 */
export function windowPaceBoundCycles(lf: LayerFlow, k: number, skewRows: number, leadCycles: number, rowCycles: Float64Array, windowRows: number, producerRowCycles: number, producerRows: number): number {
  const paths = lf.skewPaths[k];
  if (paths === undefined || paths.length === 0) return 0;
  const work = (rowCycles[lf.index] ?? 0) + producerRowCycles + leadCycles;
  const slots = windowRows + 2 - skewRows;
  return work > 0 ? (producerRows * work) / Math.max(1, slots) : 0;
}
