import type { ResolvedNetwork } from '../workloads/types';
import type { DataInput, Dataflow, LayerFlow } from './dataflow';

/**
 * How long a forked input's rows wait for the reader's other inputs (docs/hardware-model.md rule 1), from the row
 * recurrence of the whole network at the plan's pace: the network input's row r arrives at (r + 1) x I / rows(input)
 * (I: the image interval), and a stored layer's row i ends its row time after the later of the rows it needs and its
 * own row i - 1. For input k of a reader, the wait of the row P_k's needed row is G_i = max over the other inputs j of
 * F_j(need_j(i)) - F_k(need_k(i)). Every time is a maximum of terms affine in I, so the recurrence carries the slope
 * of the term that wins, and the worst row's wait near the estimated interval I0 is G(I) = skewRows x I / rows(P_k) +
 * leadCycles. On a plain fork that is rule 1's s x p + (lead - own); where the other path's rows wait for whole
 * images of inner forks (a U-Net nested in a U-Net), the wait after the fork's last row is the lead path's latency, not
 * one row time per stage (IS-Net's outer concat: 67M cycles where the stages' row times sum to 5M); where both paths
 * wait for the same rows (behind an SE block's global pool on each), the skew the row needs suggest does not happen.
 */
export interface ForkHoldScratch {
  /** Per layer index: offset of its rows in `time`/`slope` (-1 for a layer without rows of its own). */
  rowOffset: Int32Array;
  time: Float64Array;
  slope: Float64Array;
  /** Per layer index: offset of its inputs in skewRows/leadCycles (-1 for a layer without forked inputs). */
  inputOffset: Int32Array;
  /** Per (skewed reader, input): the wait's rows of P_k per interval share, and its cycles beyond them. */
  skewRows: Float64Array;
  leadCycles: Float64Array;
  /**
   * The same for the row whose wait grows fastest with the interval (the worst row at a slower pace: an SE block's
   * multiply waits a whole image for its scale at row 0, though near I0 a later row waits longer).
   */
  steepSkewRows: Float64Array;
  steepLeadCycles: Float64Array;
  /**
   * Per (skewed reader, input): rows of P_k the stages of its own path after the fork can still take when P_k sends
   * late (each holds one finished row of its output and one lookahead row of its input, rule 1's channel slot), in
   * rows of P_k; the fewest over the forks. Zero for an identity skip (P_k is the fork).
   */
  ownSlackRows: Float64Array;
  /**
   * Per (skewed reader, input without a fork path): the most rows of it the reader holds at once in the recurrence
   * (arrived, still needed). A lagging input whose producer outpaces the reader (IS-Net's upsampled decoder rows
   * come 4x faster than the outer concat's conv takes them) piles its rows into the tile's spare eDRAM beyond its
   * slots while the reader drains them: fork-spare.ts forkSpareRows.
   */
  aheadRows: Float64Array;
  /**
   * Per (skewed reader, input): the worst row's wait at the filled interval (cycles; 0 when it never waits) and the
   * rows of P_k its hold spans then, skewRows + (lead + reader row + P_k's row) x rows(P_k) / interval (rule 7's fork
   * loop at that pace, its transits left out).
   */
  waitCycles: Float64Array;
  holdRows: Float64Array;
  /** Per (skewed reader, input): its producer (-1: the network input). */
  inputProducer: Int32Array;
  /** The forked readers and their stored ancestors (the recurrence needs no more), producers first. */
  order: Int32Array;
  /** Row times and interval of the last fill (placement paces each packing it tries with the same ones). */
  lastRowCycles: Float64Array;
  lastIntervalCycles: number;
}

function rowsOf(net: ResolvedNetwork, producer: number): number {
  return (producer < 0 ? net.network.input : net.layers[producer]?.outShape)?.height ?? 1;
}

