import { presetArch } from '../arch/presets';
import type { ArchSpec } from '../arch/types';
import { resolveNetwork } from '../workloads/shapes';
import { zooNames, zooNetwork } from '../workloads/zoo';
import { prepareModel, evaluateModel } from '../optimizer/model';
import { buildTables, coresFor, stageCycles, type ReplicationTables } from '../optimizer/replication/tables';
import { allCandidates } from '../optimizer/replication/candidates';
import { exactOnCandidates, exactThroughput } from '../optimizer/replication/exact';
import { checkReplicationAnswer, crossCheckReplication, replicationMilp, solveReplicationMilp } from '../optimizer/replication/milp-model';
import { coreBudget } from '../optimizer/replication/budget';
import type { ObjectiveSpec } from '../optimizer/replication/objective';
import { highsBackend } from '../optimizer/milp/highs';
import { jslpBackend } from '../optimizer/milp/jslp';
import type { MilpBackend, MilpSolution } from '../optimizer/milp/problem';
import { chipAreaMm2 } from '../arch/area';
import { ExternalToolError } from '../errors';
import { baselineChoices } from '../arch/plan';
import { thrown } from './helpers/thrown';

function spec(ref: number): ObjectiveSpec {
  return { kind: 'throughput', mixWeight: 0.5, refBottleneckCycles: ref, refLatencyProxyCycles: ref };
}

/** Brute force: every replica vector with r_l in 1..rMax, best bottleneck within the core budget. */
function bruteForce(tables: ReplicationTables, budget: number, rMax: number): number {
  let best = Infinity;
  const n = tables.layers.length;
  const r = new Array<number>(n).fill(1);
  for (;;) {
    let cores = 0;
    let z = tables.globalFloorCycles;
    tables.layers.forEach((t, i) => {
      cores += coresFor(t, r[i] ?? 1, tables.crossbarsPerCore);
      z = Math.max(z, stageCycles(t, r[i] ?? 1));
    });
    if (cores <= budget) best = Math.min(best, z);
    let k = 0;
    while (k < n && (r[k] ?? 1) === rMax) r[k++] = 1;
    if (k === n) return best;
    r[k] = (r[k] ?? 1) + 1;
  }
}

describe('exact replication', () => {
  test('equals brute force on tiny instances (independent enumeration)', () => {
    let seed = 7;
    const rand = (m: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return 1 + (seed % m);
    };
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + (trial % 3);
      const tables: ReplicationTables = {
        crossbarsPerCore: 4,
        globalFloorCycles: trial % 5 === 0 ? rand(50) : 0,
        layers: [...Array(n).keys()].map((pos) => ({
          pos,
          name: `l${pos}`,
          isFc: trial % 7 === 3 && pos === n - 1,
          pixels: rand(30),
          perMvmCycles: rand(9),
          crossbarsPerReplica: rand(6),
          floorCycles: trial % 4 === 1 ? rand(20) : 0,
          latencyWeight: 0.5,
        })),
      };
      const minCores = tables.layers.reduce((s, t) => s + coresFor(t, 1, 4), 0);
      const budget = minCores + rand(8) - 1;
      const exact = exactThroughput(tables, budget);
      // rMax 31 > pixels: every useful r of a conv is enumerated; fc gains stop at the budget anyway.
      expect(exact.bottleneckCycles).toBeCloseTo(bruteForce(tables, budget, 31), 9);
      expect(exact.cores).toBeLessThanOrEqual(budget);
    }
  });

  test('by hand: P = 10 pixels, 3 cycles per MVM, 1 crossbar per replica, 2 crossbars per core, 3 cores', () => {
    const tables: ReplicationTables = {
      crossbarsPerCore: 2,
      globalFloorCycles: 0,
      layers: [{ pos: 0, name: 'a', isFc: false, pixels: 10, perMvmCycles: 3, crossbarsPerReplica: 1, floorCycles: 0, latencyWeight: 1 }],
    };
    // 3 cores hold 6 replicas: ceil(10 / 6) = 2 MVMs -> 6 cycles; r = 5 gives the same 2 MVMs with fewer cores.
    const s = exactThroughput(tables, 3);
    expect(s.bottleneckCycles).toBe(6);
    expect(s.replicas).toEqual([5]);
    expect(s.cores).toBe(3);
  });
});

function bigArch(name: 'puma'): ArchSpec {
  const arch = presetArch(name);
  // vgg16 needs more tiles than the preset chip has at 8 bits; the check is about the solvers, not the chip.
  // Large eDRAM too: line-buffer capacity checks are the placement's business, not the solvers'.
  return { ...arch, chip: { ...arch.chip, tiles: 400 }, tile: { ...arch.tile, edram: { ...arch.tile.edram, capacityKb: 1 << 20 } } };
}

describe('replication MILP agrees with the exact algorithm on every zoo network', () => {
  for (const name of zooNames()) {
    test(`${name}: jslp and HiGHS bottleneck == exact (8-bit and 4-bit middle layers)`, async () => {
      const arch = bigArch('puma');
      const net = resolveNetwork(zooNetwork(name));
      const ctx = prepareModel(arch, net);
      const n = net.weightedIndices.length;
      const base = evaluateModel(ctx, baselineChoices(n));
      const budget = base.tilesUsed * arch.tile.cores;
      for (const bits of [8, 4]) {
        const w = [...Array(n).keys()].map((i) => (i === 0 || i === n - 1 ? 8 : bits));
        const atOne = evaluateModel(ctx, { wbits: w, abits: w, replicas: new Array(n).fill(1) });
        const tables = buildTables(ctx, w, w, atOne);
        const cands = allCandidates(tables, budget);
        const exact = exactOnCandidates(tables, cands, budget);
        for (const backend of [jslpBackend, highsBackend]) {
          const r = await solveReplicationMilp(backend, tables, cands, budget, spec(base.bottleneckCycles), exact, 20);
          expect(r.solution.bottleneckCycles).toBe(exact.bottleneckCycles);
          expect(r.solution.cores).toBeLessThanOrEqual(budget);
        }
      }
    }, 60000);
  }
});

