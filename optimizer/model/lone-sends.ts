/**
 * The outbound NoC term of a layer's row pace in the lone image (docs/hardware-model.md rule 7, "Sends apart in the
 * lone image"). Rule 7's term is its tiles' injection-link load per image, every stored tensor sent from them; in one
 * image alone, a tensor whose rows are all made before the layer's first row can start (its reader waits for its last
 * row: an attention block's keys before Q.K^T), or only after the layer's last row, does not share the link with the
 * layer's rows. xformer DeiT-S replicated-mixed: blocks.0.attn.k on tile 2 was paced at 972 cycles a row by the MLP's
 * sends from that tile (fc1's hidden rows, 127,008 of its 190,512 cycles), which start only after softmax . V has read
 * every row of V; the simulator runs it at its crossbars' 800.
 */
import type { Placement } from '../../arch/placement';
import type { LayerStage, LayerStatic, LoneApart, ModelContext, TileTimes, TrafficScratch } from './types';

const has = (bits: Uint32Array, at: number, j: number): boolean => (((bits[at + (j >>> 5)] as number) >>> (j & 31)) & 1) === 1;
const set = (bits: Uint32Array, at: number, j: number): void => {
  bits[at + (j >>> 5)] = (bits[at + (j >>> 5)] as number) | (1 << (j & 31));
};

/**
 * The layers are in network order (inputs first). A layer's row 0 waits for every row of an input whose last row it
 * needs, and so for every row of that input's ancestors; through an input whose rows it takes as they come, for what
 * that input waits for.
 */
export function loneApartTable(layers: readonly LayerStatic[]): LoneApart {
  const n = layers.length;
  const words = (n + 31) >>> 5;
  const ancestors = new Uint32Array(n * words);
  const before = new Uint32Array(n * words);
  for (const l of layers) {
    const at = l.index * words;
    for (let k = 0; k < l.inputs.length; k++) {
      const p = l.inputs[k] as number;
      const producer = p >= 0 ? layers[p] : undefined;
      if (producer === undefined) continue;
      const from = p * words;
      const whole = ((l.needRows[k] as Int32Array)[0] ?? 0) >= producer.outRows - 1;
      for (let w = 0; w < words; w++) {
        ancestors[at + w] = (ancestors[at + w] as number) | (ancestors[from + w] as number);
        before[at + w] = (before[at + w] as number) | ((whole ? ancestors[from + w] : before[from + w]) as number);
      }
      set(ancestors, at, p);
      if (whole) set(before, at, p);
    }
  }
  const bits = new Uint32Array(n * words);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) if (has(before, a * words, b)) (set(bits, a * words, b), set(bits, b * words, a));
  }
  return { words, bits };
}

/**
 * Each layer's lone-image outbound NoC term into `out` (cycles per image, by layer index): the largest over its tiles
 * of the tile's injection load (times.inject) less the sends of the stored tensors made apart from it. Equal to the
 * stage's nocOutCycles when nothing on its tiles is apart.
 */
export function loneNocOutCycles(
  ctx: ModelContext,
  placement: Placement,
  s: TrafficScratch,
  times: TileTimes,
  stages: readonly LayerStage[],
  out: Float64Array,
): void {
  const apart = ctx.loneApart;
  const sc = ctx.loneSends;
  const tiles = placement.tilesUsed;
  const linkRate = ctx.arch.noc.linkFlitsPerCycle;
  if (sc.start.length < tiles + 1) sc.start = new Int32Array(2 * tiles + 1);
  const start = sc.start;
  start.fill(0, 0, tiles + 1);
  // Each tile's sends (stored producer, cycles per image), one a routed copy; in two passes (count, then place).
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < ctx.readSlots.length; r++) {
      const producer = (ctx.readSlots[r] as number) - 1;
      if (producer < 0) continue;
      const rows = (ctx.layers[producer] as LayerStatic).outRows;
      for (let d = s.slotDeliveryStart[r] as number; d < (s.slotDeliveryStart[r + 1] as number); d++) {
        const f = s.deliveryFlow[d] as number;
        if (f < 0) continue;
        const from = s.flowFrom[f] as number;
        if (pass === 0) {
          start[from + 1] = (start[from + 1] as number) + 1;
          continue;
        }
        const at = (sc.fill[from] as number);
        sc.fill[from] = at + 1;
        sc.producer[at] = producer;
        sc.cycles[at] = (rows * (s.flowRowFlits[f] as number)) / linkRate;
      }
    }
    if (pass > 0) break;
    for (let t = 0; t < tiles; t++) start[t + 1] = (start[t + 1] as number) + (start[t] as number);
    const total = start[tiles] as number;
    if (sc.producer.length < total) (sc.producer = new Int32Array(2 * total)), (sc.cycles = new Float64Array(2 * total));
    if (sc.fill.length < tiles) sc.fill = new Int32Array(2 * tiles);
    sc.fill.set(start.subarray(0, tiles));
  }
  const words = apart.words;
  for (const l of ctx.layers) {
    const stage = stages[l.index];
    out[l.index] = stage === undefined ? 0 : stage.nocOutCycles;
    if (l.role === 'free' || stage === undefined) continue;
    const at = l.index * words;
    let best = 0;
    let changed = false;
    for (const t of placement.layerTiles[l.index] ?? []) {
      let load = times.inject[t] as number;
      for (let j = start[t] as number; j < (start[t + 1] as number); j++) {
        if (has(apart.bits, at, sc.producer[j] as number)) (load -= sc.cycles[j] as number), (changed = true);
      }
      if (load > best) best = load;
    }
    if (changed) out[l.index] = best;
  }
}
