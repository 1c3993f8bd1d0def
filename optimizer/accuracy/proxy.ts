import { bitsAt } from '../../arch/plan';
import type { ResolvedNetwork } from '../../workloads/types';
import { ValidationError } from '../../errors';
import type { AccuracyOracle, PrecisionChoice } from './types';
import { ATTENTION_MAP_DEFAULT, calibrationFor, fitNoiseBase, type Calibration } from './calibration';
import { analyzeDataflow, operandBits } from '../../arch/dataflow';

/**
 * The separable accuracy proxy (optimizer/README.md, "Accuracy proxy"):
 *   drop = sum_l s_l^w * q(w_l) + s_l^a * q(a_l),   q(b) = (rho^(8-b) - 1) / (rho^5 - 1)   (q(3) = 1, q(8) = 0)
 * s_l is the drop (points) of layer l alone at 3 bits. From `network.sensitivities` when given, else defaults:
 * relative weight 1, x3 for the first and last weighted layers, x3 for depthwise layers, split between weights
 * and activations in the calibration's published proportion (Calibration.weightShare3; 0.5 without evidence),
 * scaled so that all layers but the first and last at 3 bits cost d3 (the calibration point); rho is fitted per
 * term (weights, activations) to its share of the 2-bit point d2.
 *
 * Transformers (docs/hardware-model.md rule 8) add what the calibration points (linear layers quantized, attention
 * at full precision) leave out:
 * - a term per product of two activations at its operand bits (PlanChoices.productBits, by default the abits of the
 *   weighted layer reading its output, so the search pays for the attention's precision through that layer):
 *   Q.K^T's operands are projection outputs, charged like a middle layer's activation term; A.V's first operand is
 *   the softmax output (its input, the scores, is stored at the same bits by rule 2), whose power-law distribution
 *   makes it the sensitive one: all A.V terms together cost the network's FQ-ViT 8 -> 4-bit attention-map drop
 *   (calibration.ts attentionMap4BitDropPct) at 4 bits, with plain post-training noise (rho = 4: every bit removed
 *   quadruples the noise power);
 * - layers reading a LayerNorm's output (Q/K/V, the MLP's first layer) get LAYERNORM_READER_FACTOR on their
 *   activation term (post-LayerNorm activations vary across channels far more than CNN activations: FQ-ViT, Lin et
 *   al., IJCAI 2022; the factor is an ASSUMPTION), renormalised so the calibration points still hold: the weight
 *   terms and the activation terms are each scaled to their share of d3.
 * Transformer calibrations, the published points they reproduce and where the proxy is known to be wrong:
 * transformer-calibration.ts and test/transformer-calibration.test.ts.
 */
export interface ProxyParameters {
  /** Noise base of the weight terms, fitted to the weights' share of d3 and d2. */
  rhoWeight: number;
  /** Noise base of the activation terms (and of Q.K^T's operands), fitted to the activations' share. */
  rhoActivation: number;
  weight: number[];
  activation: number[];
  /** Per product of two activations (arch/attention.ts productLayerIndices order): drop at 3 bits, points. */
  product: number[];
  /** Per product: its noise base (the network's rho for Q.K^T, PRODUCT_PTQ_RHO for A.V). */
  productRho: number[];
  /** Per product: the weighted layer (position) whose abits it takes by default, or -1. */
  productReader: number[];
  calibration: Calibration;
  referenceAccuracyPct: number;
}

export const FIRST_LAST_FACTOR = 3;
export const DEPTHWISE_FACTOR = 3;
/** ASSUMPTION (see above): post-LayerNorm activations cost twice a plain activation's drop. */
export const LAYERNORM_READER_FACTOR = 2;
/** Plain uniform-quantization noise (each bit removed quadruples it): attention maps, post-training. */
export const PRODUCT_PTQ_RHO = 4;

export function noiseFactor(rho: number, bits: number): number {
  if (bits >= 8) return 0;
  return (rho ** (8 - bits) - 1) / (rho ** 5 - 1);
}

/** noiseFactor(rho, bits) for one rho, memoised per whole bit count (the searches ask millions of times). */
function memoisedNoise(rho: number): (bits: number) => number {
  const byBits: number[] = [];
  return (bits) => {
    if (!(Number.isInteger(bits) && bits >= 0 && bits < 64)) return noiseFactor(rho, bits);
    return (byBits[bits] ??= noiseFactor(rho, bits));
  };
}

