import { evaluateModel } from '../../optimizer/model';
import { CandidateEvaluator, type EvaluatedCandidate } from '../../optimizer/search/evaluator';
import { defaultSearchSettings, rlSearch } from '../../optimizer/search/rl-search';
import { polish } from '../../optimizer/search/polish';
import { setup } from '../search-study';

/**
 * Why RL seeds stop on a plateau (issue 17): runs the default RL search for a network at two seeds (the low plan's
 * and the high plan's), prints both plans (bits, replicas, the top stages and what binds them), the layers whose
 * bits differ, then walks from the low plan to the high one a bit at a time (each step: every one-bit move of a
 * differing layer toward the high plan, scored as the agent's episodes are, repaired to the budget; the best kept)
 * and prints the img/s along that path: equal figures are a plateau (no reward signal), lower ones a valley.
 * Usage: node dist/scripts/probe/plateau-path.js resnet18 1 4 [polish] (polish: the high plan is its RL plan polished,
 * as the search study's RL + polish row).
 */
const [netName = 'resnet18', lowSeed = '1', highSeed = '4', highPolished = ''] = process.argv.slice(2);

async function main(): Promise<void> {
  const p = setup(netName);
  const imgs = (c: EvaluatedCandidate): number => (c.feasible ? p.baseImagesPerS / c.cost : 0);
  const run = async (seed: number, polished: boolean): Promise<EvaluatedCandidate> => {
    const settings = defaultSearchSettings(p.net, { seed });
    const rlEvaluator = new CandidateEvaluator(p.ctx, p.oracle, p.settings);
    const res = await rlSearch(p.net, rlEvaluator, settings);
    if (!res.best) throw new Error(`seed ${seed}: no plan`);
    if (!polished) return res.best;
    const pol = await polish(rlEvaluator, res.best, { fixedLayers: settings.fixedLayers, pairs: true, maxEvaluations: settings.polishEvaluations });
    return pol.best;
  };
  const low = await run(Number(lowSeed), false);
  const high = await run(Number(highSeed), highPolished === 'polish');
  const evaluator = new CandidateEvaluator(p.ctx, p.oracle, p.settings);
  const groups = evaluator.activationGroups();
  const describe = (label: string, c: EvaluatedCandidate): void => {
    const m = evaluateModel(p.ctx, { wbits: c.wbits, abits: c.abits, replicas: c.replicas, ...(c.productBits ? { productBits: c.productBits } : {}) });
    const stages = m.layers.filter((l) => l !== undefined).sort((x, y) => y.stageCycles - x.stageCycles);
    console.log(`\n${label}: ${imgs(c).toFixed(1)} img/s, bottleneck ${m.bottleneckCycles.toFixed(1)} cycles (${m.bottleneckLayer}), cores ${c.coresUsed}/${p.settings.budgetCores}, drop ${c.dropPct.toFixed(3)} pt`);
    console.log(`  w ${c.wbits.join(' ')}\n  a ${c.abits.join(' ')}\n  r ${c.replicas.join(' ')}`);
    console.log(`  top stages: ${stages.slice(0, 6).map((l) => `${l.name} ${l.stageCycles.toFixed(0)} (${l.boundBy}; compute ${l.computeCycles.toFixed(0)}, noc-in ${l.nocInCycles.toFixed(0)})`).join('; ')}`);
  };
  describe(`low (seed ${lowSeed})`, low);
  describe(`high (seed ${highSeed})`, high);
  const n = low.wbits.length;
  const diff: string[] = [];
  let distance = 0;
  for (let i = 0; i < n; i++) {
    const dw = (high.wbits[i] ?? 0) - (low.wbits[i] ?? 0);
    const da = (high.abits[i] ?? 0) - (low.abits[i] ?? 0);
    distance += Math.abs(dw) + Math.abs(da);
    if (dw !== 0 || da !== 0) diff.push(`${i}${groups[i] !== i ? `(g${groups[i]})` : ''}: w ${low.wbits[i]}->${high.wbits[i]} a ${low.abits[i]}->${high.abits[i]} r ${low.replicas[i]}->${high.replicas[i]}`);
  }
  console.log(`\nlayers differing: ${diff.length} of ${n}, bit distance ${distance}\n  ${diff.join('\n  ')}`);
  console.log(`coupled groups (position: group): ${groups.map((g, i) => (g !== i ? `${i}:${g}` : '')).filter((s) => s).join(' ')}`);
  // Slack of a plan by compute alone (no model evaluation): the cores every layer needs for its compute to reach the
  // plan's bottleneck interval (spare = budget - that), and the compute-only interval the budget reaches (cores.ts's
  // replica levels, binary search over all levels).
  const levels = (wb: readonly number[], ab: readonly number[]): number[] => {
    const all = new Set<number>();
    for (let t = p.settings.budgetCores * 1e9, k = 0; k < 4000; k++) {
      const next = evaluator.nextStageBelow(wb, ab, t);
      if (next === undefined) break;
      all.add(next);
      t = next;
    }
    return [...all];
  };
  const coresNeeded = (wb: readonly number[], ab: readonly number[], cycles: number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += evaluator.coresAt(i, wb[i] ?? 8, ab[i] ?? 8, cycles);
    return sum;
  };
  const slack = (c: EvaluatedCandidate): string => {
    const spare = p.settings.budgetCores - coresNeeded(c.wbits, c.abits, c.bottleneckCycles);
    const lv = levels(c.wbits, c.abits).sort((x, y) => y - x);
    let lo = 0;
    let hi = lv.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (coresNeeded(c.wbits, c.abits, lv[mid] ?? 0) <= p.settings.budgetCores) lo = mid;
      else hi = mid - 1;
    }
    const reach = lv[lo] ?? 0;
    let work = 0;
    for (let i = 0; i < n; i++) work += evaluator.work(i, c.wbits[i] ?? 8, c.abits[i] ?? 8);
    // deficitRank's signal (CandidateEvaluator.deficitCores): cores short of reaching 0.99 x the interval, floors fixed / scaled.
    const target = 0.99 * c.bottleneckCycles;
    const deficit = `deficit ${evaluator.deficitCores(c, target, 'fixed')} / ${evaluator.deficitCores(c, target, 'scaled')}`;
    return `spare ${spare} cores, compute-only interval ${reach.toFixed(0)}, work ${(work / 1e6).toFixed(2)}M, ${deficit}`;
  };
  console.log(`slack low: ${slack(low)}; high: ${slack(high)}`);
  // Greedy walk: at each step, every one-bit move toward the high plan, scored with the repair as the agent sees it.
  const w = [...low.wbits];
  const a = [...low.abits];
  let current = imgs(await evaluator.evaluate(w, a));
  console.log(`\nwalk (start ${current.toFixed(1)} img/s): step, move kept, its img/s, moves higher / equal / lower than the plan before the step`);
  let bestWalk: EvaluatedCandidate | undefined;
  for (let step = 1; ; step++) {
    const moves: Array<{ label: string; at: number[]; kind: 'w' | 'a'; img: number; c: EvaluatedCandidate }> = [];
    for (let i = 0; i < n; i++) {
      for (const kind of ['w', 'a'] as const) {
        const bits = kind === 'w' ? w : a;
        const target = (kind === 'w' ? high.wbits : high.abits)[i] ?? 0;
        const cur = bits[i] ?? 0;
        if (cur === target) continue;
        const next = [...bits];
        next[i] = cur + Math.sign(target - cur);
        const c = await evaluator.evaluate(kind === 'w' ? next : w, kind === 'a' ? next : a);
        moves.push({ label: `${kind}${i} ${cur}->${next[i]}`, at: next, kind, img: imgs(c), c });
      }
    }
    if (moves.length === 0) break;
    moves.sort((x, y) => y.img - x.img);
    const best = moves[0];
    if (best === undefined) break;
    const higher = moves.filter((m) => m.img > current * (1 + 1e-9)).length;
    const equal = moves.filter((m) => Math.abs(m.img - current) <= current * 1e-9).length;
    console.log(`  ${step}: ${best.label} -> ${best.img.toFixed(1)} (${higher} / ${equal} / ${moves.length - higher - equal}) ${slack(best.c)}`);
    current = best.img;
    if (best.img > (bestWalk ? imgs(bestWalk) : 0)) bestWalk = best.c;
    if (best.kind === 'w') w.splice(0, n, ...best.at);
    else a.splice(0, n, ...best.at);
  }
  if (bestWalk) describe('best plan on the walk', bestWalk);
}

void main();