export function newForkHoldScratch(net: ResolvedNetwork, flow: Dataflow): ForkHoldScratch {
  const n = net.layers.length;
  const rowOffset = new Int32Array(n).fill(-1);
  const inputOffset = new Int32Array(n).fill(-1);
  // The forked readers and their stored ancestors, producers first. Network order is not enough: a residual add fused
  // into the conv before it reads a projection shortcut listed after that conv (torchvision's downsample).
  const order: number[] = [];
  const seen = new Uint8Array(n);
  const visit = (index: number): void => {
    if (index < 0 || seen[index] === 1) return;
    seen[index] = 1;
    const l = flow.layers[index];
    if (l === undefined) return;
    for (const d of l.dataInputs) visit(d.producer);
    if (l.role === 'weighted' || l.role === 'digital') order.push(index);
  };
  for (const l of flow.layers) if (l.hasSkew) visit(l.index);
  let rows = 0;
  let inputs = 0;
  for (const index of order) {
    const l = flow.layers[index] as LayerFlow;
    rowOffset[index] = rows;
    rows += rowsOf(net, index);
    if (l.hasSkew) {
      inputOffset[index] = inputs;
      inputs += l.dataInputs.length;
    }
  }
  const ownSlackRows = new Float64Array(inputs);
  const inputProducer = new Int32Array(inputs);
  for (const l of flow.layers) {
    const at = inputOffset[l.index] as number;
    if (at < 0) continue;
    l.dataInputs.forEach((d, k) => {
      inputProducer[at + k] = d.producer;
      const paths = l.skewPaths[k] ?? [];
      if (paths.length === 0) return;
      const rowsP = rowsOf(net, d.producer);
      let slack = Infinity;
      for (const p of paths) {
        let rows = 0;
        for (const q of p.own) rows += rowsP / rowsOf(net, q) + rowsP / rowsOf(net, flow.layers[q]?.dataInputs[0]?.producer ?? -1);
        slack = Math.min(slack, rows);
      }
      ownSlackRows[at + k] = slack === Infinity ? 0 : slack;
    });
  }
  return {
    rowOffset, time: new Float64Array(rows), slope: new Float64Array(rows), inputOffset,
    skewRows: new Float64Array(inputs), leadCycles: new Float64Array(inputs), steepSkewRows: new Float64Array(inputs), steepLeadCycles: new Float64Array(inputs), ownSlackRows, aheadRows: new Float64Array(inputs), waitCycles: new Float64Array(inputs), holdRows: new Float64Array(inputs), inputProducer, order: Int32Array.from(order),
    lastRowCycles: new Float64Array(0), lastIntervalCycles: -1,
  };
}

/** `from`'s values in `into` when it has the same length, else in a copy. */
function copyInto<T extends Float64Array | Int32Array>(from: T, into: T | undefined): T {
  if (into === undefined || into.length !== from.length) return from.slice() as T;
  into.set(from);
  return into;
}

/**
 * A copy of the holds `s` (into `into`'s arrays where their lengths match, else new ones): one placement's holds kept
 * past the scratch's next fill.
 */
export function copyForkHolds(s: ForkHoldScratch, into?: ForkHoldScratch): ForkHoldScratch {
  return {
    rowOffset: copyInto(s.rowOffset, into?.rowOffset),
    time: copyInto(s.time, into?.time),
    slope: copyInto(s.slope, into?.slope),
    inputOffset: copyInto(s.inputOffset, into?.inputOffset),
    skewRows: copyInto(s.skewRows, into?.skewRows),
    leadCycles: copyInto(s.leadCycles, into?.leadCycles),
    steepSkewRows: copyInto(s.steepSkewRows, into?.steepSkewRows),
    steepLeadCycles: copyInto(s.steepLeadCycles, into?.steepLeadCycles),
    ownSlackRows: copyInto(s.ownSlackRows, into?.ownSlackRows),
    aheadRows: copyInto(s.aheadRows, into?.aheadRows),
    waitCycles: copyInto(s.waitCycles, into?.waitCycles),
    holdRows: copyInto(s.holdRows, into?.holdRows),
    inputProducer: copyInto(s.inputProducer, into?.inputProducer),
    order: copyInto(s.order, into?.order),
    lastRowCycles: copyInto(s.lastRowCycles, into?.lastRowCycles),
    lastIntervalCycles: s.lastIntervalCycles,
  };
}

