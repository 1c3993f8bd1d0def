/**
 * The model's speed-first per-tile loads and stage terms (optimizer/model/tile-times.ts tileTimes and stages.ts stageTerms:
 * scratch arrays, closure-free fused ops, cached per-tile maxima, unrolled max) against their plain reference
 * (stage-reference.ts: maps, forEachTileShare, a table of terms) on the zoo, at the baseline and at a replicated
 * mixed-precision plan: every tile's loads, every layer's terms, stage time and bound agree.
 */
import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import type { ArchSpec } from '../arch/types';
import { offChipBitsPerCycle } from '../arch/timing';
import { prepareModel } from '../optimizer/model';
import { planTerms } from '../optimizer/model/evaluate';
import { referenceStageTerms, referenceTileTimes } from '../optimizer/model/stage-reference';
import type { LayerStage } from '../optimizer/model/types';
import { mixedReplicatedChoices, zoo } from './helpers/model-fixtures';

/** Equal up to the rounding of sums taken in another order. */
function close(what: unknown[], x: number, y: number): void {
  if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(y))) expect([...what, x]).toEqual([...what, y]);
}

const TERMS: [keyof LayerStage, string][] = [
  ['computeCycles', 'compute'], ['shiftAddCycles', 'shift-add'], ['nocInCycles', 'noc-in'], ['nocOutCycles', 'noc-out'],
  ['meshLinkCycles', 'mesh-link'], ['edramCycles', 'edram'], ['digitalCycles', 'digital'], ['attentionCycles', 'attention'],
  ['offChipCycles', 'off-chip'], ['lineBufferCycles', 'line-buffer'], ['portQueueCycles', 'port-queue'],
];

/** Compares both plans of one network; returns the bounds its stages showed. */
function compare(arch: ArchSpec, name: string): Set<string> {
  const net = zoo(name);
  const ctx = prepareModel(arch, net);
  const n = net.weightedIndices.length;
  const bounds = new Set<string>();
  for (const choices of [baselineChoices(n), mixedReplicatedChoices(n)]) {
    const t = planTerms(ctx, choices);
    const ref = referenceTileTimes(ctx, t.placement, t.mappings, choices, t.traffic, t.storedBits);
    for (let tile = 0; tile < t.placement.tilesUsed; tile++) {
      for (const key of ['edramBits', 'edramSq', 'inject', 'eject', 'edram', 'digital', 'attention'] as const) {
        close([name, key, tile], t.times[key][tile] ?? 0, ref[key].get(tile) ?? 0);
      }
    }
    const stages = referenceStageTerms(ctx, t.placement, t.mappings, choices, t.traffic, ref, t.inputBits / offChipBitsPerCycle(arch));
    for (const s of t.stages) {
      const r = stages.get(s.index);
      if (r === undefined) {
        expect([s.name, s.stageCycles]).toEqual([s.name, 0]);
        continue;
      }
      for (const [field, term] of TERMS) close([name, s.name, term], s[field] as number, r.terms[term as keyof typeof r.terms]);
      close([name, s.name, 'stage'], s.stageCycles, r.stageCycles);
      expect([name, s.name, s.boundBy]).toEqual([name, s.name, r.boundBy]);
      bounds.add(s.boundBy);
    }
  }
  return bounds;
}

describe('stage terms: the fast tile loads and stages match their plain reference', () => {
  const cnns = ['resnet18', 'resnet50', 'vgg16', 'mobilenetv2', 'alexnet', 'resnet20', 'vgg8', 'lenet5-mnist'];
  const seen = new Set<string>();
  it.each(cnns)('%s on PUMA (1024 tiles)', (name) => {
    for (const b of compare({ ...presetArch('puma'), chip: { tiles: 1024 } }, name)) seen.add(b);
  });
  it.each(['deit-tiny', 'deit-s', 'vit-b16', 'bert-base', 'gpt2'])('%s on xformer (1024 tiles)', (name) => {
    for (const b of compare({ ...presetArch('xformer'), chip: { tiles: 1024 } }, name)) seen.add(b);
  });
  it('the zoo exercises several bounds', () => {
    // The port-queue term (compared above in every stage) binds in none of these plans: each replica reads its next
    // row job during the current one's MVMs (rule 5), which hide its waits; compute then bounds where nothing else does.
    for (const b of ['compute', 'edram', 'noc-in', 'noc-out', 'mesh-link', 'line-buffer', 'digital', 'attention']) expect([b, seen.has(b)]).toEqual([b, true]);
  });
});
