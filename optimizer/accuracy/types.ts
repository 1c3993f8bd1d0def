import type { ResolvedNetwork } from '../../workloads/types';

/** Per-weighted-layer precisions, in the order of `ResolvedNetwork.weightedIndices`. */
export interface PrecisionChoice {
  wbits: readonly number[];
  abits: readonly number[];
  /** Operand bits of products of two activations (PlanChoices.productBits); absent or 0: their default. */
  productBits?: readonly number[] | undefined;
}

/**
 * Every accuracy oracle answers the same question: top-1 accuracy (percent) of the network quantized as
 * `choice`. Implementations: the separable proxy, an external command, and measured accuracy.
 */
export interface AccuracyOracle {
  /** Short name for reports (`proxy`, `external`, `measured`). */
  readonly kind: 'proxy' | 'external' | 'measured';
  /** Full-precision (or 8/8 reference) accuracy, percent: drops are measured from it. */
  referenceAccuracyPct(): Promise<number>;
  accuracyPct(choice: PrecisionChoice): Promise<number>;
  /**
   * When the oracle is a sum of per-layer terms, the drop (percentage points) of layer i at (w, a) bits:
   * drop(choice) = sum_i layerDrop(i, w_i, a_i). The exact joint MILP uses it. Absent for non-separable oracles.
   */
  readonly layerDropPct?: (weightedLayer: number, wbits: number, abits: number) => number;
  /**
   * With layerDropPct, on a network with products of two activations (flow.products order): product j's own drop
   * (points) at `bits`, and the weighted layer whose layerDropPct term carries it at that layer's abits while the
   * plan leaves the product's bits to their default (-1: none; the product then defaults to 8 bits). A plan setting
   * product j's bits moves its term from that layer to productDropPct(j, bits).
   */
  readonly productDropPct?: (product: number, bits: number) => number;
  readonly productDefaultLayer?: readonly number[];
}

export type OracleFactory = (network: ResolvedNetwork) => AccuracyOracle;

/**
 * Calibration points of the separable accuracy proxy: top-1 drop (percentage points, from full precision) when
 * every layer but the first and last is quantized to 3 bits (d3) and to 2 bits (d2), weights and activations
 * alike, with quantization-aware training. First and last layers stay at 8 bits in these results, as in ours.
 */
export interface Calibration {
  /** Drop at uniform 3-bit weights and activations. */
  d3: number;
  /** Drop at uniform 2-bit weights and activations. */
  d2: number;
  /** Full-precision top-1, percent. */
  fpAccuracyPct: number;
  /** Where the numbers come from (or that they are an assumption). */
  source: string;
  /**
   * Drop when every attention map (the softmax output, A.V's first operand) goes from 8 to 4 bits, the rest at 8:
   * post-training, from FQ-ViT (megvii-research/FQ-ViT README, W/A/Attn 8/8/8 vs 8/8/4 with its log2 quantizer).
   * Absent: ATTENTION_MAP_DEFAULT.
   */
  attentionMap4BitDropPct?: number;
  /**
   * The weights' share of d3 and of d2 (the rest is the activations'), from a published weight-only point (the
   * same method's W3/A32 and W2/A32 rows against its W3/A3 and W2/A2 rows). Absent: 0.5 and 0.5 (no evidence).
   */
  weightShare3?: number;
  weightShare2?: number;
}
