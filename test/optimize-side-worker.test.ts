import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel, evaluateModel } from '../optimizer/model';
import { proxyOracle } from '../optimizer/accuracy/proxy';
import { buildTables, layerTable } from '../optimizer/replication/tables';
import { defaultSearchSettings } from '../optimizer/search/rl-search';
import { startSideSearches } from '../optimizer/side/side-runner';
import type { SideJob } from '../optimizer/side/side-searches';
import { optimize } from '../optimizer/lrmp';

const net = resolveNetwork(zooNetwork('lenet5-mnist'));
const arch = presetArch('puma');

function job(): SideJob {
  const ctx = prepareModel(arch, net);
  const n = net.weightedIndices.length;
  const base = evaluateModel(ctx, baselineChoices(n));
  const spec = { kind: 'throughput' as const, mixWeight: 0.5, refBottleneckCycles: base.bottleneckCycles, refLatencyProxyCycles: base.latencyCycles };
  const { onEpisode, ...settings } = defaultSearchSettings(net, { episodes: 20, seed: 5, topK: 2 });
  void onEpisode;
  const budgetCores = base.tilesUsed * arch.tile.cores * 2;
  return {
    arch: { ...arch, chip: { ...arch.chip, tiles: base.tilesUsed * 2 } },
    net,
    settings,
    evaluatorSettings: { budgetCores, spec, refLatencyCycles: base.latencyCycles, accuracyBudgetPct: 1 },
    jointSettings: { budgetCores, spec, accuracyBudgetPct: 1, fixedLayers: settings.fixedLayers },
    refLatencyCycles: base.latencyCycles,
  };
}

// The random search and the exact MILPs run in a worker thread next to the RL search: the worker rebuilds the
// context and the proxy oracle from plain data, so its answers must be the in-process ones, bit for bit.
test('side work in a worker thread answers as in-process; optimize gives the same result either way', async () => {
  const j = job();
  const ctx = prepareModel(j.arch, net);
  const rl = { wbits: net.weightedIndices.map(() => 6), abits: net.weightedIndices.map(() => 5), replicas: net.weightedIndices.map(() => 2) };
  const answers = [];
  for (const useWorker of [true, false]) {
    const side = startSideSearches(ctx, proxyOracle(net), j, useWorker);
    expect(side.inWorker).toBe(useWorker);
    try {
      answers.push({ first: await side.first(), joint: await side.joint(rl) });
    } finally {
      await side.close();
    }
  }
  expect(answers[0]?.joint.pick).toBeDefined();
  expect(answers[0]).toEqual(answers[1]);

  const run = (sideWorker: boolean) =>
    optimize(arch, net, proxyOracle(net), { objective: 'mix', accuracyBudgetPct: 1, episodes: 10, seed: 2, milp: 'jslp', topK: 2, workers: -1, sideWorker });
  const [inWorker, inProcess] = [await run(true), await run(false)];
  for (const r of [inWorker, inProcess]) {
    r.wallS = 0;
    r.replicationCheck.milpMs = 0;
  }
  expect(inWorker).toEqual(inProcess);
  expect(inWorker.rows.map((r) => r.variant)).toEqual(['baseline', 'replication only', 'mixed precision only', 'LRMP (RL)', 'LRMP (RL + polish)', 'LRMP (random search)', 'LRMP (exact joint)']);
});

test('a failing side worker rejects the answer it owes (no unhandled rejection, no hang)', async () => {
  const j = job();
  const side = startSideSearches(prepareModel(j.arch, net), proxyOracle(net), { ...j, arch: { ...j.arch, tile: undefined as never } }, true);
  try {
    await expect(side.first()).rejects.toThrow(/side worker/);
  } finally {
    await side.close();
  }
});

test("a layer's table reads only its own bits (prepareJoint builds one layer's table, not the network's)", () => {
  const ctx = prepareModel(arch, net);
  const n = net.weightedIndices.length;
  const wbits = [...Array(n).keys()].map((i) => 2 + ((i * 3) % 7));
  const abits = [...Array(n).keys()].map((i) => 8 - ((i * 5) % 7));
  const at = evaluateModel(ctx, { wbits, abits, replicas: new Array<number>(n).fill(1) });
  const tables = buildTables(ctx, wbits, abits, at);
  tables.layers.forEach((t, i) => expect(layerTable(ctx, i, wbits[i] as number, abits[i] as number, at)).toEqual(t));
});
