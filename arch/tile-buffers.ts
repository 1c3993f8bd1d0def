import type { ResolvedNetwork } from '../workloads/types';
import { outputPathOps, storedTensorBits, type Dataflow } from './dataflow';
import { newForkHoldScratch, type ForkHoldScratch } from './fork-hold';
import { InputTileLayers } from './input-tile';
import { inputPortElements, mvmPortElements } from './mapping';

/**
 * Row slots a tile guarantees each stored producer read there (docs/hardware-model.md rule 1): its readers' widest
 * window plus one row of lookahead, so the producer writes its next row while the reader works on the window, up to
 * two images. A reader that holds a whole image (window >= rows: an encoder's K and V, an fc layer's input; no row
 * is freed before the reader's row that needs the last one) is given a paced window of 2 rows - 1 (arch/pace.ts):
 * two images of slots, double buffering, so the producer writes image n + 1 while the reader still holds image n.
 * With one image the two alternate (DeiT-Tiny on xformer: k, v and the attention products took turns, simulated
 * 3089 img/s against 4768 double-buffered). A one-row tensor keeps one slot.
 */
export function channelSlots(rows: number, windowRows: number): number {
  if (windowRows <= 0) return 0;
  return rows > 1 ? Math.min(windowRows + 1, 2 * rows) : Math.min(rows, windowRows + 1);
}

/** A row-need window that holds every row of a tensor of `rows` rows (more than one) at once. */
export function isWholeImage(rows: number, windowRows: number): boolean {
  return rows > 1 && windowRows >= rows;
}

/** eDRAM a tile must reserve for each stored producer read there: channelSlots x row bits. */
export function channelBits(rows: number, windowRows: number, rowBits: number): number {
  return channelSlots(rows, windowRows) * rowBits;
}

/**
 * What placement knows of a network before any plan, and the buffers it reuses from one placement to the next.
 * NOTE: written for speed: the analytical model places once per evaluation, so prepareModel keeps one of these
 * per network; placeNetwork makes a fresh one when given none. Nothing a placement returns points into it.
 */
export interface PlacementScratch {
  net: ResolvedNetwork;
  flow: Dataflow;
  /** Rows and elements per row of each stored tensor, by producer + 1 (slot 0: the network input). */
  tensorRows: Float64Array;
  tensorRowElements: Float64Array;
  /** Slots some layer reads (the only ones whose row bits placement needs). */
  readSlots: Int32Array;
  /** Bits per row of each read tensor for the plan being placed. */
  rowBits: Float64Array;
  /**
   * Windows granted so far, per stored tensor: each reader's tile range with its window (a tensor has a few
   * readers, each on a contiguous range of tiles, so a short list replaces a (tile, tensor) map). Slot s owns
   * entries windowStart[s] .. windowStart[s] + windowCount[s] - 1.
   */
  windowStart: Int32Array;
  windowCount: Int32Array;
  windowFirstTile: Int32Array;
  windowLastTile: Int32Array;
  windowRows: Float64Array;
  /** Bits reserved per tile (valid below the TileBuffers' high-water mark; grows past the chip if placement does). */
  usedBits: Float64Array;
  /** Extra bits per tile of the range being measured, and whether any input touched it. */
  extraBits: Float64Array;
  extraTouched: Uint8Array;
  /** Host tile of each digital layer, by layer index. */
  digitalHost: Int32Array;
  /** Stored layers' row times of the plan being placed (arch/pace.ts). */
  rowCycles: Float64Array;
  /** Digital layers, and layers whose inputs fork from a common ancestor (hasSkew), by index. */
  digitalLayers: Int32Array;
  skewLayers: Int32Array;
  /** Each layer's dataflow windows (the dataflow's own arrays), copied as the start of every plan's pace. */
  flowWindowRows: number[][];
  /** Fused layers and the stored layer each is fused into. */
  fusedLayers: Int32Array;
  fusedHosts: Int32Array;
  /** Layers with an input whose row-need window is the whole image (of more than one row): double-buffered. */
  wholeImageLayers: Int32Array;
  /**
   * Per layer index: digital ops on its output path, which run on its tiles: the activations fused into it (rule 5)
   * and, for a weighted layer, its own (a recurrent cell, rule 3).
   */
  fusedOps: Float64Array;
  /** Per layer index: digital ops of the digital layers it anchors (they run on its first tile when they fit). */
  anchoredOps: Float64Array;
  /** Per layer index: elements of one MVM input vector and of its input tensor (placement-load.ts portAccesses). */
  mvmPortElements: Float64Array;
  inputPortElements: Float64Array;
  /** Per tile: estimated eDRAM-port and digital-unit cycles per image of the packing in progress (pack-tiles.ts). */
  portLoad: Float64Array;
  digitalLoad: Float64Array;
  /** The forked inputs' waits of the plan being placed (arch/fork-hold.ts). */
  forkHolds: ForkHoldScratch;
  /** Which layers are fed at the input's pace in the packing in progress (cleared by each packing). */
  inputTile: InputTileLayers;
}

