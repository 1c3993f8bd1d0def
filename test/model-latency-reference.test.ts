/**
 * The model's single-image latency recurrence (optimizer/model/latency.ts rowLatencyCycles: aliased free layers
 * skipped, special-case loops for one- and two-input element-wise layers) against its plain form (`plain`: every
 * layer's own rows through the general loop) on the zoo, at the baseline and at a replicated mixed plan: the same
 * latency, and the one the evaluation reported.
 */
import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import type { ArchSpec } from '../arch/types';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { fillStoredBits } from '../optimizer/model/context';
import { rowLatencyCycles } from '../optimizer/model/latency';
import { routeTraffic } from '../optimizer/model/traffic';
import { mixedReplicatedChoices, withoutCreditLoop, zoo } from './helpers/model-fixtures';

function compare(arch: ArchSpec, name: string): void {
  const net = zoo(name);
  const ctx = prepareModel(arch, net);
  const n = net.weightedIndices.length;
  const input = net.network.input;
  for (const choices of [baselineChoices(n), mixedReplicatedChoices(n)]) {
    const result = evaluateModel(ctx, choices);
    // The recurrence runs before the credit-loop term (a steady-state bound) is applied.
    const stages = result.layers.map(withoutCreditLoop);
    const stored = fillStoredBits(ctx, result.placement.operandBits);
    const traffic = routeTraffic(ctx, result.placement, stored);
    const inputBits = input.channels * input.height * input.width * (stored[0] ?? 0);
    const args = [ctx, result.placement, result.mappings, choices, stages, traffic, inputBits, stored] as const;
    const fast = rowLatencyCycles(...args);
    const plain = rowLatencyCycles(...args, true);
    expect([name, fast]).toEqual([name, plain]);
    expect([name, fast]).toEqual([name, result.latencyCycles]);
  }
}

describe('latency: the fast recurrence matches its plain form', () => {
  const cnns = ['resnet18', 'resnet50', 'vgg16', 'mobilenetv2', 'alexnet', 'resnet20', 'vgg8', 'lenet5-mnist'];
  it.each(cnns)('%s on PUMA (1024 tiles)', (name) => compare({ ...presetArch('puma'), chip: { tiles: 1024 } }, name));
  it.each(['deit-tiny', 'gpt2'])('%s on xformer (1024 tiles)', (name) => compare({ ...presetArch('xformer'), chip: { tiles: 1024 } }, name));
});
