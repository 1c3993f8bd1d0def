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
import type { LayerStage, LayerStatic, LoneApart, LoneNocTerms, ModelContext, TileTimes, TrafficScratch } from './types';

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

/**
 * Each layer's lone-image mesh-link term into `out` (cycles per image, by layer index): rule 7's busiest link on the
 * paths of the copies into its tiles, less the copies of tensors made apart from it. Worked out only where that term
 * would set the layer's pace (above its other lone terms, `others`); elsewhere the stage's own.
 */
export function loneMeshLinkCycles(
  ctx: ModelContext,
  placement: Placement,
  s: TrafficScratch,
  stages: readonly LayerStage[],
  others: (stage: LayerStage) => number,
  out: Float64Array,
): void {
  const apart = ctx.loneApart;
  const words = apart.words;
  const sc = ctx.loneLinks;
  const links = s.linkFlits.length;
  const linkRate = ctx.arch.noc.linkFlitsPerCycle;
  let built = false;
  for (const l of ctx.layers) {
    const stage = stages[l.index];
    out[l.index] = stage === undefined ? 0 : stage.meshLinkCycles;
    if (l.role === 'free' || stage === undefined || !(stage.meshLinkCycles > others(stage))) continue;
    if (!built) (buildLinkFlows(ctx, s, links), (built = true));
    const tiles = placement.layerTiles[l.index] ?? [];
    if (tiles.length === 0) continue;
    const lo = tiles[0] as number;
    const hi = tiles[tiles.length - 1] as number;
    const at = l.index * words;
    let worst = 0;
    for (const p of l.dataInputs) {
      const r = ctx.injection.slotPosition[p + 1] ?? -1;
      if (r < 0) continue;
      for (let d = s.slotDeliveryStart[r] as number; d < (s.slotDeliveryStart[r + 1] as number); d++) {
        const f = s.deliveryFlow[d] as number;
        if (f < 0) continue;
        const to = s.flowTo[f] as number;
        if (to < lo || to > hi) continue;
        const start = s.flowLinkStart[f] as number;
        for (let h = 0; h < (s.flowHops[f] as number); h++) {
          const link = s.flowLinks[start + h] as number;
          let load = s.linkFlits[link] as number;
          for (let j = sc.start[link] as number; j < (sc.start[link + 1] as number); j++) {
            const producer = sc.producer[j] as number;
            if (producer >= 0 && has(apart.bits, at, producer)) load -= sc.cycles[j] as number;
          }
          if (load > worst) worst = load;
        }
      }
    }
    out[l.index] = worst / linkRate;
  }
}

/** ctx.loneLinks: each mesh link's routed copies (stored producer, flits per image), in two passes. */
function buildLinkFlows(ctx: ModelContext, s: TrafficScratch, links: number): void {
  const sc = ctx.loneLinks;
  if (sc.start.length < links + 1) sc.start = new Int32Array(links + 1);
  sc.start.fill(0, 0, links + 1);
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < ctx.readSlots.length; r++) {
      const producer = (ctx.readSlots[r] as number) - 1;
      const rows = producer < 0 ? ctx.net.network.input.height : (ctx.layers[producer] as LayerStatic).outRows;
      for (let d = s.slotDeliveryStart[r] as number; d < (s.slotDeliveryStart[r + 1] as number); d++) {
        const f = s.deliveryFlow[d] as number;
        if (f < 0) continue;
        const first = s.flowLinkStart[f] as number;
        for (let h = 0; h < (s.flowHops[f] as number); h++) {
          const link = s.flowLinks[first + h] as number;
          if (pass === 0) {
            sc.start[link + 1] = (sc.start[link + 1] as number) + 1;
            continue;
          }
          const at = sc.fill[link] as number;
          sc.fill[link] = at + 1;
          sc.producer[at] = producer;
          sc.cycles[at] = rows * (s.flowRowFlits[f] as number);
        }
      }
    }
    if (pass > 0) break;
    for (let k = 0; k < links; k++) sc.start[k + 1] = (sc.start[k + 1] as number) + (sc.start[k] as number);
    const total = sc.start[links] as number;
    if (sc.producer.length < total) (sc.producer = new Int32Array(2 * total)), (sc.cycles = new Float64Array(2 * total));
    if (sc.fill.length < links) sc.fill = new Int32Array(2 * links);
    sc.fill.set(sc.start.subarray(0, links));
  }
}

/** ctx.loneTerms for this evaluation: the outbound term, then the mesh-link term where it could set the pace. */
export function loneNocTerms(ctx: ModelContext, placement: Placement, s: TrafficScratch, times: TileTimes, stages: readonly LayerStage[]): void {
  const nocOut = ctx.loneTerms.nocOut as Float64Array;
  loneNocOutCycles(ctx, placement, s, times, stages, nocOut);
  const others = (t: LayerStage): number =>
    Math.max(t.computeCycles, t.shiftAddCycles, t.nocInCycles, nocOut[t.index] as number, t.edramCycles, t.attentionCycles, t.offChipCycles, t.portQueueCycles);
  loneMeshLinkCycles(ctx, placement, s, stages, others, ctx.loneTerms.meshLink as Float64Array);
}

/** The stages' own NoC terms as LoneNocTerms (nothing taken as apart). */
export function stageNocTerms(stages: readonly LayerStage[]): LoneNocTerms {
  return { nocOut: stages.map((s) => s.nocOutCycles), meshLink: stages.map((s) => s.meshLinkCycles) };
}
