import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel, evaluateModel } from '../optimizer/model';
import { proxyOracle } from '../optimizer/accuracy/proxy';
import { jointOptions, prepareJoint } from '../optimizer/joint/joint-milp';

// optimize prepares the joint MILP's floors and tables once for its several solves; a solve with learned floors
// must leave the shared tables as they were (each option list copies the table it raises).
test('joint option lists from a shared preparation equal fresh ones, after a solve with raised floors', () => {
  const arch = presetArch('puma');
  const net = resolveNetwork(zooNetwork('vgg8'));
  const ctx = prepareModel(arch, net);
  const n = net.weightedIndices.length;
  const base = evaluateModel(ctx, baselineChoices(n));
  const settings = {
    budgetCores: base.tilesUsed * arch.tile.cores,
    spec: { kind: 'throughput' as const, mixWeight: 0.5, refBottleneckCycles: base.bottleneckCycles, refLatencyProxyCycles: base.latencyCycles },
    accuracyBudgetPct: 1,
    fixedLayers: [0, n - 1],
  };
  const oracle = proxyOracle(net);
  const prepared = prepareJoint(ctx, settings.fixedLayers);
  // Layer 1's floor raised at every activation precision: all its options carry it.
  const raised = net.weightedIndices.map((_, i) => (i === 1 ? { 2: 1e9, 3: 1e9, 4: 1e9, 5: 1e9, 6: 1e9, 7: 1e9, 8: 1e9 } : {}));
  const withFloors = jointOptions(ctx, oracle, { ...settings, floorAtLeast: raised }, prepared);
  expect(withFloors.options[1]?.every((o) => o.stageCycles >= 1e9)).toBe(true);
  expect(jointOptions(ctx, oracle, settings, prepared)).toEqual(jointOptions(ctx, oracle, settings));
  expect(() => jointOptions(ctx, oracle, { ...settings, fixedLayers: [0] }, prepared)).toThrow(/other fixed layers/);
});
