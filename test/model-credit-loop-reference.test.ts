/**
 * The model's speed-first credit-loop term (optimizer/model/credit-loop.ts creditLoopBounds: index tables, link
 * stamps, reciprocals) against its plain reference (credit-loop-reference.ts) on the zoo, at the baseline and at a
 * replicated mixed-precision plan: every layer's bound agrees, and is the one the evaluation charged.
 */
import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import type { ArchSpec } from '../arch/types';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { creditLoopBounds } from '../optimizer/model/credit-loop';
import { referenceCreditLoopBounds } from '../optimizer/model/credit-loop-reference';
import { creditLoopArgs } from '../optimizer/model/credit-loop-args';
import { stageTableOf } from '../optimizer/model/stage-table';
import { fillStoredBits } from '../optimizer/model/context';
import { mixedReplicatedChoices, withoutCreditLoop, zoo } from './helpers/model-fixtures';

function compare(arch: ArchSpec, name: string): number {
  const net = zoo(name);
  const ctx = prepareModel(arch, net);
  const n = net.weightedIndices.length;
  let charged = 0;
  for (const choices of [baselineChoices(n), mixedReplicatedChoices(n)]) {
    const result = evaluateModel(ctx, choices);
    const stages = result.layers.map(withoutCreditLoop);
    // Stages the term did not raise keep their time: the reconstruction is what the evaluation started from.
    result.layers.forEach((s, i) => {
      if (s.boundBy !== 'credit-loop') expect([s.name, stages[i]?.stageCycles]).toEqual([s.name, s.stageCycles]);
    });
    const stored = fillStoredBits(ctx, result.placement.operandBits);
    const { inputs, params } = creditLoopArgs(ctx, result.placement, stageTableOf(stages), stored);
    // The model's scratch still holds this plan's placement and traffic (nothing was evaluated since).
    const fast = Array.from(creditLoopBounds(ctx.creditLoop, ctx.traffic, result.placement, ctx.readSlots, inputs, params));
    const ref = referenceCreditLoopBounds(ctx, result.placement, inputs, params);
    expect(fast.length).toBe(ref.length);
    for (let i = 0; i < ref.length; i++) {
      const x = fast[i] ?? 0;
      const y = ref[i] ?? 0;
      if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(y))) expect([name, net.layers[i]?.layer.name, x]).toEqual([name, net.layers[i]?.layer.name, y]);
    }
    for (const s of result.layers) {
      if (s.kind === 'input' || (fast[s.index] ?? 0) <= 0 || ctx.layers[s.index]?.role === 'free') continue;
      expect([s.name, s.creditLoopCycles]).toEqual([s.name, fast[s.index]]);
      charged++;
    }
  }
  return charged;
}

describe('credit loop: the fast routine matches its plain reference', () => {
  const cnns = ['resnet18', 'resnet50', 'vgg16', 'mobilenetv2', 'alexnet', 'resnet20', 'vgg8', 'lenet5-mnist'];
  it.each(cnns)('%s on PUMA (1024 tiles)', (name) => {
    const charged = compare({ ...presetArch('puma'), chip: { tiles: 1024 } }, name);
    // The residual networks' forks and the larger networks' channels put the term on some layers.
    if (['resnet18', 'resnet50', 'mobilenetv2'].includes(name)) expect(charged).toBeGreaterThan(0);
  });
  it.each(['deit-tiny', 'deit-s', 'vit-b16', 'bert-base', 'gpt2'])('%s on xformer (1024 tiles; whole-input channels)', (name) => {
    expect(compare({ ...presetArch('xformer'), chip: { tiles: 1024 } }, name)).toBeGreaterThan(0);
  });
});
