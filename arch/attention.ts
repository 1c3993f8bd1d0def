import type { ArchSpec } from './types';
import type { ResolvedLayer, ResolvedNetwork } from '../workloads/types';
import { mapLayer, replicaMvmCycles, type LayerCrossbarMapping } from './mapping';
import { mvmEnergyPj } from './energy';

/*
 * Where and at what cost a product of two activations (attention's Q.K^T and A.V) runs: docs/hardware-model.md
 * rule 8. One place for the model and the simulator.
 */

/**
 * The products of two activations (matmul layers) in network order: the order of a plan's productBits and of the
 * products' entries in the operand-bits array (arch/dataflow.ts operandBits).
 */
export function productLayerIndices(net: ResolvedNetwork): number[] {
  return net.layers.filter((r) => r.layer.kind === 'matmul').map((r) => r.index);
}

/** The unit that does products of two activations on a chip. */
export type ProductEngine = 'macArray' | 'digitalUnit' | 'crossbar';

export function productEngine(arch: ArchSpec): ProductEngine {
  if (arch.attention.unit === 'crossbar') return 'crossbar';
  return arch.attention.macArray.perTile > 0 ? 'macArray' : 'digitalUnit';
}

/** Tiles served by one MAC-array resource: 1 when every tile has its own array(s), else 1 / perTile. */
export function macArrayGroupTiles(arch: ArchSpec): number {
  const perTile = arch.attention.macArray.perTile;
  return perTile >= 1 ? 1 : Math.max(1, Math.round(1 / perTile));
}

/** The MAC-array resource (group) that serves tile `tile`. */
export function macArrayGroupOf(arch: ArchSpec, tile: number): number {
  return Math.floor(tile / macArrayGroupTiles(arch));
}

/** MACs per cycle of one resource: a tile's arrays work as one (perTile >= 1), else one shared array. */
export function macArrayMacsPerCycle(arch: ArchSpec): number {
  const { perTile, macsPerCycle } = arch.attention.macArray;
  return macsPerCycle * Math.max(1, perTile);
}

/** Passes of a `bits`-bit array for operands of aBits and bBits: ceil(a / bits) x ceil(b / bits). */
export function macArrayPasses(arch: ArchSpec, aBits: number, bBits: number): number {
  const bits = arch.attention.macArray.bits;
  return Math.ceil(aBits / bits) * Math.ceil(bBits / bits);
}

/** Work on the MAC-array resource (in MAC slots; divide by macArrayMacsPerCycle for cycles). */
export function macArrayWork(arch: ArchSpec, macs: number, aBits: number, bBits: number): number {
  return macs * macArrayPasses(arch, aBits, bBits);
}

export function macArrayEnergyPj(arch: ArchSpec, macs: number, aBits: number, bBits: number): number {
  return macArrayWork(arch, macs, aBits, bBits) * arch.attention.macArray.energyPjPerMac;
}

/**
 * A product of two activations per head: output rows x cols (one step per row), each output pixel a vector of
 * `n` values per head from a `k`-element row of A per head; B has `bRows` rows (one per token). `transB`: B's
 * rows are the output's n (the keys of Q.K^T); else B's rows are the contracted k (the values of A.V).
 */
export interface ProductDims {
  heads: number;
  k: number;
  n: number;
  rows: number;
  cols: number;
  bRows: number;
  transB: boolean;
}

/**
 * Crossbars rewritten per input: B of every head is programmed as a k x n weight matrix at bBits (a grouped 1x1
 * convolution with one group per head, so it maps as any weighted layer does), and every output pixel is an MVM.
 * Programming goes one crossbar row at a time: a key (transB) is a column of k cells (k row writes, at most one
 * crossbar's rows), a value is one row; heads packed into one crossbar are written one after another.
 */
export interface RewriteCost {
  mapping: LayerCrossbarMapping;
  /** Cycles of programming per image (all of B's rows), per crossbar group written in parallel. */
  writeCyclesPerImage: number;
  /** Cells programmed per image. */
  cellsWrittenPerImage: number;
  /** Write energy per image, pJ. */
  writeEnergyPj: number;
}