export function newPlacementScratch(net: ResolvedNetwork, flow: Dataflow): PlacementScratch {
  const slots = net.layers.length + 1;
  const tensorRows = new Float64Array(slots);
  const tensorRowElements = new Float64Array(slots);
  for (let slot = 0; slot < slots; slot++) {
    const shape = slot === 0 ? net.network.input : net.layers[slot - 1]?.outShape;
    tensorRows[slot] = shape?.height ?? 0;
    tensorRowElements[slot] = shape === undefined ? 0 : shape.width * shape.channels;
  }
  const readers = new Int32Array(slots);
  for (const l of flow.layers) for (const d of l.dataInputs) readers[d.producer + 1] = (readers[d.producer + 1] ?? 0) + 1;
  const windowStart = new Int32Array(slots);
  let entries = 0;
  const read: number[] = [];
  for (let slot = 0; slot < slots; slot++) {
    windowStart[slot] = entries;
    entries += readers[slot] ?? 0;
    if ((readers[slot] ?? 0) > 0) read.push(slot);
  }
  const fusedLayers = Int32Array.from(flow.layers.filter((l) => l.role === 'fused'), (l) => l.index);
  const fusedHosts = Int32Array.from(flow.layers.filter((l) => l.role === 'fused'), (l) => l.storedAs);
  const fusedOps = outputPathOps(flow, net.layers.length);
  const anchoredOps = new Float64Array(net.layers.length);
  for (let i = 0; i < net.layers.length; i++) {
    let ops = 0;
    for (const d of flow.anchoredDigital[i + 1] ?? []) ops += flow.layers[d]?.digitalOps ?? 0;
    anchoredOps[i] = ops;
  }
  return {
    net,
    flow,
    tensorRows,
    tensorRowElements,
    readSlots: Int32Array.from(read),
    rowBits: new Float64Array(slots),
    windowStart,
    windowCount: new Int32Array(slots),
    windowFirstTile: new Int32Array(entries),
    windowLastTile: new Int32Array(entries),
    windowRows: new Float64Array(entries),
    usedBits: new Float64Array(64),
    extraBits: new Float64Array(16),
    extraTouched: new Uint8Array(16),
    digitalHost: new Int32Array(net.layers.length),
    rowCycles: new Float64Array(net.layers.length),
    digitalLayers: Int32Array.from(flow.layers.filter((l) => l.role === 'digital'), (l) => l.index),
    skewLayers: Int32Array.from(flow.layers.filter((l) => l.hasSkew), (l) => l.index),
    flowWindowRows: flow.layers.map((l) => l.windowRows),
    fusedLayers,
    fusedHosts,
    fusedOps,
    anchoredOps,
    mvmPortElements: Float64Array.from(net.layers, (l) => mvmPortElements(l)),
    inputPortElements: Float64Array.from(net.layers, (l) => inputPortElements(l)),
    portLoad: new Float64Array(64),
    digitalLoad: new Float64Array(64),
    wholeImageLayers: Int32Array.from(
      flow.layers.filter((l) => l.dataInputs.some((d, k) => isWholeImage(tensorRows[d.producer + 1] ?? 0, l.windowRows[k] ?? 1))),
      (l) => l.index,
    ),
    forkHolds: newForkHoldScratch(net, flow),
    inputTile: new InputTileLayers(flow, net.layers.length),
  };
}

