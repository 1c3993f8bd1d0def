import { bitsAt } from '../../arch/plan';
import type { ResolvedNetwork } from '../../workloads/types';
import { ValidationError } from '../../errors';
import type { AccuracyOracle, PrecisionChoice } from './types';
import { calibrationFor, fitNoiseBase, type Calibration } from './calibration';

/**
 * The separable accuracy proxy (optimizer/README.md, "Accuracy proxy"):
 *   drop = sum_l s_l^w * q(w_l) + s_l^a * q(a_l),   q(b) = (rho^(8-b) - 1) / (rho^5 - 1)   (q(3) = 1, q(8) = 0)
 * s_l is the drop (points) of layer l alone at 3 bits. From `network.sensitivities` when given, else defaults:
 * relative weight 1, x3 for the first and last weighted layers, x3 for depthwise layers, split evenly between
 * weights and activations, scaled so that all layers but the first and last at 3 bits cost d3 (the
 * calibration point); rho is fitted to the 2-bit point d2.
 */
export interface ProxyParameters {
  rho: number;
  weight: number[];
  activation: number[];
  calibration: Calibration;
  referenceAccuracyPct: number;
}

export const FIRST_LAST_FACTOR = 3;
export const DEPTHWISE_FACTOR = 3;

export function noiseFactor(rho: number, bits: number): number {
  if (bits >= 8) return 0;
  return (rho ** (8 - bits) - 1) / (rho ** 5 - 1);
}

export function proxyParameters(net: ResolvedNetwork, calibration: Calibration = calibrationFor(net.network.name)): ProxyParameters {
  const n = net.weightedIndices.length;
  const relative = net.weightedIndices.map((layerIndex, pos) => {
    const layer = net.layers[layerIndex]?.layer;
    let r = 1;
    if (pos === 0 || pos === n - 1) r *= FIRST_LAST_FACTOR;
    if (layer?.kind === 'conv' && layer.groups > 1) r *= DEPTHWISE_FACTOR;
    return r;
  });
  let middle = 0;
  relative.forEach((r, pos) => {
    if (pos !== 0 && pos !== n - 1) middle += r;
  });
  // Two terms (weights, activations) per layer share the layer's relative weight.
  const scale = n > 2 && middle > 0 ? calibration.d3 / middle : calibration.d3 / Math.max(1, relative.reduce((a, b) => a + b, 0));
  const weight = relative.map((r) => (r * scale) / 2);
  const activation = relative.map((r) => (r * scale) / 2);
  const given = net.network.sensitivities ?? {};
  net.weightedIndices.forEach((layerIndex, pos) => {
    const name = net.layers[layerIndex]?.layer.name ?? '';
    const s = Object.prototype.hasOwnProperty.call(given, name) ? given[name] : undefined;
    if (s === undefined) return;
    for (const [key, value] of [['weight', s.weight], ['activation', s.activation]] as const) {
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new ValidationError(net.network.name, `sensitivities.${name}.${key}`, String(value), 'a number >= 0 (points of top-1 at 3 bits)');
      }
    }
    weight[pos] = s.weight;
    activation[pos] = s.activation;
  });
  return {
    rho: fitNoiseBase(calibration.d3, calibration.d2),
    weight,
    activation,
    calibration,
    referenceAccuracyPct: net.network.floatAccuracyPct ?? calibration.fpAccuracyPct,
  };
}

/** The proxy as an AccuracyOracle (synchronous underneath; separable, so it offers layerDropPct). */
export function proxyOracle(net: ResolvedNetwork, calibration?: Calibration): AccuracyOracle & { parameters: ProxyParameters } {
  const p = proxyParameters(net, calibration);
  const layerDropPct = (i: number, wbits: number, abits: number): number =>
    (p.weight[i] ?? 0) * noiseFactor(p.rho, wbits) + (p.activation[i] ?? 0) * noiseFactor(p.rho, abits);
  const drop = (choice: PrecisionChoice): number => {
    let sum = 0;
    for (let i = 0; i < p.weight.length; i++) sum += layerDropPct(i, bitsAt(choice.wbits, i), bitsAt(choice.abits, i));
    return sum;
  };
  return {
    kind: 'proxy',
    parameters: p,
    referenceAccuracyPct: () => Promise.resolve(p.referenceAccuracyPct),
    accuracyPct: (choice) => Promise.resolve(p.referenceAccuracyPct - drop(choice)),
    layerDropPct,
  };
}
