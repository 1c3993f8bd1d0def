/**
 * The search study (issue 17, docs/validation.md "Search study"): for each network and seed, LRMP's RL search,
 * random search with the same number of episodes (evaluations) and, run on, with as many as RL + polish, and the RL plan's local polishing, against a
 * best-known plan per network: the best of an independent reference search (a long seeded random search
 * refined by local search and path relinking; it sees nothing of the runs), the runs' best plans relinked, plans
 * held from earlier work (search-study/known-plans.ts, re-scored each run) and every plan the runs found. Throughput objective,
 * 1-point accuracy budget, proxy oracle, PUMA at iso-area (the chip enlarged to the 8-bit baseline's tiles when
 * it does not fit, as `reproduce` does); analytical figures only. Every plan is scored after the layout step, as
 * `optimize` delivers it (search-study/layout.ts; --layout 0: as the searches left them, the study before s91).
 *
 *   node dist/scripts/search-study.js [--networks a,b] [--seeds 1,2,3,4,5] [--episodes 600]
 *        [--search-settings haq,...] [--reference-samples 5000] [--relink 1] [--layout 1] [--out study.md]
 *
 * --relink 0: no path relinking, neither in the reference search nor between the runs' plans (the best-known before
 * session 13's s69).
 *
 * Runs one process, sequentially: about 1-3 minutes per network on one free core at the defaults.
 */
import { baselineChoices } from '../arch/plan';
import { presetArch } from '../arch/presets';
import { prepareModel, evaluateModel } from '../optimizer/model';
import { proxyOracle } from '../optimizer/accuracy/proxy';
import { coreBudget } from '../optimizer/replication/budget';
import { CandidateEvaluator, type EvaluatorSettings } from '../optimizer/search/evaluator';
import { polish } from '../optimizer/search/polish';
import { REFERENCE_RELINK_GROW, REFERENCE_RELINK_POLISH, REFERENCE_RELINK_STEPS, referenceSearch } from '../optimizer/search/reference';
import { distinctPlans, relinkPool } from '../optimizer/search/relink';
import type { EvaluatedCandidate } from '../optimizer/search/evaluator';
import { defaultSearchSettings, rlSearch } from '../optimizer/search/rl-search';
import { randomSearch } from '../optimizer/search/random-search';
import { parseSearchSettings } from '../optimizer/search/settings';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { writeFileAtomic } from '../io';
import { archForBaseline } from './commands/reproduce';
import { KNOWN_PLANS } from './search-study/known-plans';
import { LaidOutCosts } from './search-study/layout';

/** How many of the runs' best distinct plans (RL and RL + polish, all seeds) are relinked for the best-known. */
const RUN_PLANS_RELINKED = 5;

const DEFAULT_NETWORKS = ['resnet18', 'resnet50', 'vgg16', 'mobilenetv2', 'alexnet', 'resnet20'];

function option(name: string): string | undefined {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? process.argv[k + 1] : undefined;
}

function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] ?? NaN) : ((v[mid - 1] ?? NaN) + (v[mid] ?? NaN)) / 2;
}

/** 'median (min-max)' of img/s figures. */
function spread(values: readonly number[]): string {
  return `${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)})`;
}

interface SeedRow {
  seed: number;
  rl: number;
  /** Random search's best after as many episodes as the RL's. */
  random: number;
  /** Random search's best after the RL's episodes plus the polish's evaluations. */
  randomLong: number;
  polished: number;
  /** The RL plan and the RL + polish plan (the runs' plans relinked for the best-known). */
  plans: EvaluatedCandidate[];
  rlUnique: number;
  randomUnique: number;
  rlWallS: number;
  /** Episode (0-based, warm-up included) at which the RL search first reached its best plan. */
  rlBestAt: number;
  warmup: number;
}

