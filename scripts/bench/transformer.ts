import { presetArch } from '../../arch/presets';
import { evaluateModel, prepareModel } from '../../optimizer/model';
import { simulate } from '../../sim';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNetwork } from '../../workloads/zoo';
import { median, medianRatePerS } from './measure';

/** ViT-B/16 on the xformer preset (the zoo's largest encoder: 12 blocks of 196 token rows). */
function vitB16() {
  const net = resolveNetwork(zooNetwork('vit-b16'));
  const n = net.weightedIndices.length;
  const uniform = (bits: number) => ({ wbits: Array<number>(n).fill(bits), abits: Array<number>(n).fill(bits), replicas: Array<number>(n).fill(1) });
  return { arch: presetArch('xformer'), net, uniform };
}

/** Full analytical evaluations of ViT-B/16 per second, alternating two plans so no result can be reused. */
export function analyticalEvalsPerSVitB16(): number {
  const { arch, net, uniform } = vitB16();
  const ctx = prepareModel(arch, net);
  const plans = [uniform(8), uniform(6)];
  let k = 0;
  for (let i = 0; i < 10; i++) evaluateModel(ctx, plans[i % 2] ?? uniform(8));
  return medianRatePerS(() => evaluateModel(ctx, plans[k++ % 2] ?? uniform(8)), 3, 1000);
}

/** Wall time of an 8-image simulation of ViT-B/16 (8-bit, r = 1), median of 3 after one warm-up run. */
export async function simVitB16_8imgWallS(): Promise<number> {
  const { arch, net, uniform } = vitB16();
  await simulate(arch, net, uniform(8), { images: 2, loneLatency: false });
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await simulate(arch, net, uniform(8), { images: 8, loneLatency: false });
    times.push((performance.now() - start) / 1000);
  }
  return median(times);
}