/**
 * Fills s.skewRows and s.leadCycles for every forked input (see ForkHoldScratch) from the plan's row times
 * (`rowCycles`, by layer index) at the estimated interval `intervalCycles`. NOTE: runs inside every model
 * evaluation (placement paces each packing it tries with the same row times, so a repeat returns at once); one pass
 * over the rows of the forked readers and their ancestors, written with plain indexed reads.
 */
export function fillForkHolds(s: ForkHoldScratch, net: ResolvedNetwork, flow: Dataflow, rowCycles: Float64Array, intervalCycles: number): void {
  if (sameInputs(s, rowCycles, intervalCycles)) return;
  const inputRows = rowsOf(net, -1);
  const inputPeriod = intervalCycles / inputRows;
  const time = s.time;
  const slope = s.slope;
  const offsets = s.rowOffset;
  for (let o = 0; o < s.order.length; o++) {
    const index = s.order[o] as number;
    const l = flow.layers[index] as LayerFlow;
    const inputs = l.dataInputs;
    const base = offsets[index] as number;
    const rows = rowsOf(net, index);
    const rc = rowCycles[index] ?? 0;
    let prevT = 0;
    let prevS = 0;
    const only = inputs.length === 1 ? (inputs[0] as DataInput) : undefined;
    if (only !== undefined && only.producer >= 0) {
      // NOTE: written for speed (every row of every layer, each new pace): one stored input (most layers), the
      // loop below with its producer's rows' offset looked up once.
      const need = only.need;
      const from = offsets[only.producer] as number;
      for (let i = 0; i < rows; i++) {
        const row = from + (need[i] as number);
        const at = time[row] as number;
        const sl = slope[row] as number;
        if (at > prevT || (at === prevT && sl > prevS)) (prevT = at), (prevS = sl);
        prevT += rc;
        time[base + i] = prevT;
        slope[base + i] = prevS;
      }
      continue;
    }
    const a = inputs.length === 2 ? (inputs[0] as DataInput) : undefined;
    const b = inputs.length === 2 ? (inputs[1] as DataInput) : undefined;
    if (a !== undefined && b !== undefined && a.producer >= 0 && b.producer >= 0) {
      // NOTE: written for speed: two stored inputs (a residual add), the loop below with both inputs' offsets looked
      // up once (the same comparisons in the same order).
      const needA = a.need;
      const needB = b.need;
      const fromA = offsets[a.producer] as number;
      const fromB = offsets[b.producer] as number;
      for (let i = 0; i < rows; i++) {
        let t = prevT;
        let d = prevS;
        const rowA = fromA + (needA[i] as number);
        const atA = time[rowA] as number;
        const slA = slope[rowA] as number;
        if (atA > t || (atA === t && slA > d)) (t = atA), (d = slA);
        const rowB = fromB + (needB[i] as number);
        const atB = time[rowB] as number;
        const slB = slope[rowB] as number;
        if (atB > t || (atB === t && slB > d)) (t = atB), (d = slB);
        prevT = t + rc;
        prevS = d;
        time[base + i] = prevT;
        slope[base + i] = prevS;
      }
      continue;
    }
    for (let i = 0; i < rows; i++) {
      let t = prevT;
      let d = prevS;
      for (let k = 0; k < inputs.length; k++) {
        const input = inputs[k] as DataInput;
        const row = input.need[i] as number;
        const p = input.producer;
        const at = p < 0 ? (row + 1) * inputPeriod : (time[(offsets[p] as number) + row] as number);
        const sl = p < 0 ? (row + 1) / inputRows : (slope[(offsets[p] as number) + row] as number);
        if (at > t || (at === t && sl > d)) (t = at), (d = sl);
      }
      prevT = t + rc;
      prevS = d;
      time[base + i] = prevT;
      slope[base + i] = prevS;
    }
  }
  for (let o = 0; o < s.order.length; o++) {
    const index = s.order[o] as number;
    const l = flow.layers[index] as LayerFlow;
    if (l.hasSkew) fillReaderHolds(s, net, l, intervalCycles, inputPeriod, inputRows, rowCycles[index] ?? 0, rowCycles);
  }
}

