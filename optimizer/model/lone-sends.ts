/**
 * The NoC terms of a layer's row pace in the lone image (docs/hardware-model.md rule 7, "Sends apart in the
 * lone image"). Rule 7's term is its tiles' injection-link load per image, every stored tensor sent from them; in one
 * image alone, a tensor whose rows are all made before the layer's first row can start (its reader waits for its last
 * row: an attention block's keys before Q.K^T), or only after the layer's last row, does not share the link with the
 * layer's rows. xformer DeiT-S replicated-mixed: blocks.0.attn.k on tile 2 was paced at 972 cycles a row by the MLP's
 * sends from that tile (fc1's hidden rows, 127,008 of its 190,512 cycles), which start only after softmax . V has read
 * every row of V; the simulator runs it at its crossbars' 800. The same for the busiest mesh link into a layer's tiles:
 * ViT-B/16's blocks.2.attn.proj on xformer was paced by block 1's copies over its links, all made before block 2's
 * keys (6,480 cycles a row, simulated 1,746), and the model's lone latency was 4.9% above the simulator's.
 */
import type { Placement } from '../../arch/placement';
import type { LayerStage, LayerStatic, LoneApart, LoneNocTerms, LoneSendsScratch, ModelContext, TileTimes, TrafficScratch } from './types';

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
 * ctx.loneTerms for this evaluation, by layer index (cycles per image): rule 7's outbound NoC term (its tiles'
 * injection links, the largest) and mesh-link term (the busiest link on the paths of the copies into its tiles), each
 * less the copies of stored tensors made apart from the layer. NOTE: a lone term is never above the stage's, so it is
 * worked out only where the stage's is above the layer's other lone terms (where it could set the pace); elsewhere it
 * is the stage's (the same pace).
 */
export function loneNocTerms(ctx: ModelContext, placement: Placement, s: TrafficScratch, times: TileTimes, stages: readonly LayerStage[]): void {
  const nocOut = ctx.loneTerms.nocOut;
  const meshLink = ctx.loneTerms.meshLink;
  const linkRate = ctx.arch.noc.linkFlitsPerCycle;
  let tilesBuilt = false;
  let linksBuilt = false;
  for (const l of ctx.layers) {
    const stage = stages[l.index];
    if (stage === undefined || l.role === 'free') {
      nocOut[l.index] = stage?.nocOutCycles ?? 0;
      meshLink[l.index] = stage?.meshLinkCycles ?? 0;
      continue;
    }
    const others = Math.max(stage.computeCycles, stage.shiftAddCycles, stage.nocInCycles, stage.edramCycles, stage.attentionCycles, stage.offChipCycles, stage.portQueueCycles);
    let out = stage.nocOutCycles;
    if (out > others) {
      if (!tilesBuilt) (indexCopies(ctx, s, placement.tilesUsed, false, ctx.loneSends), (tilesBuilt = true));
      out = tileSendsApartLess(ctx, placement, times, l) ?? out;
    }
    nocOut[l.index] = out;
    let link = stage.meshLinkCycles;
    if (link > Math.max(others, out)) {
      if (!linksBuilt) (indexCopies(ctx, s, s.linkFlits.length, true, ctx.loneLinks), (linksBuilt = true));
      link = inboundLinksApartLess(ctx, placement, s, l) / linkRate;
    }
    meshLink[l.index] = link;
  }
}

/**
 * The largest over layer l's tiles of the tile's injection load less its copies of tensors apart from l, or undefined
 * when no copy on its tiles is apart (the stage's term, as it is).
 */
function tileSendsApartLess(ctx: ModelContext, placement: Placement, times: TileTimes, l: LayerStatic): number | undefined {
  const apart = ctx.loneApart;
  const sc = ctx.loneSends;
  const at = l.index * apart.words;
  const linkRate = ctx.arch.noc.linkFlitsPerCycle;
  let best = 0;
  let changed = false;
  for (const t of placement.layerTiles[l.index] ?? []) {
    let load = times.inject[t] as number;
    for (let j = sc.start[t] as number; j < (sc.start[t + 1] as number); j++) {
      const producer = sc.producer[j] as number;
      if (producer >= 0 && has(apart.bits, at, producer)) (load -= (sc.flits[j] as number) / linkRate), (changed = true);
    }
    if (load > best) best = load;
  }
  return changed ? best : undefined;
}

/** Per context: the links already weighed for the layer at hand (seen[link] === stamp). */
interface LinksSeen {
  seen: Int32Array;
  stamp: number;
}
const linksSeenOf = new WeakMap<ModelContext, LinksSeen>();

