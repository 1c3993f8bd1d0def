import type { ResolvedNetwork } from '../../workloads/types';

/**
 * HAQ-style per-layer state: layer index, conv/fc, depthwise, Cin, Cout, stride, kernel, log parameters,
 * log input size (H*W), the layer's accuracy sensitivity to 3-bit weights and to 3-bit activations (0 without a
 * separable oracle), then the dynamic features: the fraction of the accuracy budget the episode's earlier steps
 * have spent (as AMC's state carries the resource used so far), the fraction of the core budget their weights
 * take at r = 1 (what is left for replicas: the throughput's main lever), and the previous action (weights,
 * activations).
 * Static features are min-max normalised over the network's weighted layers (as HAQ does); the others are
 * already in [0, 1].
 */
export const STATE_SIZE = 15;

/** The layer's drop (points) at (wbits, abits), when the oracle is separable. */
export type LayerDrop = (layer: number, wbits: number, abits: number) => number;

/**
 * A product of two activations as a search step (product-bits.ts): layer `layerIndex` of the network, charged to
 * `holder` (the weighted layer whose position feature it takes; its output projection) by default, its drop at 3 bits.
 */
export interface ProductStep {
  layerIndex: number;
  holder: number;
  drop3: number;
}

/**
 * Static features of the weighted layers, then of `products` (no weights: their weight features are 0, their
 * activation sensitivity is their own term at 3 bits), min-max normalised together.
 */
export function staticFeatures(net: ResolvedNetwork, layerDrop?: LayerDrop, products: readonly ProductStep[] = []): number[][] {
  const weighted = net.weightedIndices.map((layerIndex, pos) => {
    const r = net.layers[layerIndex];
    const layer = r?.layer;
    const inShape = r?.inShapes[0];
    const isConv = layer?.kind === 'conv';
    return [
      pos,
      isConv ? 1 : 0,
      isConv && layer.groups > 1 ? 1 : 0,
      inShape?.channels ?? 0,
      r?.outShape.channels ?? 0,
      isConv ? layer.stride[0] : 0,
      isConv ? layer.kernel[0] : 1,
      Math.log(1 + (r?.params ?? 0)),
      Math.log(1 + (inShape?.height ?? 1) * (inShape?.width ?? 1)),
      layerDrop ? layerDrop(pos, 3, 8) : 0,
      layerDrop ? layerDrop(pos, 8, 3) : 0,
    ];
  });
  const raw = weighted.concat(
    products.map((p) => {
      const r = net.layers[p.layerIndex];
      const inShape = r?.inShapes[0];
      return [
        Math.max(0, p.holder - 0.5),
        0,
        0,
        inShape?.channels ?? 0,
        r?.outShape.channels ?? 0,
        0,
        1,
        0,
        Math.log(1 + (inShape?.height ?? 1) * (inShape?.width ?? 1)),
        0,
        p.drop3,
      ];
    }),
  );
  const width = raw[0]?.length ?? 0;
  for (let k = 0; k < width; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const row of raw) {
      lo = Math.min(lo, row[k] ?? 0);
      hi = Math.max(hi, row[k] ?? 0);
    }
    for (const row of raw) row[k] = hi > lo ? ((row[k] ?? 0) - lo) / (hi - lo) : 0;
  }
  return raw;
}

/**
 * Optional features after the STATE_SIZE ones (SearchSettings.stateExtras): whether the layer's activation bits
 * are coupled with another free layer's (readers of one stored tensor, rule 2), whether an earlier step already
 * set that tensor's bits (the layer follows), and the layer's pressure in the best plan so far (its stage time, or
 * its fed non-weighted layers', over the bottleneck: which layers bind). HAQ: none.
 */
export const STATE_EXTRAS = 3;

export function stateVector(features: readonly number[], previousAction: readonly number[], budgetSpent = 0, coresSpent = 0, extras: readonly number[] = []): Float64Array {
  const s = new Float64Array(STATE_SIZE + extras.length);
  extras.forEach((v, k) => (s[STATE_SIZE + k] = Math.min(1, Math.max(0, v))));
  features.forEach((v, k) => (s[k] = v));
  s[STATE_SIZE - 4] = Math.min(1, Math.max(0, budgetSpent));
  s[STATE_SIZE - 3] = Math.min(1, Math.max(0, coresSpent));
  s[STATE_SIZE - 2] = previousAction[0] ?? 0;
  s[STATE_SIZE - 1] = previousAction[1] ?? 0;
  return s;
}

/** HAQ's mapping of a continuous action in [0, 1] to bits: round(min - 0.5 + a * (max - min + 1)), clamped. */
export function actionToBits(action: number, minBits: number, maxBits: number): number {
  const b = Math.round(minBits - 0.5 + action * (maxBits - minBits + 1));
  return Math.min(maxBits, Math.max(minBits, b));
}

/** The action at the centre of a bit value's interval (stored in the replay buffer for realised bits). */
export function bitsToAction(bits: number, minBits: number, maxBits: number): number {
  return (bits - minBits + 0.5) / (maxBits - minBits + 1);
}
