import { presetArch } from '../../arch/presets';
import { evaluateModel, prepareModel } from '../../optimizer/model';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNetwork } from '../../workloads/zoo';
import { medianRatePerS } from './measure';

/**
 * Full-network analytical evaluations of ResNet-50 on PUMA per second (stage terms, traffic routing, latency
 * recurrence, energy), after the one-time prepareModel. Alternates two plans so no result can be reused.
 */
export function analyticalEvalsPerS(): number {
  const net = resolveNetwork(zooNetwork('resnet50'));
  const ctx = prepareModel(presetArch('puma'), net);
  const n = net.weightedIndices.length;
  const plans = [8, 6].map((bits) => ({
    wbits: Array<number>(n).fill(bits),
    abits: Array<number>(n).fill(bits),
    replicas: Array.from({ length: n }, (_, i) => (i === 0 ? 4 : 1)),
  }));
  let k = 0;
  for (let i = 0; i < 200; i++) evaluateModel(ctx, plans[i % 2] ?? plans[0]!);
  return medianRatePerS(() => evaluateModel(ctx, plans[k++ % 2]!));
}
