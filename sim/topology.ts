/**
 * The static structure the simulator plays out (docs/hardware-model.md rules 1-6): which units compute what, where
 * their data comes from and goes to, and how many pieces make up each row. The dataflow (roles, composed row needs,
 * readers, tensor precision, line-buffer windows) comes from arch/dataflow.ts and the layout from arch/placement.ts,
 * the same modules the analytical model uses, so the two cannot disagree on them. Pure; no timing state.
 */
import { macArrayGroupOf, macArrayMacsPerCycle, productWork } from '../arch/attention';
import type { ArchSpec } from '../arch/types';
import { accumulatesRows, layerStepsPerImage } from '../arch/steps';
import { bitsAt, type PlanChoices } from '../arch/plan';
import { mapNetwork, mvmInputElements, type LayerCrossbarMapping } from '../arch/mapping';
import { channelBits, type Placement } from '../arch/placement';
import { packingLadder, reliefPackings } from '../arch/packing-choice';
import { newPlacementScratch } from '../arch/tile-buffers';
import { placePlan, prepareModel } from '../optimizer/model';
import { analyzeDataflow, dataflowCosts, digitalReadElements, outputPathOps, storedTensorBits, type Dataflow } from '../arch/dataflow';
import type { ResolvedLayer, ResolvedNetwork } from '../workloads/types';

/** A producer of stored rows: a weighted or digital layer, or the network input (index -1). */
export interface SimProducer {
  /** Layer index, -1 for the network input. */
  index: number;
  name: string;
  rows: number;
  /** Bits of one whole output row (rule 2 precision). */
  rowBits: number;
  /** Tiles its rows are sent to (the tiles hosting its readers: placement.layerTiles), ascending. */
  destTiles: number[];
  /** Rows each destination tile guarantees this producer: its readers' widest window there plus one (channelBits). */
  destSlots: number[];
  /** Pieces one row of it arrives in at each destination tile (replicas with pixels in that row). */
  piecesPerRow: Int32Array;
}

/** One consumer-side input: which producer, and per step the last and first producer row needed. */
export interface SimInput {
  producer: number;
  /** Producer row step s needs up to (line-buffer rule, composed through free and fused layers). */
  need: Int32Array;
  /** Lowest producer row step s still needs (rows below low[s + 1] are let go after step s). */
  low: Int32Array;
  /**
   * Rows below releaseBelow[s] are needed by no step after s: step s lets go of rows releaseBelow[s - 1] (0 for the
   * first step) up to there, the last step of everything left. Each step owns its range, so the releases may come in
   * any order: a replica's step without pixels is let go at once while its previous job is still in shift-and-add.
   */
  releaseBelow: Int32Array;
}

export interface SimLayer {
  index: number;
  name: string;
  kind: ResolvedLayer['layer']['kind'];
  weightedPos: number;
  outRows: number;
  outCols: number;
  outChannels: number;
  /**
   * Steps per image: one per output row, except for a global pool, which accumulates (running sum/max) one
   * input row per step and emits its one output row at the last step (rule 4).
   */
  steps: number;
  accumulate: boolean;
  /**
   * A recurrent layer (rule 3): step t's MVM reads h_{t-1}, so its replica starts the next step only when this one's
   * shift-and-add drain and cell ops (fusedOpsPerRow) are done.
   */
  serialSteps: boolean;
  inputs: SimInput[];
  /** Weighted layers only. NOTE: always present (undefined for digital layers) so every SimLayer has one shape. */
  mapping: LayerCrossbarMapping | undefined;
  replicas: number;
  /** Digital element ops per step (pool, eltwise, unfused activation), 0 for weighted layers. */
  digitalOpsPerStep: number;
  /** eDRAM bits a digital layer reads per step. */
  digitalReadBitsPerStep: number;
  /** Ops per whole output row of the activations fused into this layer's output path (rule 5). */
  fusedOpsPerRow: number;
  /** eDRAM bits one MVM reads (input vector). */
  mvmReadBits: number;
  /** Chip-wide index of the layer's first crossbar (its first core's first): sets which crossbars share an ADC. */
  firstCrossbar: number;
  /**
   * Product of two activations off the digital unit (rule 8): index into SimTopology.productResources (the
   * MAC array of its tile's group, or its own rewritten crossbars), or -1.
   */
  productResource: number;
  /** Work per step on that resource (MAC slots, or cycles of rewritten crossbars). */
  productWorkPerStep: number;
  productEnergyPjPerStep: number;
  /** Replica tiles (weighted) or the single host tile (digital). */
  unitTiles: number[];
  /** No layer reads it: its rows finish images. */
  sink: boolean;
}

