import { applySetOverrides } from '../../arch/overrides';
import { presetArch } from '../../arch/presets';
import type { ArchSpec } from '../../arch/types';
import { BASELINE_BITS, BASELINE_REPLICAS, type PlanChoices } from '../../arch/plan';
import { resolveNetwork } from '../../workloads/shapes';
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
