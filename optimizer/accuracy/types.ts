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
