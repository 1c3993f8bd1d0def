import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import { prepareModel, evaluateModel } from '../optimizer/model';
import { coreBudget } from '../optimizer/replication/budget';
import { replicateForPrecisions } from '../optimizer/replication/replicate';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { archForBaseline } from '../scripts/commands/reproduce';

// The RL plan of the search study's ResNet-50 seed 1 (session 4): weight / activation bits per weighted layer.
const PLAN = '8/8 3/2 3/2 4/4 4/4 4/4 4/3 4/5 4/4 4/3 5/4 4/4 4/4 5/5 5/5 4/4 5/4 5/5 4/4 5/4 5/5 4/4 4/4 5/5 4/4 5/5 5/5 5/5 4/4 5/4 4/4 5/6 5/3 5/4 4/5 5/5 5/4 4/5 5/4 4/3 5/6 5/3 5/4 5/5 5/5 5/3 6/4 4/4 6/5 4/3 5/5 5/4 5/3 8/8';

describe('replication refinement takes the floors of the replicated placement', () => {
  test('ResNet-50 on PUMA iso-area: a global floor seen only at r = 1 does not hold the plan back', () => {
    const net = resolveNetwork(zooNetwork('resnet50'));
    const given = archForBaseline(presetArch('puma'), net).arch;
    const baseTiles = evaluateModel(prepareModel(given, net), baselineChoices(net.weightedIndices.length)).tilesUsed;
    const budget = coreBudget(given, baseTiles, {});
    const ctx = prepareModel({ ...given, chip: { ...given.chip, tiles: budget.tiles } }, net);
    const pairs = PLAN.split(' ').map((p) => p.split('/').map(Number));
    const wbits = pairs.map((p) => p[0] ?? 8);
    const abits = pairs.map((p) => p[1] ?? 8);
    const spec = { kind: 'throughput' as const, mixWeight: 0.5, refBottleneckCycles: 1, refLatencyProxyCycles: 1 };
    const atOne = evaluateModel(ctx, { wbits, abits, replicas: new Array<number>(wbits.length).fill(1) });
    const once = replicateForPrecisions(ctx, { wbits, abits }, budget.cores, spec, { refLatencyCycles: atOne.latencyCycles, refinements: 0 });
    const refined = replicateForPrecisions(ctx, { wbits, abits }, budget.cores, spec, { refLatencyCycles: atOne.latencyCycles });
    // Solved on the r = 1 placement's floors alone the plan stops at that placement's global floor (277,268 cycles
    // when measured); the replicated placement has no such floor, and the refined solve goes past it (246,960).
    expect(refined.model.bottleneckCycles).toBeLessThan(0.95 * once.model.bottleneckCycles);
    expect(refined.model.bottleneckCycles).toBe(evaluateModel(ctx, refined.choices).bottleneckCycles);
    expect(refined.model.coresUsed).toBeLessThanOrEqual(budget.cores);
  });
});