/**
 * The line buffers each tile holds: per tile, per stored producer, the widest window of its readers there.
 * Layers read on a contiguous range of tiles (a weighted layer's cores; a digital layer's one tile), so every
 * query takes the range [first, last].
 */
export class TileBuffers {
  /** Tiles below this have a valid usedBits entry; above it nothing is reserved yet. */
  private usedHigh = 0;
  /** eDRAM of each tile that lends or borrows (rule 1: a buffer larger than one tile spills into the next ones). */
  private capacityOverride: Map<number, number> | undefined;
  /** Tiles of the last measured range whose extra bits are in s.extraBits. */
  private measuredTiles = 0;
  /**
   * What the extra bits in s.extraBits were measured for (NOTE: written for speed: `commit` right after a `fits`
   * of the same layer and range reuses them; a commit, or new windows for the layer, invalidate them).
   */
  private measuredLayer = -1;
  private measuredFirst = 0;
  private measuredWindows: readonly number[] | undefined;

  constructor(
    private readonly capacityBits: number,
    private readonly s: PlacementScratch,
    abits: readonly number[],
    private readonly windowRows: ReadonlyArray<readonly number[]>,
  ) {
    s.windowCount.fill(0);
    for (let k = 0; k < s.readSlots.length; k++) {
      const slot = s.readSlots[k] as number;
      s.rowBits[slot] = (s.tensorRowElements[slot] as number) * storedTensorBits(s.flow, slot - 1, abits);
    }
  }

  used(tile: number): number {
    return tile < this.usedHigh ? (this.s.usedBits[tile] as number) : 0;
  }

  private setUsed(tile: number, bits: number): void {
    if (tile >= this.usedHigh) {
      if (tile >= this.s.usedBits.length) {
        const grown = new Float64Array(Math.max(2 * this.s.usedBits.length, tile + 1));
        grown.set(this.s.usedBits.subarray(0, this.usedHigh));
        this.s.usedBits = grown;
      }
      for (let t = this.usedHigh; t < tile; t++) this.s.usedBits[t] = 0;
      this.usedHigh = tile + 1;
    }
    this.s.usedBits[tile] = bits;
  }

  capacity(tile: number): number {
    return this.capacityOverride?.get(tile) ?? this.capacityBits;
  }

  /** Tile `tile` takes the eDRAM of the `lent` tiles after it; those hold no buffers of their own. */
  borrow(tile: number, lent: number): void {
    this.capacityOverride ??= new Map();
    this.capacityOverride.set(tile, this.capacityBits * (1 + lent));
    for (let t = tile + 1; t <= tile + lent; t++) this.capacityOverride.set(t, 0);
  }

  /** Per tile up to `tiles`, how many tiles' eDRAM it holds buffers in. */
  shares(tiles: number): number[] {
    const out = new Array<number>(tiles).fill(1);
    for (const [t, bits] of this.capacityOverride ?? []) if (t < tiles) out[t] = bits / this.capacityBits;
    return out;
  }

  /** A tile that holds nothing and keeps its own eDRAM. */
  isFresh(tile: number): boolean {
    return this.used(tile) === 0 && this.capacity(tile) === this.capacityBits;
  }

  /** Widest window granted on `tile` for the tensor in `slot` (0 when none). */
  private windowAt(slot: number, tile: number): number {
    const s = this.s;
    const start = s.windowStart[slot] as number;
    const end = start + (s.windowCount[slot] as number);
    let widest = 0;
    for (let e = start; e < end; e++) {
      if (tile < (s.windowFirstTile[e] as number) || tile > (s.windowLastTile[e] as number)) continue;
      const rows = s.windowRows[e] as number;
      if (rows > widest) widest = rows;
    }
    return widest;
  }