describe('solver answers are checked', () => {
  const tables: ReplicationTables = {
    crossbarsPerCore: 2,
    globalFloorCycles: 0,
    layers: [
      { pos: 0, name: 'a', isFc: false, pixels: 8, perMvmCycles: 2, crossbarsPerReplica: 2, floorCycles: 0, latencyWeight: 1 },
      { pos: 1, name: 'b', isFc: false, pixels: 4, perMvmCycles: 2, crossbarsPerReplica: 2, floorCycles: 0, latencyWeight: 1 },
    ],
  };
  const budget = 4;
  const cands = allCandidates(tables, budget);
  const problem = replicationMilp(tables, cands, budget, spec(16));
  const exact = exactOnCandidates(tables, cands, budget);
  const answer = (values: Record<string, number>, claimedIntegral: boolean): MilpSolution => ({ status: 'optimal', objective: 0, values, claimedIntegral, detail: 'fake', wallMs: 0 });

  test('a fractional answer (jslp on timeout) is rejected', () => {
    const values = { z: 0.5, x0_0: 0.5, x0_1: 0.5, x1_0: 1, n0: 1.5, n1: 1 };
    expect(() => checkReplicationAnswer('jslp', problem, answer(values, true), tables, cands, budget, exact)).toThrow(ExternalToolError);
    expect(() => checkReplicationAnswer('jslp', problem, answer(values, true), tables, cands, budget, exact)).toThrow(/non-integral/);
  });

  test('an over-budget answer is rejected', () => {
    const last = (l: number): number => (cands[l]?.length ?? 1) - 1;
    const values: Record<string, number> = { z: 0 };
    values[`x0_${last(0)}`] = 1;
    values[`x1_${last(1)}`] = 1;
    const cores = (cands[0]?.[last(0)]?.cores ?? 0) + (cands[1]?.[last(1)]?.cores ?? 0);
    expect(cores).toBeGreaterThan(budget);
    expect(() => checkReplicationAnswer('highs', problem, answer(values, true), tables, cands, budget)).toThrow(/over the budget/);
  });

  test('an answer worse than the exact optimum is rejected', () => {
    const values: Record<string, number> = { z: 1, x0_0: 1, x1_0: 1 };
    expect(exact.bottleneckCycles).toBeLessThan(16);
    expect(() => checkReplicationAnswer('highs', problem, answer(values, true), tables, cands, budget, exact)).toThrow(/differs from the exact/);
  });

  // `lrmp optimize --network resnet50 --set adc.bits=6` stopped with exit 2: jslp ran out of time on the cross-check.
  test('as a cross-check of the exact answer, a solver out of time costs the check, not the run; a wrong answer still fails', async () => {
    const replying = (reply: MilpSolution): MilpBackend => ({ name: 'jslp', solve: () => Promise.resolve(reply) });
    const late = await crossCheckReplication(replying({ ...answer({}, false), status: 'timeout', wallMs: 30_000 }), tables, cands, budget, spec(16), exact);
    expect(late.solution).toBeUndefined();
    expect(late.unfinished).toMatch(/'jslp' did not finish in its 30 s; the exact algorithm's replication stands/);
    const wrong = replying(answer({ z: 1, x0_0: 1, x1_0: 1 }, true));
    await expect(crossCheckReplication(wrong, tables, cands, budget, spec(16), exact)).rejects.toThrow(/differs from the exact/);
    const right = await crossCheckReplication(highsBackend, tables, cands, budget, spec(16), exact);
    expect([right.unfinished, right.solution?.bottleneckCycles]).toEqual([undefined, exact.bottleneckCycles]);
  });
});

describe('core budget', () => {
  test('default is the whole tiles of the baseline; --area-mm2 takes the most tiles that fit', () => {
    const arch = presetArch('puma');
    expect(coreBudget(arch, 24).cores).toBe(24 * arch.tile.cores);
    const area = chipAreaMm2(arch, 30) + 1e-9;
    expect(coreBudget(arch, 24, { areaMm2: area }).tiles).toBe(30);
    expect(coreBudget(arch, 24, { tiles: 30 }).cores).toBe(30 * arch.tile.cores);
    expect(() => coreBudget(arch, 24, { tiles: 10, areaMm2: area })).toThrow(/^--area-mm2 is given with --tiles 10; allowed: one area budget: --tiles or --area-mm2, not both\.$/);
  });

  test('a budget below the baseline is refused (the r = 1 plan every variant starts from would not fit), naming the least allowed', () => {
    const arch = presetArch('puma');
    expect(coreBudget(arch, 24, { tiles: 24 }).tiles).toBe(24);
    expect(() => coreBudget(arch, 24, { tiles: 23 })).toThrow(/^--tiles is 23; allowed: an integer from 24 \(the tiles of the 8-bit r = 1 baseline\) to 138 \(the chip's tiles\)\.$/);
    const least = chipAreaMm2(arch, 24);
    expect(coreBudget(arch, 24, { areaMm2: least }).tiles).toBe(24);
    const shown = /at least ([0-9.]+) mm2/.exec(thrown(() => coreBudget(arch, 24, { areaMm2: least - 1e-6 })).message)?.[1];
    // The least area shown is rounded up: typing it back is accepted.
    expect(coreBudget(arch, 24, { areaMm2: Number(shown) }).tiles).toBe(24);
  });
});
