/**
 * Which packing a plan runs on (arch/packing-choice.ts): the rule, the capacities packed at, and the property it exists
 * for: with twice the eDRAM the chip chooses among the packings the smaller chip chose among plus its own densest.
 */
import { presetArch } from '../arch/presets';
import { applySetOverrides } from '../arch/overrides';
import { chosenPacking, ladderCapacitiesKb, NO_WORSE_SLACK, packingLadder } from '../arch/packing-choice';
import type { Placement } from '../arch/placement';
import type { ArchSpec } from '../arch/types';
import { baselineChoices, bitsAt, type PlanChoices } from '../arch/plan';
import { cachedMapping } from '../optimizer/model/context';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { evaluateModelAt } from '../optimizer/model/evaluate';
import { replicateForPrecisions } from '../optimizer/replication/replicate';
import { suitePlans } from '../scripts/metamorphic/suite';
import type { ResolvedNetwork } from '../workloads/types';
import { zoo } from './helpers/model-fixtures';

function ladderOf(arch: ArchSpec, net: ResolvedNetwork, choices: PlanChoices): Placement[] {
  const ctx = prepareModel(arch, net);
  const mappings = net.weightedIndices.map((_, pos) => cachedMapping(ctx, pos, bitsAt(choices.wbits, pos), bitsAt(choices.abits, pos)));
  return packingLadder(arch, net, ctx.flow, mappings, choices.replicas, ctx.placement, choices.productBits);
}

/** A packing's layout: where each weighted layer starts and each layer computes. */
const layout = (p: Placement): string => JSON.stringify([p.tilesUsed, p.weighted.map((w) => w.firstCore), p.layerTiles]);

describe('packing choice', () => {
  it('chooses the fastest packing, and among equally fast ones the shortest latency, ties to the denser', () => {
    const f = (intervalCycles: number, latencyCycles: number) => ({ intervalCycles, latencyCycles });
    expect(chosenPacking([f(1000, 5000)])).toBe(0);
    expect(chosenPacking([f(1000, 5100), f(1000, 5000)])).toBe(1);
    // Within NO_WORSE_SLACK counts as equal: the denser stays.
    expect(chosenPacking([f(1000, 5000 * (1 + NO_WORSE_SLACK / 2)), f(1000 * (1 - NO_WORSE_SLACK / 2), 5000)])).toBe(0);
    // Faster with a longer latency (ISAAC ResNet-50's replicated plan, 2x eDRAM: +59% throughput, +2% latency): kept.
    expect(chosenPacking([f(700, 5150), f(1000, 5000)])).toBe(0);
    expect(chosenPacking([f(1010, 4000), f(1000, 5000), f(1000, 4500)])).toBe(2);
  });

  it('packs at the chip\'s eDRAM halved down to the reference capacity, and only above it', () => {
    const isaac = presetArch('isaac');
    expect(ladderCapacitiesKb(isaac)).toEqual([64]);
    expect(ladderCapacitiesKb(applySetOverrides(isaac, ['tile.edram.capacityKb=32']))).toEqual([32]);
    expect(ladderCapacitiesKb(applySetOverrides(isaac, ['tile.edram.capacityKb=256']))).toEqual([256, 128, 64]);
    expect(ladderCapacitiesKb(applySetOverrides(isaac, ['tile.edram.capacityKb=96']))).toEqual([96]);
  });

  it('with twice the eDRAM, a plan is never slower nor its latency longer (ISAAC AlexNet, baseline)', () => {
    const net = zoo('alexnet');
    const [baseline] = suitePlans(presetArch('isaac'), net);
    const { arch, choices } = baseline as ReturnType<typeof suitePlans>[number];
    const more = applySetOverrides(arch, [`tile.edram.capacityKb=${2 * arch.tile.edram.capacityKb}`]);
    // The larger chip's packings below its own are the smaller chip's (its one, at the reference capacity).
    const ladder = ladderOf(more, net, choices).map(layout);
    expect(ladder.slice(1)).toEqual(ladderOf(arch, net, choices).map(layout));
    expect(ladder[0]).not.toEqual(ladder[1]);
    const before = evaluateModel(prepareModel(arch, net), choices);
    const after = evaluateModel(prepareModel(more, net), choices);
    // Before packings were compared: throughput -0.00%, latency +2.22%.
    expect(after.bottleneckCycles).toBeLessThanOrEqual(before.bottleneckCycles * (1 + NO_WORSE_SLACK));
    expect(after.latencyCycles).toBeLessThanOrEqual(before.latencyCycles * (1 + NO_WORSE_SLACK));
  });
});