  /** Extra bits per tile of [first, last] that layer `layer` reading there would add (into s.extraBits). */
  private measure(layer: number, first: number, last: number): void {
    const s = this.s;
    const count = last - first + 1;
    const windows = this.windowRows[layer];
    if (layer === this.measuredLayer && first === this.measuredFirst && count === this.measuredTiles && windows === this.measuredWindows) return;
    if (count > s.extraBits.length) {
      s.extraBits = new Float64Array(2 * count);
      s.extraTouched = new Uint8Array(2 * count);
    }
    // NOTE: plain loops: TypedArray fill with a range costs more than the one to three tiles it clears.
    for (let j = 0; j < count; j++) {
      s.extraBits[j] = 0;
      s.extraTouched[j] = 0;
    }
    this.measuredTiles = count;
    this.measuredLayer = layer;
    this.measuredFirst = first;
    this.measuredWindows = windows;
    const lf = s.flow.layers[layer];
    if (lf === undefined) return;
    for (let k = 0; k < lf.dataInputs.length; k++) {
      const slot = (lf.dataInputs[k]?.producer ?? -1) + 1;
      const window = windows?.[k] ?? 1;
      const rows = s.tensorRows[slot] as number;
      const rowBits = s.rowBits[slot] as number;
      const full = channelBits(rows, window, rowBits);
      // A layer reading one tensor twice (M-LSD's concat of a skip with itself) holds it once, in its wider window.
      let own = 0;
      for (let q = 0; q < k; q++) if ((lf.dataInputs[q]?.producer ?? -1) + 1 === slot) own = Math.max(own, windows?.[q] ?? 1);
      for (let j = 0; j < count; j++) {
        const before = Math.max(this.windowAt(slot, first + j), own);
        if (window <= before) continue;
        const added = full - (before > 0 ? channelBits(rows, before, rowBits) : 0);
        s.extraBits[j] = (s.extraBits[j] as number) + added;
        s.extraTouched[j] = 1;
      }
    }
  }

  /** Largest buffer any tile would hold after layer `layer` reads on tiles [first, last], in bits. */
  worstAfter(layer: number, first: number, last: number): number {
    this.measure(layer, first, last);
    let worst = 0;
    for (let j = 0; j < this.measuredTiles; j++) {
      if (this.s.extraTouched[j] === 1) worst = Math.max(worst, this.used(first + j) + (this.s.extraBits[j] as number));
    }
    return worst;
  }

  fits(layer: number, first: number, last: number): boolean {
    this.measure(layer, first, last);
    for (let j = 0; j < this.measuredTiles; j++) {
      if (this.s.extraTouched[j] === 1 && this.used(first + j) + (this.s.extraBits[j] as number) > this.capacity(first + j)) return false;
    }
    return true;
  }

  /** Reserves the buffers of layer `layer` reading on tiles [first, last] (call after `fits`). */
  commit(layer: number, first: number, last: number): void {
    this.measure(layer, first, last);
    const s = this.s;
    for (let j = 0; j < this.measuredTiles; j++) {
      if (s.extraTouched[j] === 1) this.setUsed(first + j, this.used(first + j) + (s.extraBits[j] as number));
    }
    this.measuredLayer = -1;
    const lf = s.flow.layers[layer];
    if (lf === undefined) return;
    for (let k = 0; k < lf.dataInputs.length; k++) {
      const slot = (lf.dataInputs[k]?.producer ?? -1) + 1;
      const e = (s.windowStart[slot] as number) + (s.windowCount[slot] as number);
      s.windowCount[slot] = (s.windowCount[slot] as number) + 1;
      s.windowFirstTile[e] = first;
      s.windowLastTile[e] = last;
      s.windowRows[e] = this.windowRows[layer]?.[k] ?? 1;
    }
  }
}
