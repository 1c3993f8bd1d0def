import type { Dataflow, LayerFlow } from '../../arch/dataflow';

/**
 * The credit-loop term's per-network tables (built once per model context) and the buffers its evaluations reuse
 * (credit-loop.ts computes the term).
 */

/** One residual fork of a reader's input (SkewPath), with the lookups the term needs precomputed. */
export interface CreditPath {
  skewRows: number;
  /** Stored layers on the other input's path (lead) and on this input's own path. */
  lead: Int32Array;
  own: Int32Array;
  /** Per lead stage s, readerTransit indices of s's producers: leadInto[leadIntoStart[s] .. leadIntoStart[s + 1]]. */
  leadInto: Int32Array;
  leadIntoStart: Int32Array;
  /** The same for own stages (their producers on the own path or off the lead path). */
  ownInto: Int32Array;
  ownIntoStart: Int32Array;
  /** Lead stages that read P directly: where they share P's tile, they share its channel's slots. */
  sharedLead: Int32Array;
  /** Those reading P furthest ahead (SkewPath.heads, by the rows they pull, not network order). */
  heads: Int32Array;
  /** Rows of P a copy to another tile may run ahead of a tile's grants (copyAheadRows). */
  copyAheadRows: number;
  /** readSlots positions of the reader's inputs produced on the lead path (the hop back into the reader). */
  lastSlots: Int32Array;
}

/** One data input of a stored layer. */
export interface CreditInput {
  layer: number;
  /** Position among the layer's data inputs (its window is placement.windowRows[layer][k]). */
  k: number;
  producer: number;
  /** readSlots position of the producer's tensor. */
  slot: number;
  /** Rows of P per image and bits per element slot (P + 1). */
  rows: number;
  rowElements: number;
  /** Rows of P one reader row holds beyond the newest (max over rows of need - low). */
  heldRows: number;
  /**
   * The reader's first row needs P's last row (an fc layer, an encoder's Q.K^T and A.V reading K and V): it frees
   * every row of an image at once, after its last row.
   */
  wholeInput: boolean;
  paths: CreditPath[];
  /** The reader's inputs, this one among them, are inputs[readerInputsStart .. readerInputsEnd - 1]. */
  readerInputsStart: number;
  readerInputsEnd: number;
}

/** Network-only tables (prepareCreditLoop) and the buffers each evaluation reuses. */
export interface CreditLoopTables {
  inputs: CreditInput[];
  /** Per readSlots position: rows per image and elements per row of the tensor. */
  slotRows: Float64Array;
  slotRowElements: Float64Array;
  /** Per readSlots position r, its readers' entries are readerStart[r] .. readerStart[r + 1] (flow.readers order). */
  readerStart: Int32Array;
  readerLayer: Int32Array;
  /** Index of the tensor among that reader's data inputs (its window). */
  readerInput: Int32Array;
  /** Per reader entry: the largest transit of the tensor into any of the reader's tiles, this evaluation. */
  readerTransit: Float64Array;
  /** Per (tensor, dest tile), as TrafficScratch.slotDests: the transit into that tile and its guaranteed slots. */
  destTransit: Float64Array;
  destSlots: Float64Array;
  /** Per tile: its eDRAM (capacity x share) less the guaranteed slots of every tensor it reads, in bits. */
  freeBits: Float64Array;
  /** Per tile: channels holding (nearly) a whole image of their tensor, which all run ahead into its spare eDRAM. */
  wholeChannels: Float64Array;
  /** Per tile: bits of one image of the network input received there (0 when none lands there). */
  inputImageBits: Float64Array;
  /**
   * Per link (linkId: injection links, ejection links, then mesh links), grown to the plan's tiles: one tensor's
   * burst per row, sum over tensors of rows x burst^2.
   */
  burst: Float64Array;
  burstSq: Float64Array;
  /** Per link: 1 / (2 x max(interval, busy time) x rate^2), the scale of its mean wait. */
  waitScale: Float64Array;
  /** Per link: the stamp of its last write (t.stamp counts tensors visited; negative once squared). */
  burstStamp: Int32Array;
  stamp: number;
  /** Per flow (this evaluation), the links it crosses, flowIds[flowIdStart[f] .. flowIdStart[f + 1]], and its tensor's burst on each. */
  flowIds: Int32Array;
  flowIdBurst: Float64Array;
  flowIdStart: Int32Array;
  /** Per layer index: the credit-loop bound of this evaluation (0: none). */
  bounds: Float64Array;
  /** Per reader tile of one input, its fork loops' spare rows (arch/fork-spare.ts forkSpareRows). */
  forkSpare: Float64Array;
}

