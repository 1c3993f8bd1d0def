import { applySetOverrides } from '../../arch/overrides';
import { presetArch } from '../../arch/presets';
import type { ArchSpec } from '../../arch/types';
import { BASELINE_BITS, BASELINE_REPLICAS, type PlanChoices } from '../../arch/plan';
import { resolveNetwork } from '../../workloads/shapes';
import { NetworkBuilder } from '../../workloads/builder';
import { zooNetwork } from '../../workloads/zoo';
import type { Network, ResolvedNetwork } from '../../workloads/types';
import type { LayerStage } from '../../optimizer/model/types';

/** A preset with data movement made practically free, so only crossbar timing shows. */
export function uncontendedArch(name: 'puma' | 'isaac' = 'puma'): ArchSpec {
  return applySetOverrides(presetArch(name), [
    'noc.linkFlitsPerCycle=1000000',
    'noc.routerLatencyCycles=0',
    'tile.edram.accessesPerCycle=1000000',
    'tile.digital.opsPerCycle=1000000',
    'offChip.bandwidthGBps=1000000000',
  ]);
}

export function zoo(name: string): ResolvedNetwork {
  return resolveNetwork(zooNetwork(name));
}

/**
 * A replicated mixed-precision plan for `n` weighted layers (weights 4-8 bits, activations 5-8, 1-3 replicas and 10
 * on the first layer): the second plan the plain references are compared at.
 */
export function mixedReplicatedChoices(n: number): PlanChoices {
  return {
    wbits: Array.from({ length: n }, (_, i) => 4 + (i % 5)),
    abits: Array.from({ length: n }, (_, i) => 8 - (i % 4)),
    replicas: Array.from({ length: n }, (_, i) => 1 + (i % 3) + (i === 0 ? 9 : 0)),
  };
}

/**
 * A stage's time as it stood before the credit-loop term (which comes last, at the interval the others give): the
 * largest of its other terms. Its boundBy stays as charged ('credit-loop' where the term raised it), so it is no
 * input to the latency recurrence, which leaves out a line-buffer bound (evaluate.ts planTerms has those stages).
 */
export function withoutCreditLoop(s: LayerStage): LayerStage {
  const stageCycles = Math.max(
    s.computeCycles, s.shiftAddCycles, s.nocInCycles, s.nocOutCycles, s.meshLinkCycles, s.edramCycles, s.digitalCycles,
    s.attentionCycles, s.offChipCycles, s.lineBufferCycles, s.portQueueCycles,
  );
  return { ...s, stageCycles };
}

export function uniformChoices(net: ResolvedNetwork, wbits = BASELINE_BITS, abits = BASELINE_BITS, replicas = BASELINE_REPLICAS): PlanChoices {
  const n = net.weightedIndices.length;
  return { wbits: Array(n).fill(wbits), abits: Array(n).fill(abits), replicas: Array(n).fill(replicas) };
}

/** Two 3x3 convolutions (pad 1) on a 1x4x4 input: small enough to work the pipeline out by hand. */
export function twoConvChain(): Network {
  const conv = (name: string, inputs: string[]) => ({
    kind: 'conv' as const,
    name,
    inputs,
    outChannels: 8,
    kernel: [3, 3] as [number, number],
    stride: [1, 1] as [number, number],
    pad: [1, 1, 1, 1] as [number, number, number, number],
    dilation: [1, 1] as [number, number],
    groups: 1,
    bias: false,
  });
  return {
    name: 'two-conv',
    input: { channels: 1, height: 4, width: 4 },
    layers: [conv('a', ['input']), conv('b', ['a'])],
  };
}

/**
 * A DenseNet-like block (the credit-loop tests, s88 and s90): conv0 (7x7, stride 2), a 1x1 conv1, P (a 3x3 stride-2 max
 * pool, or a 3x3 stride-2 conv); `dense` dense layers k, each a ReLU r_k of the concat of P and the earlier c's, a 1x1
 * conv b_k (128, ReLU fused) and a 3x3 conv c_k (32, pad 1); rF, the ReLU of the concat of all, and a 1x1 conv t.
 */
export function denseBlock(dense: number, pool: boolean): ResolvedNetwork {
  const b = new NetworkBuilder('dense-block', { channels: 3, height: 64, width: 64 });
  b.conv('conv0', 64, 7, { stride: 2, pad: 3 });
  b.relu('relu0');
  b.conv('conv1', 64, 1);
  const p = pool ? b.maxPool('p', 3, { stride: 2, pad: 1 }) : b.conv('p', 64, 3, { stride: 2, pad: 1 });
  const feats = [p];
  for (let k = 1; k <= dense; k++) {
    b.relu(`r${k}`, { from: feats.length === 1 ? p : b.concat(`cat${k}`, [...feats]) });
    b.conv(`b${k}`, 128, 1);
    b.relu(`rb${k}`);
    feats.push(b.conv(`c${k}`, 32, 3, { pad: 1 }));
  }
  b.relu('rF', { from: b.concat('catF', [...feats]) });
  b.conv('t', 128, 1);
  return resolveNetwork(b.build());
}