export interface SimTopology {
  arch: ArchSpec;
  net: ResolvedNetwork;
  flow: Dataflow;
  mappings: LayerCrossbarMapping[];
  placement: Placement;
  /** Weighted and digital layers only (the ones with units), in network order. */
  layers: SimLayer[];
  /** By layer index + 1 (slot 0: the network input); undefined for fused and free layers. */
  producers: Array<SimProducer | undefined>;
  /** Servers for products of two activations: MAC arrays (by tile group) or one per rewritten-crossbar layer. */
  productResources: ProductResource[];
}

export interface ProductResource {
  label: string;
  /** Work units served per cycle: MACs per cycle of the array, or 1 (rewritten crossbars' work is in cycles). */
  unitsPerCycle: number;
}

/** Pixels of output row `row` that replica `k` of `r` computes (pixel p = row*W + j goes to p mod r). */
export function replicaPixelsInRow(width: number, replicas: number, k: number, row: number): number {
  const offset = (((k - row * width) % replicas) + replicas) % replicas;
  return offset < width ? Math.floor((width - 1 - offset) / replicas) + 1 : 0;
}

export function buildTopology(arch: ArchSpec, net: ResolvedNetwork, choices: PlanChoices): SimTopology {
  const costs = dataflowCosts(arch);
  const flow = analyzeDataflow(net, costs);
  const mappings = mapNetwork(arch, net, choices.wbits, choices.abits);
  // The model chooses among the plan's packings (arch/packing-choice.ts): the simulator plays out the layout it chose.
  // With one packing on offer (one on the ladder and no relief packing) there is nothing to choose: no model context
  // to prepare (it doubled the set-up of a ResNet-50 run).
  const scratch = newPlacementScratch(net, flow);
  const ladder = packingLadder(arch, net, flow, mappings, choices.replicas, scratch, choices.productBits, choices.skipCores);
  const single = ladder.length === 1 && reliefPackings(arch, net, flow, mappings, choices.replicas, scratch, ladder, choices.productBits, choices.skipCores).next().done === true;
  const placement = single ? (ladder[0] as Placement) : placePlan(prepareModel(arch, net), choices);
  const n = net.layers.length;
  const posOf = new Map<number, number>();
  net.weightedIndices.forEach((li, pos) => posOf.set(li, pos));
  const bitsOf = (producer: number): number => storedTensorBits(flow, producer, placement.operandBits);
  const shapeOf = (producer: number) => (producer < 0 ? net.network.input : net.layers[producer]?.outShape);

  // Fused activations and a recurrent layer's cell run on the output path of the layer they are stored as.
  const fusedOps = outputPathOps(flow, n);

  const layers: SimLayer[] = [];
  const productResources: ProductResource[] = [];
  const macArrayResource = new Map<number, number>();
  for (const lf of flow.layers) {
    if (lf.role !== 'weighted' && lf.role !== 'digital') continue;
    const r = net.layers[lf.index] as ResolvedLayer;
    const layer = r.layer;
    const pos = posOf.get(r.index) ?? -1;
    const mapping = pos >= 0 ? mappings[pos] : undefined;
    const place = pos >= 0 ? placement.weighted[pos] : undefined;
    const outRows = r.outShape.height;
    const accumulate = accumulatesRows(layer);
    const steps = layerStepsPerImage(net, flow, r.index);
    const inputs: SimInput[] = lf.dataInputs.map((d) => {
      const producerRows = shapeOf(d.producer)?.height ?? 1;
      if (!accumulate) return { producer: d.producer, need: d.need, low: d.low, releaseBelow: releaseBounds(d.low, steps, producerRows) };
      // Step q folds producer row q into the running result, then lets it go.
      const rows = Int32Array.from({ length: steps }, (_, q) => q);
      return { producer: d.producer, need: rows, low: rows, releaseBelow: releaseBounds(rows, steps, producerRows) };
    });
    let readBits = 0;
    if (lf.role === 'digital') {
      lf.dataInputs.forEach((d, k) => {
        // Rule 5: a digital-unit product reads B again for each output row.
        readBits += digitalReadElements(lf, r, k, shapeOf(d.producer), costs) * bitsOf(d.producer);
      });
    }
    // Rule 8: a product of two activations runs on its tile group's MAC array or on its own rewritten crossbars.
    const host = place ? (place.replicaTiles[0] ?? 0) : (placement.layerTiles[r.index]?.[0] ?? 0);
    const aBits = bitsOf(lf.dataInputs[0]?.producer ?? -1);
    const work = lf.role === 'digital' ? productWork(arch, r, aBits, bitsOf(lf.dataInputs[1]?.producer ?? lf.dataInputs[0]?.producer ?? -1)) : undefined;
    let productResource = -1;
    if (work?.engine === 'macArray') {
      const group = macArrayGroupOf(arch, host);
      let id = macArrayResource.get(group);
      if (id === undefined) {
        id = productResources.push({ label: `MAC array of tile group ${group}`, unitsPerCycle: macArrayMacsPerCycle(arch) }) - 1;
        macArrayResource.set(group, id);
      }
      productResource = id;
    } else if (work?.engine === 'crossbar') {
      productResource = productResources.push({ label: `rewritten crossbars of ${layer.name}`, unitsPerCycle: 1 }) - 1;
    }
    const mvmElements = mvmInputElements(r);
    const sim: SimLayer = {
      index: r.index,
      name: layer.name,
      kind: layer.kind,
      weightedPos: pos,
      outRows,
      outCols: r.outShape.width,
      outChannels: r.outShape.channels,
      steps,
      accumulate,
      serialSteps: layer.kind === 'conv' && layer.recurrent !== undefined,
      inputs,
      mapping,
      replicas: place?.replicas ?? 1,
      digitalOpsPerStep: lf.role === 'weighted' ? 0 : lf.digitalOps / steps,
      digitalReadBitsPerStep: readBits / steps,
      fusedOpsPerRow: (fusedOps[r.index] ?? 0) / outRows,
      mvmReadBits: mvmElements * (pos >= 0 ? bitsAt(choices.abits, pos) : 0),
      productResource,
      productWorkPerStep: work ? work.workPerImage / steps : 0,
      productEnergyPjPerStep: work ? work.energyPj / steps : 0,
      firstCrossbar: place ? place.firstCore * arch.core.crossbars : 0,
      unitTiles: place ? [...place.replicaTiles] : [placement.layerTiles[r.index]?.[0] ?? 0],
      sink: (flow.readers[r.index + 1]?.length ?? 0) === 0,
    };
    layers.push(sim);
  }

  const byIndex = new Map(layers.map((l) => [l.index, l]));
  const makeProducer = (index: number): SimProducer => {
    const l = byIndex.get(index);
    const shape = shapeOf(index);
    const rows = shape?.height ?? 1;
    const cols = shape?.width ?? 1;
    const rowBits = cols * (shape?.channels ?? 1) * bitsOf(index);
    const pieces = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      if (l && l.kind === 'conv') {
        let count = 0;
        for (let k = 0; k < l.replicas; k++) if (replicaPixelsInRow(cols, l.replicas, k, i) > 0) count++;
        pieces[i] = count;
      } else pieces[i] = 1;
    }
    // Per destination tile, the widest window of the readers there (the rule placement reserved space by).
    const windows = new Map<number, number>();
    for (const c of flow.readers[index + 1] ?? []) {
      const cf = flow.layers[c];
      const k = cf?.dataInputs.findIndex((d) => d.producer === index) ?? -1;
      const window = placement.windowRows[c]?.[k] ?? 1;
      for (const t of placement.layerTiles[c] ?? []) windows.set(t, Math.max(window, windows.get(t) ?? 0));
    }
    const destTiles = [...windows.keys()].sort((a, b) => a - b);
    return {
      index,
      name: l ? l.name : 'input',
      rows,
      rowBits,
      destTiles,
      // channelBits(rows, window, rowBits) = slots * rowBits: the same rule placement fitted the tiles with.
      destSlots: destTiles.map((t) => (rowBits > 0 ? channelBits(rows, windows.get(t) ?? 1, rowBits) / rowBits : 0)),
      piecesPerRow: pieces,
    };
  };
  const producers: Array<SimProducer | undefined> = new Array<SimProducer | undefined>(n + 1).fill(undefined);
  producers[0] = makeProducer(-1);
  for (const l of layers) producers[l.index + 1] = makeProducer(l.index);
  return { arch, net, flow, mappings, placement, layers, producers, productResources };
}

/** Per step s, the producer rows below which no later step reads (the running maximum of low[s + 1]; all after the last). */
function releaseBounds(low: Int32Array, steps: number, producerRows: number): Int32Array {
  const below = new Int32Array(steps);
  let most = 0;
  for (let s = 0; s < steps; s++) {
    most = Math.max(most, s + 1 < steps ? (low[s + 1] as number) : producerRows);
    below[s] = most;
  }
  return below;
}