/** True (and nothing to do) when the last fill had these row times and interval; else remembers them. */
function sameInputs(s: ForkHoldScratch, rowCycles: Float64Array, intervalCycles: number): boolean {
  const last = s.lastRowCycles;
  let same = s.lastIntervalCycles === intervalCycles && last.length === rowCycles.length;
  for (let i = 0; same && i < rowCycles.length; i++) same = last[i] === rowCycles[i];
  if (same) return true;
  if (last.length !== rowCycles.length) s.lastRowCycles = Float64Array.from(rowCycles);
  else last.set(rowCycles);
  s.lastIntervalCycles = intervalCycles;
  return false;
}

/** The two lines of each forked input's wait at reader `l` (ForkHoldScratch), from the filled row times. */
function fillReaderHolds(s: ForkHoldScratch, net: ResolvedNetwork, l: LayerFlow, intervalCycles: number, inputPeriod: number, inputRows: number, readerRowCycles: number, rowCycles: Float64Array): void {
  const at = s.inputOffset[l.index] as number;
  const inputs = l.dataInputs;
  const time = s.time;
  const slope = s.slope;
  const offsets = s.rowOffset;
  for (let k = 0; k < inputs.length; k++) {
    const dk = inputs[k] as DataInput;
    s.skewRows[at + k] = 0;
    s.leadCycles[at + k] = 0;
    s.steepSkewRows[at + k] = 0;
    s.steepLeadCycles[at + k] = 0;
    s.aheadRows[at + k] = 0;
    s.waitCycles[at + k] = 0;
    s.holdRows[at + k] = 0;
    if ((l.skewPaths[k]?.length ?? 0) === 0) {
      if (dk.producer >= 0) s.aheadRows[at + k] = heldAhead(s, l, dk, readerRowCycles, rowsOf(net, dk.producer));
      continue;
    }
    let worst = -Infinity;
    let worstSlope = 0;
    let steep = -Infinity;
    let steepWait = 0;
    const other = inputs.length === 2 && dk.producer >= 0 ? (inputs[1 - k] as DataInput) : undefined;
    if (other !== undefined && other.producer >= 0) {
      // NOTE: written for speed: a residual add's stored input against its one other stored input (the loop below,
      // offsets looked up once; the same comparisons in the same order).
      const ownFrom = offsets[dk.producer] as number;
      const otherFrom = offsets[other.producer] as number;
      const ownNeed = dk.need;
      const otherNeed = other.need;
      for (let i = 0; i < ownNeed.length; i++) {
        const ownRow = ownFrom + (ownNeed[i] as number);
        const own = time[ownRow] as number;
        const row = otherFrom + (otherNeed[i] as number);
        const wait = (time[row] as number) - own;
        if (!(wait > -Infinity)) continue;
        const slopeOf = (slope[row] as number) - (slope[ownRow] as number);
        if (wait > worst) (worst = wait), (worstSlope = slopeOf);
        if (slopeOf > steep || (slopeOf === steep && wait > steepWait)) (steep = slopeOf), (steepWait = wait);
      }
    } else for (let i = 0; i < dk.need.length; i++) {
      const rowK = dk.need[i] as number;
      const own = dk.producer < 0 ? (rowK + 1) * inputPeriod : (time[(offsets[dk.producer] as number) + rowK] as number);
      const ownSlope = dk.producer < 0 ? (rowK + 1) / inputRows : (slope[(offsets[dk.producer] as number) + rowK] as number);
      let wait = -Infinity;
      let slopeOf = 0;
      for (let j = 0; j < inputs.length; j++) {
        const dj = inputs[j] as DataInput;
        if (j === k || dj.producer < 0) continue;
        const row = (offsets[dj.producer] as number) + (dj.need[i] as number);
        const other = time[row] as number;
        if (other - own > wait) (wait = other - own), (slopeOf = (slope[row] as number) - ownSlope);
      }
      if (wait === -Infinity) continue;
      if (wait > worst) (worst = wait), (worstSlope = slopeOf);
      if (slopeOf > steep || (slopeOf === steep && wait > steepWait)) (steep = slopeOf), (steepWait = wait);
    }
    if (worst === -Infinity) continue;
    const rowsP = rowsOf(net, dk.producer);
    s.skewRows[at + k] = worstSlope * rowsP;
    s.leadCycles[at + k] = worst - worstSlope * intervalCycles;
    s.steepSkewRows[at + k] = steep * rowsP;
    s.steepLeadCycles[at + k] = steepWait - steep * intervalCycles;
    s.waitCycles[at + k] = Math.max(0, worst);
    const tP = dk.producer < 0 ? inputPeriod : (rowCycles[dk.producer] ?? 0);
    s.holdRows[at + k] = intervalCycles > 0 ? worstSlope * rowsP + ((worst - worstSlope * intervalCycles + readerRowCycles + tP) * rowsP) / intervalCycles : 0;
  }
}

