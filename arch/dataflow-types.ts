/** The records of a network's static dataflow (arch/dataflow.ts analyzeDataflow builds them). */

/**
 * The static dataflow of a network on the hardware (docs/hardware-model.md rules 1-4), shared by the analytical
 * model, placement and the simulator so that all three agree on who stores which rows and who reads them.
 *
 * Roles:
 * - `weighted`: conv/fc on crossbars; stores its output rows in eDRAM at each consumer tile.
 * - `digital`: pool, element-wise, matmul of two activations, norm, softmax, reduce and resize layers on a tile's
 *   digital unit; store their output rows.
 * - `fused`: an activation applied in its producer's output path (ISAAC and PUMA apply ReLU/sigmoid before an
 *   output is written): it costs digital ops on the producer's tiles but stores no copy; readers read the
 *   producer's rows.
 * - `free`: batchnorm (folded), flatten, dropout, identity, concat, reshape, slice, pad: no work; readers look through them.
 */
export type LayerRole = 'weighted' | 'digital' | 'fused' | 'free';

/** One stored producer a layer reads, with the producer rows each output row needs. */
export interface DataInput {
  /** Stored producer layer index, or -1 for the network input. */
  producer: number;
  /** Highest producer row output row i needs (line-buffer rule, composed through free/fused layers). */
  need: Int32Array;
  /** Lowest producer row output row i still needs. */
  low: Int32Array;
}

export interface LayerFlow {
  index: number;
  role: LayerRole;
  /** For weighted/digital layers: the stored producers they read (empty for fused and free layers). */
  dataInputs: DataInput[];
  /**
   * The stored layer whose rows this layer's output is (itself for weighted/digital; the producer for a fused
   * activation; -2 for free layers, which have no rows of their own).
   */
  storedAs: number;
  /**
   * Weighted layer (or -1, the network input) whose first tile hosts this layer's digital work: a digital
   * layer runs where its first producer's data is (rule 1); a fused activation runs with its producer.
   */
  anchor: number;
  /**
   * Element ops on a digital unit per image (pool, eltwise, activation; for a recurrent layer, its gates and cell
   * update, applied on its output path like a fused activation: RECURRENT_CELL_OPS).
   */
  digitalOps: number;
  /**
   * Rows of each stored input a reader holds at once (per input): the widest span need - low + 1 of one output
   * row, plus the rows it advances per output row beyond one, widened for skew between inputs (widenForSkew).
   * Placement adds the rows that pass while the other inputs' rows cross their extra pipeline stages
   * (pacedWindowRows), which depends on the plan.
   */
  windowRows: number[];
  /** Per input: where the reader's inputs fork from a common ancestor, the stages on each side (widenForSkew). */
  skewPaths: SkewPath[][];
  /** Some input forks from a common ancestor (skewPaths not all empty); fixed per network. */
  hasSkew: boolean;
}

/**
 * Two inputs of one reader that fork from a common stored ancestor: the reader holds input k's rows while the same
 * image rows travel the other input's longer path, one pipeline stage after another.
 */
export interface SkewPath {
  /** Stored layers after the fork up to and including the other input's producer. */
  lead: number[];
  /** Stored layers after the fork up to and including input k's producer (empty when the fork is that producer). */
  own: number[];
  /** Rows of input k its producer may run ahead of the reader's need, given the fork rows the other path pulled. */
  skewRows: number;
  /**
   * Lead stages reading input k's producer directly that read it furthest ahead of the reader's need (the path's
   * heads, by ancestorNeed, not by network order: lead stages form a graph); empty when none reads it directly.
   */
  heads: number[];
}

export interface Dataflow {
  layers: LayerFlow[];
  /** Stored layers (weighted/digital) reading each stored producer, at index producer + 1 (0: network input). */
  readers: number[][];
  /**
   * The readers that set each stored producer's bits (rule 2), at index producer + 1 (0: network input), as
   * positions in the operand-bits array (operandBits): weighted layers by their position in weightedIndices, read
   * directly or through digital/fused/free layers; a product of two activations (matmul) at weighted count + its
   * ordinal among the products. A product reads its operands at its own bits, so the search stops there.
   */
  weightedReaders: number[][];
  /** Per product (matmul, network order): its layer index. */
  products: number[];
  /** Weighted layers of the network (the first positions of the operand-bits array). */
  weightedCount: number;
  /**
   * Per product: the weighted layers (positions) reading its output through digital, fused, free layers and other
   * products. Without its own bits in the plan a product takes the largest of their abits (rule 2 as before
   * products had bits: the attention's precision follows the output projection's activation bits).
   */
  productDefaultReaders: number[][];
  /** Stored layers no one reads: their rows finish an image. */
  sinks: number[];
  /** Digital layers by the anchor that hosts them, at index anchor + 1 (0: the network input), in network order. */
  anchoredDigital: number[][];
}