/** The study's chip, evaluator settings and oracle for one network (scripts/search-screen.ts shares it). */
export function setup(name: string) {
  const net = resolveNetwork(zooNetwork(name));
  const givenArch = archForBaseline(presetArch('puma'), net).arch;
  const n = net.weightedIndices.length;
  const baseChoices = baselineChoices(n);
  // As optimize(): the budget is the baseline's whole tiles, the chip exactly that size.
  const baseTiles = evaluateModel(prepareModel(givenArch, net), baseChoices).tilesUsed;
  const budget = coreBudget(givenArch, baseTiles, {});
  const arch = { ...givenArch, chip: { ...givenArch.chip, tiles: budget.tiles } };
  const ctx = prepareModel(arch, net);
  const base = evaluateModel(ctx, baseChoices);
  const settings: EvaluatorSettings = {
    budgetCores: budget.cores,
    spec: { kind: 'throughput', mixWeight: 0.5, refBottleneckCycles: base.bottleneckCycles, refLatencyProxyCycles: base.latencyCycles },
    refLatencyCycles: base.latencyCycles,
    accuracyBudgetPct: 1,
  };
  return { net, ctx, oracle: proxyOracle(net), settings, baseImagesPerS: base.throughputImagesPerS };
}

async function main(): Promise<void> {
  const networks = (option('networks') ?? DEFAULT_NETWORKS.join(',')).split(',');
  const seeds = (option('seeds') ?? '1,2,3,4,5').split(',').map(Number);
  const episodes = Number(option('episodes') ?? 600);
  const samples = Number(option('reference-samples') ?? 5000);
  const relinkOption = option('relink') ?? '1';
  if (relinkOption !== '0' && relinkOption !== '1') {
    process.stderr.write(`search-study: --relink takes 0 or 1, not '${relinkOption}'\n`);
    process.exit(2);
  }
  const relink = relinkOption === '1';
  const layoutOption = option('layout') ?? '1';
  if (layoutOption !== '0' && layoutOption !== '1') {
    process.stderr.write(`search-study: --layout takes 0 or 1, not '${layoutOption}'\n`);
    process.exit(2);
  }
  const layout = layoutOption === '1';
  const overrides = option('search-settings') !== undefined ? parseSearchSettings(option('search-settings') ?? '').overrides : {};
  const lines: string[] = [
    `Search study: throughput objective, accuracy budget 1 pt (proxy), PUMA iso-area, ${episodes} search episodes` +
      `${option('search-settings') !== undefined ? `, --search-settings ${option('search-settings') ?? ''}` : ' (default settings)'}; ` +
      `figures are analytical img/s${layout ? ', every plan after the layout step (optimizer/layout, as optimize delivers it)' : ', plans as the searches left them (--layout 0)'}; best-known = the best of ${samples > 0 ? `the reference search (${samples} random samples + local search with single and paired bit moves, to a local optimum, from the 5 best distinct samples${relink ? ', then path relinking between those local optima' : ''}; independent of the runs), ` : ''}${relink ? "the runs' 5 best distinct plans relinked, " : ''}the plans held in scripts/search-study/known-plans.ts (re-scored), and every plan below${samples > 0 ? '' : ' (no reference search: --reference-samples 0)'}.`,
    '',
    '| network | seed | LRMP (RL) img/s | random search img/s | RL + polish img/s | random, RL + polish evals img/s | best-known img/s | RL gap to best-known | RL + polish gap | RL vs random | RL unique evals | RL best at episode | RL wall s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const summary: string[] = [
    '',
    '| network | mean RL img/s | mean random img/s | mean RL + polish img/s | mean random, RL + polish evals | reference img/s | runs relinked img/s | known plans img/s | best-known img/s | mean RL gap | RL >= random | RL within 2% | mean RL + polish gap | RL + polish >= random (same evals) | RL + polish within 2% | median RL (min-max) | median random (min-max) | median RL gap |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const name of networks) {
    const p = setup(name);
    const imagesPerS = (cost: number): number => p.baseImagesPerS / cost;
    // Each plan scored as `optimize` delivers it: after the layout step (--layout 0: as the search left it).
    const laidOut = new LaidOutCosts(p.ctx, p.settings);
    const scored = (c: EvaluatedCandidate): number => (layout ? laidOut.cost(c) : c.cost);
    const rows: SeedRow[] = [];
    for (const seed of seeds) {
      const settings = defaultSearchSettings(p.net, { ...overrides, seed, episodes });
      // The repair's cost exponent is a search setting the evaluator applies (random search and polish share it).
      const evaluatorSettings = { ...p.settings, repairCost: settings.repairCost, repairPressure: settings.repairPressure };
      const rlEvaluator = new CandidateEvaluator(p.ctx, p.oracle, evaluatorSettings);
      const t0 = performance.now();
      const rl = await rlSearch(p.net, rlEvaluator, settings);
      const rlWallS = (performance.now() - t0) / 1000;
      if (!rl.best) throw new Error(`${name} seed ${seed}: no feasible plan`);
      const rlUnique = rlEvaluator.evaluations;
      const pol = await polish(rlEvaluator, rl.best, { fixedLayers: settings.fixedLayers, pairs: true, maxEvaluations: settings.polishEvaluations });
      // One random search as long as RL + polish together: its best after the RL's episodes is the same-budget
      // row for the RL, its best at the end the same-budget row for RL + polish (the draws are the same sequence).
      const rnd = await randomSearch(p.net, new CandidateEvaluator(p.ctx, p.oracle, evaluatorSettings), { ...settings, episodes: settings.episodes + pol.evaluations });
      const atRl = rnd.history[settings.warmupEpisodes + settings.episodes - 1];
      if (!rnd.best || atRl === undefined || !Number.isFinite(atRl.bestCost)) throw new Error(`${name} seed ${seed}: no feasible random plan`);
      // The same draws cut at the RL's episodes, for that row's plan (the history keeps costs, not plans).
      const rndShort = layout ? await randomSearch(p.net, new CandidateEvaluator(p.ctx, p.oracle, evaluatorSettings), settings) : undefined;
      const random = rndShort?.best ? scored(rndShort.best) : atRl.bestCost;
      const rlCost = scored(rl.best);
      // A row keeps the better of its plan and the plan it started from (polish from the RL's, the long random
      // search from its own shorter cut), each laid out: optimize lays out every row and reports the best.
      const polished = Math.min(scored(pol.best), rlCost);
      const randomLong = Math.min(scored(rnd.best), random);
      const rlBestAt = rl.history.findIndex((h) => h.feasible && h.cost === rl.best?.cost);
      rows.push({ seed, rl: rlCost, random, randomLong, polished, plans: [rl.best, pol.best], rlUnique, randomUnique: rnd.evaluations, rlWallS, rlBestAt, warmup: settings.warmupEpisodes });
      process.stderr.write(`${name} seed ${seed}: RL ${rlCost.toFixed(5)} random ${random.toFixed(5)} polished ${polished.toFixed(5)} random at RL + polish's evaluations ${randomLong.toFixed(5)} (${rlWallS.toFixed(1)} s)\n`);
    }
    const fixedLayers = defaultSearchSettings(p.net).fixedLayers;
    // --reference-samples 0: no reference search (quick comparisons); best-known is then the best plan of the runs.
    const t1 = performance.now();
    const ref = samples > 0 ? await referenceSearch(p.net, new CandidateEvaluator(p.ctx, p.oracle, p.settings), { seed: 1, samples, starts: 5, fixedLayers, relink }) : undefined;
    const refWallS = (performance.now() - t1) / 1000;
    // The runs' best distinct plans relinked (relink.ts) as the reference relinks its local optima: a plan on the
    // way between two seeds' plans may beat both (s64: ResNet-50, 7086.2 img/s between seed 1's and seed 4's).
    const runsEvaluator = new CandidateEvaluator(p.ctx, p.oracle, p.settings);
    const runPlans = distinctPlans(rows.flatMap((r) => r.plans).sort((a, b) => a.cost - b.cost)).slice(0, RUN_PLANS_RELINKED);
    const t2 = performance.now();
    const relinkedRuns = relink
      ? (
          await relinkPool(runsEvaluator, runPlans, {
            fixedLayers,
            maxSteps: REFERENCE_RELINK_STEPS,
            grow: REFERENCE_RELINK_GROW,
            refine: async (start) => (await polish(runsEvaluator, start, { fixedLayers, pairs: true, maxEvaluations: REFERENCE_RELINK_POLISH })).best,
          })
        ).best
      : undefined;
    const runsWallS = (performance.now() - t2) / 1000;
    // Plans held from earlier work (search-study/known-plans.ts), re-scored here; one outside the budget drops out.
    const knownEvaluator = new CandidateEvaluator(p.ctx, p.oracle, p.settings);
    const knownCosts: number[] = [];
    for (const k of KNOWN_PLANS[name] ?? []) {
      const c = await knownEvaluator.evaluate([...k.wbits], [...k.abits]);
      if (c.feasible) knownCosts.push(scored(c));
      else process.stderr.write(`${name}: known plan (${k.source}) is outside the budget now (drop ${c.dropPct.toFixed(3)} pt, ${c.coresUsed} cores); left out\n`);
    }
    const knownCost = Math.min(Infinity, ...knownCosts);
    const refCost = ref?.best ? scored(ref.best) : undefined;
    const relinkedCost = relinkedRuns ? scored(relinkedRuns) : undefined;
    const bestCost = Math.min(refCost ?? Infinity, relinkedCost ?? Infinity, knownCost, ...rows.map((r) => Math.min(r.rl, r.randomLong, r.polished)));
    process.stderr.write(
      `${name}: best-known ${bestCost.toFixed(5)}; reference ${refCost !== undefined ? imagesPerS(refCost).toFixed(1) : '-'} img/s (${ref?.evaluations ?? 0} evaluations, ${refWallS.toFixed(1)} s); ` +
        `runs relinked ${relinkedCost !== undefined ? imagesPerS(relinkedCost).toFixed(1) : '-'} img/s (${runsEvaluator.evaluations} evaluations, ${runsWallS.toFixed(1)} s)${layout ? `; ${laidOut.improved} plans faster laid out` : ''}\n`,
    );
    const gap = (cost: number): number => (1 - bestCost / cost) * 100;
    for (const r of rows) {
      lines.push(
        `| ${name} | ${r.seed} | ${imagesPerS(r.rl).toFixed(1)} | ${imagesPerS(r.random).toFixed(1)} | ${imagesPerS(r.polished).toFixed(1)} | ${imagesPerS(r.randomLong).toFixed(1)} | ${imagesPerS(bestCost).toFixed(1)} | ` +
          `${gap(r.rl).toFixed(2)}% | ${gap(r.polished).toFixed(2)}% | ${((r.random / r.rl - 1) * 100).toFixed(2)}% | ${r.rlUnique} | ${r.rlBestAt}${r.rlBestAt < r.warmup ? ' (warm-up)' : ''} | ${r.rlWallS.toFixed(1)} |`,
      );
    }
    const mean = (f: (r: SeedRow) => number): number => rows.reduce((a, r) => a + f(r), 0) / rows.length;
    const rlMean = mean((r) => imagesPerS(r.rl));
    const rndMean = mean((r) => imagesPerS(r.random));
    const meanGapPct = (1 - rlMean / imagesPerS(bestCost)) * 100;
    const polishGapPct = (1 - mean((r) => imagesPerS(r.polished)) / imagesPerS(bestCost)) * 100;
    const longMean = mean((r) => imagesPerS(r.randomLong));
    summary.push(
      `| ${name} | ${rlMean.toFixed(1)} | ${rndMean.toFixed(1)} | ${mean((r) => imagesPerS(r.polished)).toFixed(1)} | ${longMean.toFixed(1)} | ${refCost !== undefined ? imagesPerS(refCost).toFixed(1) : '-'} | ${relinkedCost !== undefined ? imagesPerS(relinkedCost).toFixed(1) : '-'} | ${Number.isFinite(knownCost) ? imagesPerS(knownCost).toFixed(1) : '-'} | ${imagesPerS(bestCost).toFixed(1)} | ` +
        `${meanGapPct.toFixed(2)}% | ${rlMean >= rndMean ? 'yes' : 'NO'} | ${meanGapPct <= 2 ? 'yes' : 'NO'} | ${polishGapPct.toFixed(2)}% | ${mean((r) => imagesPerS(r.polished)) >= longMean ? 'yes' : 'NO'} | ${polishGapPct <= 2 ? 'yes' : 'NO'} | ` +
        `${spread(rows.map((r) => imagesPerS(r.rl)))} | ${spread(rows.map((r) => imagesPerS(r.random)))} | ${gap(median(rows.map((r) => r.rl))).toFixed(2)}% |`,
    );
  }
  const text = [...lines, ...summary, ''].join('\n');
  process.stdout.write(text);
  const out = option('out');
  if (out !== undefined) await writeFileAtomic(out, text);
}

if (require.main === module) void main();
