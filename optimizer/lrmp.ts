import type { ArchSpec } from '../arch/types';
import { baselineChoices, planFromChoices, type Plan, type PlanChoices } from '../arch/plan';
import type { ResolvedNetwork } from '../workloads/types';
import { prepareModel, evaluateModel, type ModelContext, type ModelResult } from './model';
import type { AccuracyOracle } from './accuracy/types';
import { milpBackend, type MilpBackendName } from './milp';
import { highsThreadBackend } from './milp/highs-thread';
import { coreBudget, type BudgetOptions, type CoreBudget } from './replication/budget';
import { allCandidates } from './replication/candidates';
import { exactOnCandidates } from './replication/exact';
import { crossCheckReplication } from './replication/milp-model';
import type { ObjectiveKind, ObjectiveSpec } from './replication/objective';
import { buildTables, stageCycles, type ReplicationTables } from './replication/tables';
import { fullModelCost, replicateForPrecisions } from './replication/replicate';
import { availableParallelism } from 'node:os';
import { CandidateEvaluator, type EvaluatedCandidate } from './search/evaluator';
import { randomSearch, randomSearchEvaluator } from './search/random-search';
import { defaultSearchSettings, rlSearch, type EpisodeRecord, type SearchOverrides, type SearchResult, type SearchSettings } from './search/rl-search';
import { startSideSearches } from './side/side-runner';
import { checkSearchSettings } from './search/check-settings';
import { polish } from './search/polish';
import { confirmCandidates } from './confirm/pool';
import type { ConfirmJob, ConfirmOutcome } from './confirm/worker';
import { choosePlan } from './choose';
import { layOutSearchRows } from './layout/layout-rows';
import { beforeLayoutEntry, renameRejected, settleLayouts } from './layout/layout-confirm';
import { applyChoice, row, SEARCH_VARIANTS, simulatedGains, type PoolEntry, type VariantRow } from './variant-rows';

export interface OptimizeOptions extends BudgetOptions {
  objective: ObjectiveKind;
  /** @default 0.5 */
  mixWeight?: number;
  /** Largest top-1 drop allowed, points. @default 1 */
  accuracyBudgetPct: number;
  episodes: number;
  seed: number | string;
  milp: MilpBackendName;
  topK: number;
  /** Simulator workers for confirmation; 0 = in-process; -1 = skip confirmation. @default 0 */
  workers: number;
  /**
   * Images each confirmation simulates. @default the settle rule of `lrmp simulate` (sim/settle.ts), so the rows'
   * simulated figures are what `lrmp simulate --plan` prints for the written plan
   */
  confirmImages?: number;
  search?: SearchOverrides;
  onEpisode?: (record: EpisodeRecord) => void;
  /**
   * Give the RL history's rows their single-image latency (`EpisodeRecord.latencyCycles`, the `--history` CSV's
   * column). Under the throughput objective no row's choice reads it, and its recurrence is about a quarter of an
   * evaluation (ResNet-50: ~0.4 s of the RL search's main-thread time), so it runs only when asked for; the latency
   * and mix objectives rank by it, so their rows always have it. @default false
   */
  historyLatency?: boolean;
  /**
   * Run the random search and the exact MILPs (optimizer/side/) in a worker thread next to the RL search; the
   * answers are the same either way. @default true with more than two cores: V8's compiler and collector threads
   * already take about 0.7 of a second core (ResNet-50: main thread 4.5 of 7.7 CPU s), and the worker compiles the
   * model code again (+1.3 CPU s), so on two cores it saves no wall time
   */
  sideWorker?: boolean;
  /**
   * Solve the HiGHS MILPs in a child process (optimizer/milp/highs-thread.ts) while this thread goes on; the answers
   * are the same either way. @default true
   */
  highsWorker?: boolean;
  /**
   * Lay out each search's plan (optimizer/layout: replicas for a lower compute target placed so fewer tensor copies
   * cross the NoC; kept only when the full model finds it better and, when the rows are confirmed, the simulator too:
   * the plan without the layout is simulated beside it). @default true
   */
  layout?: boolean;
}

/** The RL plan against the best plan any search method found (RL, polish, random search, exact joint). */
export interface SearchGap {
  bestVariant: VariantRow['variant'];
  /** (RL cost / best cost - 1) x 100 on the optimized objective (full analytical model); 0 when RL is the best. */
  rlGapPct: number;
}

export type { VariantRow } from './variant-rows';