/** Flits per image on the busiest link of the copies into layer l's tiles, less each link's copies of tensors apart from l. */
function inboundLinksApartLess(ctx: ModelContext, placement: Placement, s: TrafficScratch, l: LayerStatic): number {
  const apart = ctx.loneApart;
  const sc = ctx.loneLinks;
  const at = l.index * apart.words;
  const tiles = placement.layerTiles[l.index] ?? [];
  if (tiles.length === 0) return 0;
  // Many flows into the layer share links (a big mesh: thousands of hops over the same links, each carrying many
  // copies), so each link is weighed once per layer: the cost follows the distinct links, not the flows' hops.
  let v = linksSeenOf.get(ctx);
  if (v === undefined || v.seen.length < s.linkFlits.length) linksSeenOf.set(ctx, (v = { seen: new Int32Array(s.linkFlits.length), stamp: 0 }));
  if (v.stamp >= 0x3fffffff) (v.seen.fill(0), (v.stamp = 0));
  const stamp = ++v.stamp;
  const seen = v.seen;
  // A layer's tiles are one ascending range (as traffic.ts reads them).
  const lo = tiles[0] as number;
  const hi = tiles[tiles.length - 1] as number;
  let worst = 0;
  for (const p of l.dataInputs) {
    const r = ctx.injection.slotPosition[p + 1] ?? -1;
    if (r < 0) continue;
    for (let d = s.slotDeliveryStart[r] as number; d < (s.slotDeliveryStart[r + 1] as number); d++) {
      const f = s.deliveryFlow[d] as number;
      if (f < 0 || (s.flowTo[f] as number) < lo || (s.flowTo[f] as number) > hi) continue;
      const first = s.flowLinkStart[f] as number;
      for (let h = 0; h < (s.flowHops[f] as number); h++) {
        const link = s.flowLinks[first + h] as number;
        if (seen[link] === stamp) continue;
        seen[link] = stamp;
        let load = s.linkFlits[link] as number;
        for (let j = sc.start[link] as number; j < (sc.start[link + 1] as number); j++) {
          const producer = sc.producer[j] as number;
          if (producer >= 0 && has(apart.bits, at, producer)) load -= sc.flits[j] as number;
        }
        if (load > worst) worst = load;
      }
    }
  }
  return worst;
}

/**
 * This evaluation's routed copies (stored producer, flits per image), indexed by the tile they leave (byLink false)
 * or by each mesh link on their path, into `sc` (key k's are [start[k], start[k + 1])); two passes, count then place.
 */
function indexCopies(ctx: ModelContext, s: TrafficScratch, keys: number, byLink: boolean, sc: LoneSendsScratch): void {
  if (sc.start.length < keys + 1) sc.start = new Int32Array(2 * keys + 1);
  const start = sc.start;
  start.fill(0, 0, keys + 1);
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < ctx.readSlots.length; r++) {
      const producer = (ctx.readSlots[r] as number) - 1;
      // The network input enters through the off-chip link, not a tile's injection link (rule 6).
      if (producer < 0 && !byLink) continue;
      const rows = producer < 0 ? ctx.net.network.input.height : (ctx.layers[producer] as LayerStatic).outRows;
      for (let d = s.slotDeliveryStart[r] as number; d < (s.slotDeliveryStart[r + 1] as number); d++) {
        const f = s.deliveryFlow[d] as number;
        if (f < 0) continue;
        const hops = byLink ? (s.flowHops[f] as number) : 1;
        const first = s.flowLinkStart[f] as number;
        for (let h = 0; h < hops; h++) {
          const key = byLink ? (s.flowLinks[first + h] as number) : (s.flowFrom[f] as number);
          if (pass === 0) {
            start[key + 1] = (start[key + 1] as number) + 1;
            continue;
          }
          const at = sc.fill[key] as number;
          sc.fill[key] = at + 1;
          sc.producer[at] = producer;
          sc.flits[at] = rows * (s.flowRowFlits[f] as number);
        }
      }
    }
    if (pass > 0) break;
    for (let k = 0; k < keys; k++) start[k + 1] = (start[k + 1] as number) + (start[k] as number);
    const total = start[keys] as number;
    if (sc.producer.length < total) (sc.producer = new Int32Array(2 * total)), (sc.flits = new Float64Array(2 * total));
    if (sc.fill.length < keys) sc.fill = new Int32Array(2 * keys);
    sc.fill.set(start.subarray(0, keys));
  }
}

/** The stages' own NoC terms as LoneNocTerms (nothing taken as apart). */
export function stageNocTerms(stages: readonly LayerStage[]): LoneNocTerms {
  return { nocOut: stages.map((s) => s.nocOutCycles), meshLink: stages.map((s) => s.meshLinkCycles) };
}
