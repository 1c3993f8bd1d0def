/**
 * The model's single-image latency recurrence (optimizer/model/latency.ts rowLatencyCycles: one flat row array,
 * aliased free layers skipped, special loops for one- and two-input layers) against its plain reference
 * (latency-reference.ts: every layer's own rows, one general loop) on the zoo, at the baseline and at a replicated
 * mixed-precision plan: the same latency, and the one the evaluation reported.
 */
import { presetArch } from '../arch/presets';
import { uncontendedArch } from '../arch/overrides';
import { baselineChoices } from '../arch/plan';
import type { ArchSpec } from '../arch/types';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { planTerms } from '../optimizer/model/evaluate';
import { rowLatencyCycles } from '../optimizer/model/latency';
import { referenceRowLatency } from '../optimizer/model/latency-reference';
import { mixedReplicatedChoices, zoo } from './helpers/model-fixtures';

function compare(arch: ArchSpec, name: string): void {
  const net = zoo(name);
  const ctx = prepareModel(arch, net);
  const n = net.weightedIndices.length;
  for (const choices of [baselineChoices(n), mixedReplicatedChoices(n)]) {
    const t = planTerms(ctx, choices);
    const args = [ctx, t.placement, t.mappings, choices, t.stages, t.traffic, t.inputBits, t.storedBits] as const;
    const ref = referenceRowLatency(...args);
    const fast = rowLatencyCycles(...args);
    expect([name, fast]).toEqual([name, ref.latencyCycles]);
    // Every layer's own last row, fast (read where the flat array keeps it) and plain.
    for (const l of ctx.layers) {
      const own = ref.rowFinish.get(l.index) ?? [];
      // To rounding: the fast loops add a row's input delay and fixed time in another order (GPT-2's fc2 on PUMA: 1 ulp).
      const fast = ctx.rowScratch[l.rowSource + l.outRows - 1] ?? NaN;
      const plain = own[own.length - 1] ?? NaN;
      expect([name, l.name, Math.abs(fast - plain) <= 1e-9 * Math.abs(plain)]).toEqual([name, l.name, true]);
    }
    expect([name, evaluateModel(ctx, choices).latencyCycles]).toEqual([name, fast]);
  }
}

describe('latency: the fast recurrence matches its plain reference', () => {
  const cnns = ['resnet18', 'resnet50', 'vgg16', 'mobilenetv2', 'alexnet', 'resnet20', 'vgg8', 'lenet5-mnist'];
  it.each(cnns)('%s on PUMA (1024 tiles)', (name) => compare({ ...presetArch('puma'), chip: { tiles: 1024 } }, name));
  it.each(['deit-tiny', 'deit-s', 'vit-b16', 'bert-base', 'gpt2'])('%s on xformer (1024 tiles)', (name) =>
    compare({ ...presetArch('xformer'), chip: { tiles: 1024 } }, name),
  );
  // Layers sharing a digital unit one after another (unit-run.ts): ISAAC's fused activations and pools, GPT-2's
  // attention products on PUMA's units.
  it.each(['resnet18', 'mobilenetv2', 'vgg8', 'lenet5-mnist'])('%s on ISAAC (1024 tiles)', (name) => compare({ ...presetArch('isaac'), chip: { tiles: 1024 } }, name));
  it('gpt2 on PUMA, uncontended (1024 tiles)', () => compare(uncontendedArch({ ...presetArch('puma'), chip: { tiles: 1024 } }), 'gpt2'));
});