/** Precomputes the term's tables for a network (once per context). */
export function prepareCreditLoop(flow: Dataflow, readSlots: Int32Array, rowsOf: (producer: number) => number, rowElementsOf: (producer: number) => number): CreditLoopTables {
  const slotOf = new Int32Array(flow.readers.length).fill(-1);
  readSlots.forEach((slot, r) => (slotOf[slot] = r));
  const readerStart = new Int32Array(readSlots.length + 1);
  const readerLayer: number[] = [];
  const readerInput: number[] = [];
  readSlots.forEach((slot, r) => {
    readerStart[r] = readerLayer.length;
    for (const c of flow.readers[slot] ?? []) {
      readerLayer.push(c);
      readerInput.push(Math.max(0, flow.layers[c]?.dataInputs.findIndex((d) => d.producer === slot - 1) ?? 0));
    }
  });
  readerStart[readSlots.length] = readerLayer.length;
  /** readerTransit index of producer q's tensor into stage st. */
  const readerEntry = (q: number, st: number): number => {
    const r = slotOf[q + 1] ?? -1;
    const j = r < 0 ? -1 : (flow.readers[q + 1] ?? []).indexOf(st);
    return j < 0 ? -1 : (readerStart[r] as number) + j;
  };
  const into = (stages: readonly number[], keep: (q: number) => boolean): [Int32Array, Int32Array] => {
    const start: number[] = [];
    const entries: number[] = [];
    for (const st of stages) {
      start.push(entries.length);
      for (const d of flow.layers[st]?.dataInputs ?? []) {
        const e = readerEntry(d.producer, st);
        if (keep(d.producer) && e >= 0) entries.push(e);
      }
    }
    start.push(entries.length);
    return [Int32Array.from(entries), Int32Array.from(start)];
  };
  const inputs: CreditInput[] = [];
  for (const lf of flow.layers) {
    if (lf.role !== 'weighted' && lf.role !== 'digital') continue;
    const readerInputsStart = inputs.length;
    const readerInputsEnd = readerInputsStart + lf.dataInputs.length;
    lf.dataInputs.forEach((di, k) => {
      const P = di.producer;
      let heldRows = 0;
      for (let i = 0; i < di.need.length; i++) heldRows = Math.max(heldRows, (di.need[i] ?? 0) - (di.low[i] ?? 0));
      const paths = (lf.skewPaths[k] ?? []).map((p) => creditPath(lf, P, p.lead, p.own, p.skewRows, p.heads, flow, slotOf, into));
      // Whole-input: the reader's first row needs P's last, and holds the rows before it. Not a global pool, which folds
      // each row in and frees it (its one row's low is the last row too): charging it the whole-input loop bound
      // PP-OCRv4 det's SE pools at 10.1M cycles where the simulator ran at the 7.7M compute interval.
      const wholeInput = rowsOf(P) > 1 && (di.need[0] ?? 0) >= rowsOf(P) - 1 && (di.low[0] ?? 0) < rowsOf(P) - 1;
      inputs.push({ layer: lf.index, k, producer: P, slot: slotOf[P + 1] ?? -1, rows: rowsOf(P), rowElements: rowElementsOf(P), heldRows, wholeInput, paths, readerInputsStart, readerInputsEnd });
    });
  }
  return {
    inputs,
    slotRows: Float64Array.from(readSlots, (slot) => rowsOf(slot - 1)),
    slotRowElements: Float64Array.from(readSlots, (slot) => rowElementsOf(slot - 1)),
    readerStart,
    readerLayer: Int32Array.from(readerLayer),
    readerInput: Int32Array.from(readerInput),
    readerTransit: new Float64Array(readerLayer.length),
    destTransit: new Float64Array(0),
    destSlots: new Float64Array(0),
    freeBits: new Float64Array(0),
    wholeChannels: new Float64Array(0),
    inputImageBits: new Float64Array(0),
    burst: new Float64Array(0),
    burstSq: new Float64Array(0),
    waitScale: new Float64Array(0),
    burstStamp: new Int32Array(0),
    stamp: 0,
    flowIds: new Int32Array(0),
    flowIdBurst: new Float64Array(0),
    flowIdStart: new Int32Array(0),
    bounds: new Float64Array(flow.layers.length),
    forkSpare: new Float64Array(0),
  };
}

