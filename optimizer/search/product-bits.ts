/**
 * The search's own bits for the products of two activations (attention's Q.K^T and A.V; docs/hardware-model.md rules 2
 * and 8; flow.products order, 0 = the default: the output projection's abits). With a separable oracle that offers
 * productDropPct, a product whose bits the plan sets is charged on its own (the attention-map term for A.V), and
 * the weighted layer that carried it by default no longer is.
 */
import { operandBits } from '../../arch/dataflow';
import type { AccuracyOracle } from '../accuracy/types';
import type { ModelContext } from '../model/types';

/** Separable drop terms with products' own bits: the layers' terms less what they carry for set products, plus those. */
export interface SeparableTerms {
  /** Layer i's term at (w, a) with the products the plan sets taken out. */
  layer: (i: number, w: number, a: number) => number;
  /** Product j's own term at `bits` (0 when the oracle has no product terms). */
  product: (j: number, bits: number) => number;
}

/** The oracle's separable terms for a plan setting the products with productBits[j] > 0; undefined when not separable. */
export function separableTerms(oracle: AccuracyOracle, productBits: readonly number[]): SeparableTerms | undefined {
  const layerDrop = oracle.layerDropPct;
  if (layerDrop === undefined) return undefined;
  const productDrop = oracle.productDropPct ?? ((): number => 0);
  const carried = new Map<number, number[]>();
  productBits.forEach((bits, j) => {
    const holder = oracle.productDefaultLayer?.[j] ?? -1;
    if (bits > 0 && holder >= 0) carried.set(holder, [...(carried.get(holder) ?? []), j]);
  });
  return {
    layer: (i, w, a) => {
      let sum = layerDrop(i, w, a);
      for (const j of carried.get(i) ?? []) sum -= productDrop(j, a);
      return sum;
    },
    product: productDrop,
  };
}

/** Products of the network (their count) and, for a plan, each product's bits in effect (its own, or its default). */
export function productCount(ctx: ModelContext): number {
  return ctx.flow.products.length;
}

export function effectiveProductBits(ctx: ModelContext, abits: readonly number[], productBits: readonly number[]): number[] {
  const n = ctx.net.weightedIndices.length;
  return operandBits(ctx.flow, abits, productBits).slice(n, n + ctx.flow.products.length) as number[];
}

/** All zero (every product at its default) or empty. */
export function noProductBits(productBits: readonly number[] | undefined): boolean {
  return productBits === undefined || productBits.every((b) => !(b > 0));
}