/**
 * The most rows of input `d` that reader `l` holds at once in the filled recurrence: rows of its producer ended by
 * the start of reader row i, less the rows below low(i) already freed.
 */
function heldAhead(s: ForkHoldScratch, l: LayerFlow, d: DataInput, readerRowCycles: number, producerRows: number): number {
  const time = s.time;
  const own = s.rowOffset[l.index] as number;
  const base = s.rowOffset[d.producer] as number;
  if (base < 0 || own < 0) return 0;
  let arrived = 0;
  let most = 0;
  for (let i = 0; i < d.need.length; i++) {
    const start = (time[own + i] as number) - readerRowCycles;
    while (arrived < producerRows && (time[base + arrived] as number) <= start) arrived++;
    const held = arrived - (d.low[i] as number);
    if (held > most) most = held;
  }
  return most;
}

/**
 * Per (skewed reader, input), indexed as skewRows: rows of P_k the spare eDRAM of its own path's tiles holds when P_k
 * sends late (rule 1): each stage q's input rows back up into its tiles' space beyond every guaranteed slot
 * (`spareBitsOf(tile)`; the fewest over q's tiles), in rows of P_k; summed along the path, the fewest over the forks;
 * none for an identity skip. M-LSD large's decoder skip (512x512, 1024 KB tiles, simulated): 28 rows of the lateral
 * 1x1 conv's output held at the reader, 93 of its 4x narrower input on the tile before.
 */
export function ownPathSpareRows(s: ForkHoldScratch, net: ResolvedNetwork, flow: Dataflow, tilesOf: (layer: number) => readonly number[], spareBitsOf: (tile: number) => number, rowBitsOf: (producer: number) => number): number[] {
  // A plain array, as pace.ts paceBoundsCycles' (one per placement walk).
  const out = new Array<number>(s.skewRows.length).fill(0);
  for (let o = 0; o < s.order.length; o++) {
    const l = flow.layers[s.order[o] as number] as LayerFlow;
    const at = s.inputOffset[l.index] as number;
    if (at < 0) continue;
    for (let k = 0; k < l.dataInputs.length; k++) {
      const paths = l.skewPaths[k] ?? [];
      if (paths.length === 0) continue;
      const rowsP = rowsOf(net, (l.dataInputs[k] as DataInput).producer);
      let fewest = Infinity;
      for (const p of paths) {
        let rows = 0;
        for (const q of p.own) {
          const input = flow.layers[q]?.dataInputs[0]?.producer ?? -1;
          const rowBits = rowBitsOf(input);
          let bits = Infinity;
          for (const t of tilesOf(q)) bits = Math.min(bits, spareBitsOf(t));
          if (rowBits > 0 && bits > 0 && bits < Infinity) rows += Math.floor(bits / rowBits) * (rowsP / rowsOf(net, input));
        }
        fewest = Math.min(fewest, rows);
      }
      out[at + k] = fewest === Infinity ? 0 : Math.floor(fewest);
    }
  }
  return out;
}