/**
 * Rows of P a copy to one reader tile may run ahead of another tile's grants (rule 7's shared-slot loop): each copy
 * leaves once its own tile grants it (rule 6), and P's unit makes its next row once its last row's sends are all
 * granted (sim/engine.ts: a unit with grants pending starts no row), so one row, digital or weighted P alike.
 * DenseNet-121 on PUMA (s93): Conv_8's row 9 started its MVMs at 82,142,681, the cycle tile 1 granted its row 8.
 * (s90 had gated a weighted P off, at 0: with the tile's spare counted in full by every input's loop, one row more
 * made more weighted-P toys optimistic; the spare the inputs ahead take, arch/fork-spare.ts forkSpareRows, was
 * the missing half.) The network input reserves its row at every reader tile before it crosses: none.
 */
export function copyAheadRows(P: number): number {
  return P >= 0 ? 1 : 0;
}

function creditPath(
  lf: LayerFlow,
  P: number,
  leadStages: readonly number[],
  ownStages: readonly number[],
  skewRows: number,
  heads: readonly number[],
  flow: Dataflow,
  slotOf: Int32Array,
  into: (stages: readonly number[], keep: (q: number) => boolean) => [Int32Array, Int32Array],
): CreditPath {
  const lead = new Set(leadStages);
  const own = new Set(ownStages);
  const [leadInto, leadIntoStart] = into(leadStages, () => true);
  const [ownInto, ownIntoStart] = into(ownStages, (q) => own.has(q) || !lead.has(q));
  const sharedLead = leadStages.filter((st) => !lead.has(P) && (flow.layers[st]?.dataInputs ?? []).some((d) => d.producer === P));
  const lastSlots = lf.dataInputs.filter((d) => lead.has(d.producer)).map((d) => slotOf[d.producer + 1] ?? -1).filter((r) => r >= 0);
  return {
    skewRows,
    lead: Int32Array.from(leadStages),
    own: Int32Array.from(ownStages),
    leadInto,
    leadIntoStart,
    ownInto,
    ownIntoStart,
    sharedLead: Int32Array.from(sharedLead),
    heads: Int32Array.from(sharedLead.length > 0 ? heads : []),
    copyAheadRows: copyAheadRows(P),
    lastSlots: Int32Array.from(lastSlots),
  };
}

/**
 * Link ids of a plan on `tilesUsed` tiles: tile t's injection link is t, its ejection link tilesUsed + t, mesh link m
 * (router x 4 + direction) 2 tilesUsed + m. Routes between used tiles stay within the mesh rows of used routers, so
 * the buffers grow with the plan, not the chip (a chip sized at a million tiles for a probe would need 10^6 links).
 */
export function ensureLinkBuffers(t: CreditLoopTables, tilesUsed: number, meshLinksUsed: number): void {
  if (t.freeBits.length < tilesUsed) t.freeBits = new Float64Array(tilesUsed);
  if (t.wholeChannels.length < tilesUsed) t.wholeChannels = new Float64Array(tilesUsed);
  if (t.inputImageBits.length < tilesUsed) t.inputImageBits = new Float64Array(tilesUsed);
  const links = 2 * tilesUsed + meshLinksUsed;
  if (t.burst.length >= links) return;
  // NOTE: grown, never shrunk: reused by every evaluation of the context. Fresh stamps (0) read as untouched.
  t.burst = new Float64Array(links);
  t.burstSq = new Float64Array(links);
  t.waitScale = new Float64Array(links);
  t.burstStamp = new Int32Array(links);
  t.stamp = 0;
}