/** Every setting that determines an optimize result (with the network and the arch spec), as it was resolved. */
export interface OptimizeSettingsRecord {
  objective: ObjectiveKind;
  mixWeight: number;
  accuracyBudgetPct: number;
  accuracyOracle: AccuracyOracle['kind'];
  episodes: number;
  seed: string;
  milp: MilpBackendName;
  topK: number;
  budget: BudgetOptions;
  /** Whether the rows were confirmed in the simulator, and with how many images (undefined: the settle rule, sim/settle.ts). */
  confirm: boolean;
  confirmImages?: number;
  /** false when the search rows were not laid out (OptimizeOptions.layout); absent: they were (the default). */
  layout?: false;
  /** The search's resolved settings (agent, exploration, polishing, fixed layers). */
  search: Omit<SearchSettings, 'onEpisode'>;
  /** The architecture the plans were judged on (the budget's chip). */
  arch: ArchSpec;
}

export interface OptimizeResult {
  network: string;
  settings: OptimizeSettingsRecord;
  arch: string;
  objective: ObjectiveKind;
  accuracyBudgetPct: number;
  seed: string;
  episodes: number;
  budget: CoreBudget;
  rows: VariantRow[];
  chosen: VariantRow['variant'];
  /** The chosen row's label, e.g. 'LRMP (RL, candidate 3)'. */
  chosenLabel: string;
  plan: Plan;
  /** What the run left out and why (a joint MILP the solver could not finish), one sentence each. */
  notes: string[];
  /** How the RL plan compares with the best plan any method found in this run, on the optimized objective. */
  searchGap?: SearchGap;
  /** The MILP's cross-check of the exact replication: null when the solver did not finish (a note says so). */
  replicationCheck: { backend: MilpBackendName; agreesWithExact: boolean | null; milpMs: number };
  history: EpisodeRecord[];
  confirmation: Array<{ variant: string; analytical: { throughputImagesPerS: number; latencyCycles: number }; simulated: ConfirmOutcome }>;
  wallS: number;
}

/** Latency proxy of the tables at r = 1 everywhere (the reference for normalising the mix objective). */
function unitLatencyProxy(tables: ReplicationTables): number {
  let z = tables.globalFloorCycles;
  let sum = 0;
  for (const t of tables.layers) {
    z = Math.max(z, stageCycles(t, 1));
    sum += t.latencyWeight * stageCycles(t, 1);
  }
  return z + sum;
}

function fromCandidate(ctx: ModelContext, c: EvaluatedCandidate): { choices: PlanChoices; model: ModelResult } {
  const choices: PlanChoices = { wbits: c.wbits, abits: c.abits, replicas: c.replicas, ...(c.productBits ? { productBits: c.productBits } : {}) };
  return { choices, model: evaluateModel(ctx, choices) };
}

/** The RL row's gap to the best feasible search row on the optimized objective (full-model cost, lower is better). */
export function gapOfRl(rows: readonly VariantRow[], spec: ObjectiveSpec, refLatencyCycles: number): SearchGap | undefined {
  const cost = (r: VariantRow): number => fullModelCost(spec, r.bottleneckCycles, r.latencyCycles, refLatencyCycles);
  const rl = rows.find((r) => r.variant === 'LRMP (RL)');
  if (rl === undefined) return undefined;
  let best = rl;
  for (const r of rows) if (SEARCH_VARIANTS.includes(r.variant) && cost(r) < cost(best) * (1 - 1e-12)) best = r;
  return { bestVariant: best.variant, rlGapPct: Math.max(0, (cost(rl) / cost(best) - 1) * 100) };
}

/**
 * The whole LRMP flow: baseline, replication only (exact, cross-checked by the MILP), mixed precision only,
 * LRMP by DDPG search (and random search with the same budget), the exact joint optimum when the oracle is
 * separable, then simulation of the top candidates; the final choice uses the simulated figures.
 */