export function proxyParameters(net: ResolvedNetwork, calibration: Calibration = calibrationFor(net.network.name)): ProxyParameters {
  const n = net.weightedIndices.length;
  const flow = analyzeDataflow(net);
  const relative = net.weightedIndices.map((layerIndex, pos) => {
    const layer = net.layers[layerIndex]?.layer;
    let r = 1;
    if (pos === 0 || pos === n - 1) r *= FIRST_LAST_FACTOR;
    if (layer?.kind === 'conv' && layer.groups > 1) r *= DEPTHWISE_FACTOR;
    return r;
  });
  // Two terms (weights, activations) per layer share the layer's relative weight in the calibration's proportion at
  // 3 bits; a LayerNorm's readers' activation term is LAYERNORM_READER_FACTOR times larger.
  const share3 = calibration.weightShare3 ?? 0.5;
  const share2 = calibration.weightShare2 ?? 0.5;
  const relW = relative.map((r) => r * share3);
  const relA = net.weightedIndices.map((layerIndex, pos) => {
    const p = flow.layers[layerIndex]?.dataInputs[0]?.producer ?? -1;
    const source = net.layers[p]?.layer;
    return (relative[pos] ?? 1) * (1 - share3) * (source?.kind === 'norm' && source.fn === 'layer' ? LAYERNORM_READER_FACTOR : 1);
  });
  let middle = 0;
  let all = 0;
  let middleW = 0;
  let middleA = 0;
  for (let pos = 0; pos < n; pos++) {
    const both = (relW[pos] ?? 0) + (relA[pos] ?? 0);
    all += both;
    if (pos !== 0 && pos !== n - 1) (middle += both), (middleW += relW[pos] ?? 0), (middleA += relA[pos] ?? 0);
  }
  const scale = n > 2 && middle > 0 ? calibration.d3 / middle : calibration.d3 / Math.max(1, all);
  // LayerNorm readers tilt the activations' part above share3: each part is scaled to its own share of d3, so the
  // calibration points hold at mixed weight and activation bits too (no LayerNorm: the one scale already does).
  const tilted = middleW > 0 && middleA > 0 && Math.abs(middleW / (middleW + middleA) - share3) > 1e-12;
  const scaleW = tilted ? (calibration.d3 * share3) / middleW : scale;
  const scaleA = tilted ? (calibration.d3 * (1 - share3)) / middleA : scale;
  const weight = relW.map((r) => r * scaleW);
  const activation = relA.map((r) => r * scaleA);
  // Each term's 3 -> 2-bit growth from its own share of the two points (the weights' and activations' curves differ:
  // LQ-Nets' ResNet-18 weights lose 2.3x from 3 to 2 bits, its activations 2.8x).
  const rhoWeight = fitNoiseBase(calibration.d3 * share3, calibration.d2 * share2);
  const rho = fitNoiseBase(calibration.d3 * (1 - share3), calibration.d2 * (1 - share2));
  // Products of two activations: Q.K^T like a middle layer's activation term; A.V from the attention-map point.
  let middleActivation = 0;
  for (let pos = 1; pos < n - 1; pos++) middleActivation += (relative[pos] ?? 1) * (1 - share3) * scaleA;
  middleActivation /= Math.max(1, n - 2);
  const isAv = flow.products.map((li) => {
    const l = net.layers[li]?.layer;
    return l?.kind === 'matmul' && !l.transB;
  });
  const avCount = isAv.filter(Boolean).length;
  const mapDrop = calibration.attentionMap4BitDropPct ?? ATTENTION_MAP_DEFAULT.dropPct;
  const product = isAv.map((av) => (av ? mapDrop / noiseFactor(PRODUCT_PTQ_RHO, 4) / Math.max(1, avCount) : middleActivation));
  const productRho = isAv.map((av) => (av ? PRODUCT_PTQ_RHO : rho));
  const productReader = flow.productDefaultReaders.map((readers) => readers[0] ?? -1);
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
    rhoWeight,
    rhoActivation: rho,
    weight,
    activation,
    product,
    productRho,
    productReader,
    calibration,
    referenceAccuracyPct: net.network.floatAccuracyPct ?? calibration.fpAccuracyPct,
  };
}

/** The proxy as an AccuracyOracle (synchronous underneath; separable, so it offers layerDropPct). */
export function proxyOracle(net: ResolvedNetwork, calibration?: Calibration): ProxyOracle {
  return proxyOracleOf(net, proxyParameters(net, calibration));
}

export type ProxyOracle = AccuracyOracle & { parameters: ProxyParameters };

/** A proxy oracle made by proxyOracle (its parameters rebuild it elsewhere, e.g. in a worker thread). */
export function isProxyOracle(oracle: AccuracyOracle): oracle is ProxyOracle {
  return oracle.kind === 'proxy' && 'parameters' in oracle;
}

/** The proxy oracle of given parameters (plain data: a worker thread rebuilds the same oracle from them). */
export function proxyOracleOf(net: ResolvedNetwork, p: ProxyParameters): ProxyOracle {
  const flow = analyzeDataflow(net);
  const n = p.weight.length;
  const productTerm = (j: number, bits: number): number => (p.product[j] ?? 0) * noiseFactor(p.productRho[j] ?? PRODUCT_PTQ_RHO, bits);
  /** Products taking each weighted layer's abits by default (PlanChoices.productBits absent, as in the search). */
  const defaulted: number[][] = Array.from({ length: n }, () => []);
  p.productReader.forEach((pos, j) => {
    if (pos >= 0) defaulted[pos]?.push(j);
  });
  const weightNoise = memoisedNoise(p.rhoWeight);
  const activationNoise = memoisedNoise(p.rhoActivation);
  const ownDropPct = (i: number, wbits: number, abits: number): number => (p.weight[i] ?? 0) * weightNoise(wbits) + (p.activation[i] ?? 0) * activationNoise(abits);
  // Separable form for the search and the joint MILP: a layer's term carries the products that follow its abits.
  const layerDropPct = (i: number, wbits: number, abits: number): number => {
    let sum = ownDropPct(i, wbits, abits);
    for (const j of defaulted[i] ?? []) sum += productTerm(j, abits);
    return sum;
  };
  const drop = (choice: PrecisionChoice): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += ownDropPct(i, bitsAt(choice.wbits, i), bitsAt(choice.abits, i));
    const bits = operandBits(flow, choice.abits, choice.productBits);
    for (let j = 0; j < p.product.length; j++) sum += productTerm(j, bits[n + j] ?? 8);
    return sum;
  };
  return {
    kind: 'proxy',
    parameters: p,
    referenceAccuracyPct: () => Promise.resolve(p.referenceAccuracyPct),
    accuracyPct: (choice) => Promise.resolve(p.referenceAccuracyPct - drop(choice)),
    layerDropPct,
    productDropPct: productTerm,
    productDefaultLayer: p.productReader,
  };
}