describe('packing choice sees the mesh (issue 13, item 4)', () => {
  /**
   * xformer ResNet-50's replicated plan on a 63-tile chip (the chip the suite used when xformer's baseline took 63
   * tiles): with a 2x faster ADC the compute-bound interval halves, the load-aware packing moves two layers off a
   * shared port and takes 58 tiles, and a mesh link into layer1.1.conv3's and layer1.2's tiles then bounds the plan
   * (790,272 cycles per image against 451,584, -42.9% throughput before the model chose between the packings).
   */
  const net = zoo('resnet50');
  const xformer = presetArch('xformer');
  const chip: ArchSpec = { ...xformer, chip: { ...xformer.chip, tiles: 63 } };
  const replicatedOn63 = (): PlanChoices => {
    const n = net.weightedIndices.length;
    const baseline = baselineChoices(n);
    const base = evaluateModel(prepareModel({ ...xformer, chip: { ...xformer.chip, tiles: 4096 } }, net), baseline);
    const spec = { kind: 'throughput' as const, mixWeight: 0.5, refBottleneckCycles: base.bottleneckCycles, refLatencyProxyCycles: 1 };
    return replicateForPrecisions(prepareModel(chip, net), { wbits: baseline.wbits, abits: baseline.abits }, 63 * chip.tile.cores, spec, {
      refLatencyCycles: base.latencyCycles,
    }).choices;
  };

  it('a faster ADC runs the slower chip\'s packing when the load-aware one is mesh-bound, and is never slower', () => {
    const choices = replicatedOn63();
    for (const set of [`adc.sampleRateGsps=${2 * chip.adc.sampleRateGsps}`, `adc.perCrossbar=${2 * chip.adc.perCrossbar}`]) {
      const fast = applySetOverrides(chip, [set]);
      const before = evaluateModel(prepareModel(chip, net), choices);
      const after = evaluateModel(prepareModel(fast, net), choices);
      // The faster chip's ladder offers a load-aware packing on more tiles that a mesh link bounds, and the packing
      // the slower chip runs; the model keeps the latter.
      const ladder = ladderOf(fast, net, choices);
      const slowerLayout = layout(before.placement);
      expect(ladder.map(layout)).toContain(slowerLayout);
      const spread = ladder.filter((p) => p.tilesUsed > before.tilesUsed).map((p) => evaluateModelAt(prepareModel(fast, net), choices, p));
      expect(spread.length).toBeGreaterThan(0);
      for (const m of spread) {
        expect(m.layers.find((l) => l.stageCycles === m.bottleneckCycles)?.boundBy).toBe('mesh-link');
        expect(m.bottleneckCycles).toBeGreaterThan(before.bottleneckCycles * 1.5);
      }
      expect(layout(after.placement)).toEqual(slowerLayout);
      // The same packing with faster compute: no stage slower, the lone image shorter.
      expect(after.bottleneckCycles).toBeLessThanOrEqual(before.bottleneckCycles * (1 + NO_WORSE_SLACK));
      expect(after.latencyCycles).toBeLessThan(before.latencyCycles);
    }
  }, 60_000);
});

describe('relief packings (issue 13, item 4)', () => {
  /**
   * A seeded random ISAAC ResNet-18 plan (scripts/probe/more-resource.ts, seed 95): the 1x chip's load-aware walk
   * moves a layer off a shared tile and the plan is compute-bound at layer1.0.conv1 (2,634,240 cycles, 45 tiles);
   * with 2x digital ops the walk moves nothing and the plain packing (44 tiles) is held by layer1.0.conv2's credit
   * loop, 2,852,584 cycles (+8.3%) before the model weighed relief packings. The 2x chip's packing placed as if its
   * digital units were half as fast is the 1x chip's.
   */
  const net = zoo('resnet18');
  const isaac = presetArch('isaac');
  const choices: PlanChoices = {
    wbits: [6, 6, 4, 8, 3, 8, 7, 4, 7, 7, 8, 4, 8, 4, 8, 2, 4, 4, 6, 8, 6],
    abits: [2, 7, 6, 5, 2, 5, 8, 7, 3, 6, 4, 3, 2, 2, 6, 7, 3, 6, 4, 6, 2],
    replicas: [2, 1, 1, 1, 1, 2, 2, 1, 2, 1, 3, 3, 1, 6, 5, 1, 3, 2, 1, 1, 3],
  };

  it('a chip with 2x digital ops runs the packing the 1x chip chose by load, not its credit-bound plain one', () => {
    const fast = applySetOverrides(isaac, [`tile.digital.opsPerCycle=${2 * isaac.tile.digital.opsPerCycle}`]);
    const before = evaluateModel(prepareModel(isaac, net), choices);
    const after = evaluateModel(prepareModel(fast, net), choices);
    expect(before.tilesUsed).toBe(45);
    // The 2x chip's own ladder is the credit-bound plain packing alone.
    const ladder = ladderOf(fast, net, choices);
    expect(ladder.length).toBe(1);
    const plain = evaluateModelAt(prepareModel(fast, net), choices, ladder[0] as Placement);
    expect(plain.layers.find((l) => l.stageCycles === plain.bottleneckCycles)?.boundBy).toBe('credit-loop');
    expect(plain.bottleneckCycles).toBeGreaterThan(before.bottleneckCycles * 1.05);
    expect(layout(after.placement)).toEqual(layout(before.placement));
    expect(after.bottleneckCycles).toBeLessThanOrEqual(before.bottleneckCycles * (1 + NO_WORSE_SLACK));
  });
});