export async function optimize(givenArch: ArchSpec, net: ResolvedNetwork, oracle: AccuracyOracle, options: OptimizeOptions): Promise<OptimizeResult> {
  const started = performance.now();
  const n = net.weightedIndices.length;
  const baseChoices = baselineChoices(n);
  // The baseline sits on the chip area it needs (whole tiles); every variant is judged on a chip of exactly the
  // budget's tiles, so no plan can use more area than the budget (placement refuses it) and all share one mesh.
  const baseTiles = evaluateModel(prepareModel(givenArch, net), baseChoices).tilesUsed;
  const budget = coreBudget(givenArch, baseTiles, options);
  const arch: ArchSpec = { ...givenArch, chip: { ...givenArch.chip, tiles: budget.tiles } };
  const ctx = prepareModel(arch, net);
  const baseArch: ArchSpec = { ...givenArch, chip: { ...givenArch.chip, tiles: baseTiles } };
  const base = evaluateModel(budget.tiles === baseTiles ? ctx : prepareModel(baseArch, net), baseChoices);
  const baseTables = buildTables(ctx, baseChoices.wbits, baseChoices.abits, base);
  const spec: ObjectiveSpec = {
    kind: options.objective,
    mixWeight: options.mixWeight ?? 0.5,
    refBottleneckCycles: base.bottleneckCycles,
    refLatencyProxyCycles: unitLatencyProxy(baseTables),
  };
  const refLatencyCycles = base.latencyCycles;
  const rows: VariantRow[] = [row('baseline', '8/8, r = 1', baseChoices, base, base, 0)];

  const settings = defaultSearchSettings(net, { episodes: options.episodes, seed: options.seed, topK: options.topK, ...options.search, ...(options.onEpisode ? { onEpisode: options.onEpisode } : {}) });
  // Refused here too (rlSearch checks again), before the side searches start a thread.
  checkSearchSettings(settings, 'optimize search settings');
  const evaluatorSettings = { budgetCores: budget.cores, spec, refLatencyCycles, accuracyBudgetPct: options.accuracyBudgetPct, repairCost: settings.repairCost, repairPressure: settings.repairPressure };
  const separable = oracle.layerDropPct !== undefined;
  const jointSettings = { budgetCores: budget.cores, spec, accuracyBudgetPct: options.accuracyBudgetPct, fixedLayers: settings.fixedLayers };
  const searchRecord: Omit<SearchSettings, 'onEpisode'> & { onEpisode?: unknown } = { ...settings };
  delete searchRecord.onEpisode;
  // Before the side searches and the solver's process start: a throw here leaves neither running.
  const cands = allCandidates(baseTables, budget.cores);
  const exact = exactOnCandidates(baseTables, cands, budget.cores);
  // With a separable oracle, the random search and the exact MILPs (the "mixed precision only" row, the joint
  // rows' floor rounds) need nothing of the RL search but its final plan: a worker thread runs them meanwhile.
  // HiGHS in a process of its own: this thread goes on with the searches while it solves (the answers are the same).
  const highs = highsThreadBackend(options.highsWorker ?? true);
  const side = separable
    ? startSideSearches(ctx, oracle, { arch, net, settings: searchRecord, evaluatorSettings, jointSettings, refLatencyCycles }, options.sideWorker ?? availableParallelism() > 2, highs)
    : undefined;
  // Replication only, with the MILP cross-check of the exact algorithm (awaited once the RL search is done).
  const notes: string[] = [];
  const backend = options.milp === 'highs' ? highs : milpBackend(options.milp);
  let milpPending: ReturnType<typeof crossCheckReplication>;
  try {
    const replOnly = replicateForPrecisions(ctx, { wbits: baseChoices.wbits, abits: baseChoices.abits }, budget.cores, spec, { refLatencyCycles });
    milpPending = crossCheckReplication(backend, baseTables, cands, budget.cores, { ...spec, kind: 'throughput' }, exact);
    // A failure is reported where it is awaited, not as unhandled meanwhile.
    milpPending.catch(() => undefined);
    rows.push(row('replication only', 'exact (bisection) + full model', replOnly.choices, replOnly.model, base, 0));
  } catch (error) {
    await side?.close();
    await highs.close();
    throw error;
  }
  let milp: Awaited<typeof milpPending> | undefined;
  let highsClosed: Promise<void> = Promise.resolve();
  let searched = false;

  let rl: SearchResult;
  let random: SearchResult;
  try {
    // In the try: an accuracy command that fails here still closes the side searches and the solver's process.
    const referencePct = await oracle.referenceAccuracyPct();
    const sideFirst = side?.first();
    if (side !== undefined && !side.inWorker) await sideFirst;
    // Mixed precision only (r = 1): exact when the oracle is separable (side work), else the search without replication.
    let mixedRow: VariantRow | undefined;
    if (!separable) {
      const ev = new CandidateEvaluator(ctx, oracle, { ...evaluatorSettings, replicate: false });
      const res = await rlSearch(net, ev, settings);
      if (res.best) {
        const f = fromCandidate(ctx, res.best);
        mixedRow = row('mixed precision only', 'DDPG, r = 1', f.choices, f.model, base, res.best.dropPct);
      }
    }

    // LRMP by DDPG, and random search with the same budget.
    const rlEvaluator = new CandidateEvaluator(ctx, oracle, evaluatorSettings);
    rlEvaluator.setLatencyNeeded(options.historyLatency === true);
    rl = await rlSearch(net, rlEvaluator, settings);
    milp = await milpPending;
    if (milp.unfinished !== undefined) notes.push(milp.unfinished);
    const rlPlan = rl.best ? fromCandidate(ctx, rl.best) : undefined;
    const sideJoint = side?.joint(rlPlan?.choices);
    // With HiGHS in its own process, the joint MILPs are solved while the RL plan is polished (polish lets their rounds
    // go on between its evaluations); the answers do not depend on the order.
    if (side !== undefined && !side.inWorker && !highs.inWorker) await sideJoint;
    else sideJoint?.catch(() => undefined);
    const rlRow = rl.best && rlPlan ? row('LRMP (RL)', `DDPG, ${settings.warmupEpisodes}+${settings.episodes} episodes`, rlPlan.choices, rlPlan.model, base, rl.best.dropPct) : undefined;
    // Local polishing of the RL plan (one layer's bits at a time, exact replication), on the RL search's cache. Its
    // candidates' latency is read by no one (its plan's row is evaluated again below), so it is left out where the
    // objective allows (ResNet-50: a quarter of polish's time).
    rlEvaluator.setLatencyNeeded(false);
    const polished = rl.best && settings.polishEvaluations > 0 ? await polish(rlEvaluator, rl.best, { fixedLayers: settings.fixedLayers, pairs: true, maxEvaluations: settings.polishEvaluations }) : undefined;
    const first = await sideFirst;
    random = first?.random ?? (await randomSearch(net, randomSearchEvaluator(ctx, oracle, evaluatorSettings), { ...settings, onEpisode: () => undefined }));
    if (first !== undefined) {
      notes.push(...first.notes);
      if (first.mixed !== undefined) {
        const choices = { wbits: first.mixed.wbits, abits: first.mixed.abits, replicas: baseChoices.replicas };
        mixedRow = row('mixed precision only', 'exact MILP, r = 1', choices, evaluateModel(ctx, choices), base, referencePct - (await oracle.accuracyPct(first.mixed)));
      }
    }
    if (mixedRow !== undefined) rows.push(mixedRow);
    if (rlRow !== undefined) rows.push(rlRow);
    if (polished) {
      const f = fromCandidate(ctx, polished.best);
      rows.push(row('LRMP (RL + polish)', `local search from the RL plan: ${polished.steps} bit changes kept, ${polished.evaluations} evaluations`, f.choices, f.model, base, polished.best.dropPct));
    }
    if (random.best) {
      const f = fromCandidate(ctx, random.best);
      rows.push(row('LRMP (random search)', `random, ${settings.warmupEpisodes + settings.episodes} samples`, f.choices, f.model, base, random.best.dropPct));
    }
    const joint = await sideJoint;
    if (joint !== undefined) {
      notes.push(...joint.notes);
      const pick = joint.pick;
      if (pick !== undefined) {
        const method = `exact MILP (${pick.binaries} options after dominance, ${pick.rounds} floor round${pick.rounds === 1 ? '' : 's'})`;
        rows.push(row('LRMP (exact joint)', method, pick.choices, evaluateModel(ctx, pick.choices), base, pick.dropPct));
      }
    }
    searched = true;
  } finally {
    await side?.close();
    // The solver's process ends while the rows are laid out (awaited before returning; close() never rejects); on a
    // throw, before it propagates, so a failed call leaves no process behind.
    highsClosed = highs.close();
    if (!searched) await highsClosed;
  }
  const laidOut = (options.layout ?? true) ? layOutSearchRows(ctx, rows, base, budget.cores, spec, refLatencyCycles, notes) : [];

  // Confirmation in the simulator: every row and the RL search's further top-K candidates.
  const confirmation: OptimizeResult['confirmation'] = [];
  const pool: PoolEntry[] = rows.map((r) => ({
    variant: r.variant,
    choices: r.choices,
    model: evaluateModel(ctx, r.choices),
    dropPct: r.dropPct,
  }));
  const simulate = options.workers >= 0;
  let baseSim: ConfirmOutcome | undefined;
  if (simulate) {
    rl.top.slice(1).forEach((c, k) => pool.push({ variant: `RL top-${k + 2}`, ...fromCandidate(ctx, c), dropPct: c.dropPct }));
    // The layout step judged its layouts by the model only: each laid-out row's plan without the layout is simulated
    // beside it (settleLayouts keeps the better one in the row).
    for (const l of laidOut) pool.push(beforeLayoutEntry(l, evaluateModel(ctx, l.before.choices)));
    // Without a count, each candidate streams until its interval settles, as `lrmp simulate` does (sim/settle.ts):
    // a short fixed stream gave ResNet-20's chosen plan 34,881.5 img/s where `simulate --plan` gave 33,654.
    // Rows that hold the same plan (RL's first candidate and its polish, often) are simulated once.
    const jobOf = new Map<string, number>();
    const jobs: ConfirmJob[] = [];
    const jobIndex = pool.map((p) => {
      const key = JSON.stringify(p.choices);
      let k = jobOf.get(key);
      if (k === undefined) {
        k = jobs.push({ arch, network: net.network, choices: p.choices, images: options.confirmImages }) - 1;
        jobOf.set(key, k);
      }
      return k;
    });
    const simulated = await confirmCandidates(jobs, options.workers);
    const outcomes = jobIndex.map((k) => simulated[k]);
    baseSim = outcomes[0];
    pool.forEach((p, k) => {
      const sim = outcomes[k] as ConfirmOutcome;
      p.simulated = sim;
      confirmation.push({ variant: p.variant, analytical: { throughputImagesPerS: p.model.throughputImagesPerS, latencyCycles: p.model.latencyCycles }, simulated: sim });
      const r = rows.find((x) => x.variant === p.variant);
      if (r && !sim.error && baseSim && !baseSim.error) r.simulated = simulatedGains(sim, baseSim);
      // A row without simulated figures must say why (its plan cannot be chosen).
      if (sim.error !== undefined) notes.push(`${p.variant}: not simulated, so not a candidate for the chosen plan: ${sim.error.split('\n')[0] ?? ''}`);
      else if (!sim.settled && options.confirmImages === undefined) notes.push(`${p.variant}: simulated interval NOT settled after ${sim.images} images (${sim.settleNote})`);
    });
  }
  // The final plan: the best of every plan computed here (optimizer/choose.ts), on simulated figures when confirmed.
  const judgeSimulated = simulate && baseSim !== undefined && baseSim.error === undefined;
  const rejected = settleLayouts(laidOut, rows, pool, { spec, clockGHz: arch.clockGHz, refLatencyCycles: judgeSimulated ? (baseSim?.latencyCycles ?? refLatencyCycles) : refLatencyCycles }, baseSim, notes);
  renameRejected(confirmation, rejected);
  const searchGap = gapOfRl(rows, spec, refLatencyCycles);
  const k = choosePlan(pool, {
    spec,
    accuracyBudgetPct: options.accuracyBudgetPct,
    clockGHz: arch.clockGHz,
    refLatencyCycles: judgeSimulated ? (baseSim?.latencyCycles ?? refLatencyCycles) : refLatencyCycles,
    simulated: judgeSimulated,
  });
  const { chosen, chosenChoices } = applyChoice(rows, pool, k, base, baseSim, baseChoices);
  const chosenRow = rows.find((r) => r.variant === chosen);
  await highsClosed;
  return {
    network: net.network.name,
    settings: {
      objective: options.objective,
      mixWeight: spec.mixWeight,
      accuracyBudgetPct: options.accuracyBudgetPct,
      accuracyOracle: oracle.kind,
      episodes: options.episodes,
      seed: String(options.seed),
      milp: options.milp,
      topK: options.topK,
      budget: { ...(options.tiles !== undefined ? { tiles: options.tiles } : {}), ...(options.areaMm2 !== undefined ? { areaMm2: options.areaMm2 } : {}) },
      confirm: simulate,
      ...(options.confirmImages !== undefined ? { confirmImages: options.confirmImages } : {}),
      ...(options.layout === false ? { layout: false as const } : {}),
      search: searchRecord,
      arch,
    },
    arch: arch.name,
    objective: options.objective,
    accuracyBudgetPct: options.accuracyBudgetPct,
    seed: String(options.seed),
    episodes: options.episodes,
    budget,
    rows,
    chosen,
    chosenLabel: chosenRow?.label ?? chosen,
    plan: planFromChoices(net.network.name, arch.name, net, chosenChoices, { tiles: budget.tiles, areaBudgetMm2: budget.areaMm2 }),
    notes,
    ...(searchGap !== undefined ? { searchGap } : {}),
    replicationCheck: {
      backend: backend.name,
      agreesWithExact: milp?.solution === undefined ? null : milp.solution.bottleneckCycles === exact.bottleneckCycles,
      milpMs: milp?.wallMs ?? 0,
    },
    history: rl.history,
    confirmation,
    wallS: (performance.now() - started) / 1000,
  };
}