export function rewriteCost(arch: ArchSpec, d: ProductDims, aBits: number, bBits: number, name = 'attention'): RewriteCost {
  const asConv: ResolvedLayer = {
    layer: {
      kind: 'conv',
      name,
      inputs: [],
      outChannels: d.heads * d.n,
      kernel: [1, 1],
      stride: [1, 1],
      pad: [0, 0, 0, 0],
      dilation: [1, 1],
      groups: d.heads,
      bias: false,
    },
    index: -1,
    inputIndices: [],
    inShapes: [{ channels: d.heads * d.k, height: d.rows, width: d.cols }],
    outShape: { channels: d.heads * d.n, height: d.rows, width: d.cols },
    params: 0,
    macs: 0,
  };
  const mapping = mapLayer(arch, asConv, bBits, aBits);
  const cellsPerElement = mapping.colsNeeded / d.n; // bit slices, x2 for differential columns
  const rowWritesPerToken = d.transB ? Math.min(d.k, arch.crossbar.rows) : 1;
  const writeNs = d.bRows * rowWritesPerToken * mapping.groupsPerCrossbar * arch.attention.rewrite.writeNsPerRow;
  const cellsWrittenPerImage = d.heads * d.bRows * (d.transB ? d.k : d.n) * cellsPerElement;
  return {
    mapping,
    writeCyclesPerImage: Math.ceil(writeNs * arch.clockGHz - 1e-9),
    cellsWrittenPerImage,
    writeEnergyPj: cellsWrittenPerImage * arch.attention.rewrite.energyPjPerCellWrite,
  };
}

/** Dimensions of a `matmul` layer (workloads/types.ts MatMulLayer), or undefined for any other layer. */
export function productDims(r: ResolvedLayer): ProductDims | undefined {
  const layer = r.layer;
  const a = r.inShapes[0];
  const b = r.inShapes[1];
  if (layer.kind !== 'matmul' || a === undefined || b === undefined) return undefined;
  const h = layer.heads;
  // B's tokens: its rows, times the tokens per row under sequence blocking (B has one column otherwise).
  const tokens = b.height * b.width;
  return {
    heads: h,
    k: layer.transB ? b.channels / h : tokens,
    n: layer.transB ? tokens : b.channels / h,
    rows: a.height,
    cols: a.width,
    bRows: tokens,
    transB: layer.transB,
  };
}

/** A product layer's work per image off the digital unit (rule 8). */
export interface ProductWork {
  engine: 'macArray' | 'crossbar';
  /**
   * Cycles per image on its resource at full rate: the MAC array of its tile's group (shared with the other
   * product layers there), or its own rewritten crossbars (written, then read).
   */
  cyclesPerImage: number;
  /** MAC array: MAC slots (MACs x passes) per image; crossbar: cycles per image (= cyclesPerImage). */
  workPerImage: number;
  /** Dynamic energy per image, pJ: MACs x passes x energyPjPerMac, or cell writes plus the MVMs' energy. */
  energyPj: number;
  /** Crossbars the layer owns (crossbar engine; 0 for MAC arrays). */
  crossbars: number;
  /** Cells programmed per image (crossbar engine): every cell once per input, so the chip lasts enduranceWrites inputs. */
  cellsWrittenPerImage: number;
  /** The programming's share of energyPj (crossbar engine; 0 for MAC arrays). */
  writeEnergyPj: number;
}

/**
 * Work of product layer `r` (a matmul) whose operands carry aBits and bBits (rule 2's stored-tensor bits);
 * undefined when the products run on the digital unit (no MAC arrays) or `r` is no product.
 */
export function productWork(arch: ArchSpec, r: ResolvedLayer, aBits: number, bBits: number): ProductWork | undefined {
  const engine = productEngine(arch);
  const d = productDims(r);
  if (engine === 'digitalUnit' || d === undefined) return undefined;
  if (engine === 'macArray') {
    const work = macArrayWork(arch, r.macs, aBits, bBits);
    return {
      engine,
      cyclesPerImage: work / macArrayMacsPerCycle(arch),
      workPerImage: work,
      energyPj: macArrayEnergyPj(arch, r.macs, aBits, bBits),
      crossbars: 0,
      cellsWrittenPerImage: 0,
      writeEnergyPj: 0,
    };
  }
  const cost = rewriteCost(arch, d, aBits, bBits, r.layer.name);
  const mvms = d.rows * d.cols; // a causal mask saves no crossbar reads
  const e = mvmEnergyPj(arch, cost.mapping);
  const cycles = cost.writeCyclesPerImage + mvms * replicaMvmCycles(arch, cost.mapping, 1);
  return {
    engine,
    cyclesPerImage: cycles,
    workPerImage: cycles,
    energyPj: cost.writeEnergyPj + mvms * (e.crossbar + e.adc + e.dac + e.sampleHold + e.shiftAdd),
    crossbars: cost.mapping.crossbarsPerReplica,
    cellsWrittenPerImage: cost.cellsWrittenPerImage,
    writeEnergyPj: cost.writeEnergyPj,
  };
}
