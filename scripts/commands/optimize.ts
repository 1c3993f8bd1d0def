import * as fs from 'node:fs';
import * as os from 'node:os';
import { stringify } from 'csv-stringify';
import { CSV_CAST } from '../../csv-number';
import { inputFiles, loadArchFromArgs, loadNetworkFromArgs, type NetworkArchArgs } from './inputs';
import { printReport, toJson } from './output';
import { formatNumber, timeUnitFor } from '../format/table';
import { ValidationError } from '../../errors';
import { checkOutputDir, checkOutputPaths, outputError, releaseTemp, tempFileFor, writeFileAtomic } from '../../io';
import { LIMITS, checkNumber } from '../../limits';
import { proxyOracle } from '../../optimizer/accuracy/proxy';
import { externalOracle } from '../../optimizer/accuracy/external';
import { createMeasuredOracle, measuredAccuracyReport, type MeasuredOracle } from '../../optimizer/accuracy/measured';
import type { AccuracyOracle } from '../../optimizer/accuracy/types';
import { MILP_BACKENDS, type MilpBackendName } from '../../optimizer/milp';
import { parseObjective } from '../../optimizer/replication/objective';
import { optimize, type OptimizeResult, type SearchGap, type VariantRow } from '../../optimizer/lrmp';
import { defaultWarmupEpisodes, type EpisodeRecord } from '../../optimizer/search/rl-search';
import { parseSearchSettings } from '../../optimizer/search/settings';
import { writeOptimizePlots } from '../plots/optimize-plots';

export interface OptimizeArgs extends Pick<NetworkArchArgs, 'network' | 'arch' | 'archFile' | 'set' | 'inputShape'> {
  /** @default 'throughput' */
  objective?: string | undefined;
  /** @default 0.5 */
  mixWeight?: number | undefined;
  /** @default 1 */
  accuracyBudget?: number | undefined;
  /** @default 600 */
  episodes?: number | undefined;
  /** @default 1 */
  seed?: number | undefined;
  out?: string | undefined;
  planOut?: string | undefined;
  history?: string | undefined;
  /** @default 'jslp' */
  milp?: string | undefined;
  /** @default 0 (in-process); -1 skips simulation */
  workers?: number | undefined;
  /** @default 5 */
  topK?: number | undefined;
  /** @default 'proxy' */
  accuracy?: string | undefined;
  accuracyCmd?: string | undefined;
  /** @default 600 */
  accuracyTimeoutS?: number | undefined;
  tiles?: number | undefined;
  areaMm2?: number | undefined;
  /** Folder for SVG plots (scripts/plots/optimize-plots.ts). */
  plots?: string | undefined;
  /** Agent settings: `haq` and/or key=value pairs (optimizer/search/settings.ts). */
  searchSettings?: string | undefined;
}

const HISTORY_COLUMNS: Array<keyof EpisodeRecord> = [
  'episode', 'phase', 'noiseSd', 'reward', 'cost', 'feasible', 'dropPct', 'throughputImagesPerS', 'latencyCycles', 'bestCost', 'wbits', 'abits', 'replicas',
];

/** Streams the history CSV through csv-stringify into a temp file, renamed into place when complete. */
export async function writeHistoryCsv(file: string, rows: readonly EpisodeRecord[]): Promise<void> {
  const temp = tempFileFor(file);
  const out = fs.createWriteStream(temp);
  const csv = stringify({ header: true, columns: HISTORY_COLUMNS as string[], cast: CSV_CAST });
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
    csv.on('error', reject);
  });
  csv.pipe(out);
  for (const r of rows) csv.write(r);
  csv.end();
  try {
    await done;
  } catch (error) {
    await releaseTemp(temp, file, false);
    throw outputError(file, error);
  }
  await releaseTemp(temp, file, true);
}

function pad(s: string, width: number, left = false): string {
  return left ? s.padStart(width) : s.padEnd(width);
}

/**
 * The RL plan against the best plan any method found in this run (RL, its polishing, random search, exact joint
 * MILP), on the optimized objective by the full analytical model, in one plain sentence. The throughput objective is
 * worded in throughput (the share of the best plan's, as docs/validation.md's "RL gap" = 1 - RL / best), not in
 * its cost (cycles per image): a cost 25.9% higher is a throughput 20.6% lower.
 */
export function describeSearchGap(gap: SearchGap, objective: string): string {
  if (gap.bestVariant === 'LRMP (RL)' || gap.rlGapPct < 0.05) {
    return `LRMP (RL) found the best plan of any method in this run (${objective} objective, full analytical model).`;
  }
  const ratio = 1 + gap.rlGapPct / 100;
  const best = `the best plan any method found in this run, ${gap.bestVariant} (full analytical model)`;
  if (objective === 'throughput') {
    return `LRMP (RL) reaches ${(100 / ratio).toFixed(1)}% of the throughput of ${best}: ${(100 - 100 / ratio).toFixed(1)}% less.`;
  }
  if (objective === 'latency') return `LRMP (RL)'s latency is ${ratio.toFixed(3)}x that of ${best}: ${gap.rlGapPct.toFixed(1)}% longer.`;
  return `LRMP (RL)'s ${objective} objective (its cost, lower is better) is ${ratio.toFixed(3)}x that of ${best}.`;
}

/** Model-vs-simulator throughput gap beyond which the report names the row (the validate tolerance at preset settings). */
export const MODEL_SIM_NOTE_FRACTION = 0.1;

/**
 * Names the rows whose simulated throughput differs from the model's by more than MODEL_SIM_NOTE_FRACTION, with
 * the known cause for each sign (docs/validation.md, "Known gaps"); undefined when every row agrees.
 */
export function describeModelSimGaps(rows: readonly VariantRow[]): string | undefined {
  const slower: string[] = [];
  const faster: string[] = [];
  for (const r of rows) {
    if (r.simulated === undefined || !(r.throughputImagesPerS > 0)) continue;
    const gap = r.simulated.throughputImagesPerS / r.throughputImagesPerS - 1;
    if (Math.abs(gap) <= MODEL_SIM_NOTE_FRACTION) continue;
    (gap < 0 ? slower : faster).push(`${r.label} (${gap > 0 ? '+' : ''}${(gap * 100).toFixed(1)}%)`);
  }
  if (slower.length === 0 && faster.length === 0) return undefined;
  const sentences: string[] = [];
  if (slower.length > 0) {
    sentences.push(
      `simulated throughput is more than ${MODEL_SIM_NOTE_FRACTION * 100}% below the model's on: ${slower.join(', ')}. ` +
        "These plans lose throughput in the simulator to what the model's mean-value terms cannot see: NoC queueing and " +
        "eDRAM back-pressure among many stages near the interval, or forked inputs of one reader sharing its tile's spare " +
        'eDRAM unevenly (ShuffleNetV2) (docs/validation.md, Known gaps).',
    );
  }
  if (faster.length > 0) {
    sentences.push(
      `simulated throughput is more than ${MODEL_SIM_NOTE_FRACTION * 100}% above the model's on: ${faster.join(', ')}. ` +
        "There the model's estimated bounds (mean-value port and link queueing, line-buffer and credit-loop terms) " +
        'are pessimistic: the simulated rows interleave better than the mean-value estimate assumes (docs/validation.md, Known gaps).',
    );
  }
  sentences.push('The chosen plan is judged on the simulated figures.');
  return sentences.join(' ');
}

/** The comparison table (baseline, replication only, mixed precision only, LRMP; simulated figures beside the analytical ones). */
export function renderOptimizeTable(result: OptimizeResult): string {
  const time = timeUnitFor(result.rows.map((r) => r.latencyS));
  const head = ['variant', 'img/s', 'x base', 'sim img/s', 'sim x', `latency ${time.unit}`, 'x base', 'sim lat x', 'drop pts', 'area mm2', 'tiles'];
  const widths = [22, 11, 8, 11, 7, 11, 8, 9, 9, 9, 6];
  const lines = [
    `lrmp optimize: ${result.network} on ${result.arch}, objective ${result.objective}, accuracy budget ${result.accuracyBudgetPct} pts, ` +
      `area budget ${result.budget.cores} cores = ${result.budget.tiles} tiles = ${result.budget.areaMm2.toFixed(2)} mm2 (${result.budget.source}), seed ${result.seed}`,
    head.map((h, i) => pad(h, widths[i] ?? 8, i > 0)).join(' '),
  ];
  for (const r of result.rows) {
    const sim = r.simulated;
    const cells = [
      r.label,
      r.throughputImagesPerS.toFixed(1),
      r.throughputGain.toFixed(2),
      sim ? sim.throughputImagesPerS.toFixed(1) : '-',
      sim ? sim.throughputGain.toFixed(2) : '-',
      formatNumber(r.latencyS * time.scale, 4),
      r.latencyGain.toFixed(2),
      sim ? sim.latencyGain.toFixed(2) : '-',
      r.dropPct.toFixed(3),
      r.areaMm2.toFixed(2),
      String(r.tilesUsed),
    ];
    lines.push(cells.map((c, i) => pad(c, widths[i] ?? 8, i > 0)).join(' '));
  }
  for (const note of result.notes) lines.push(`note: ${note}`);
  if (result.searchGap !== undefined) {
    // The gap is the search's own best plan's; the table's RL row may show another of its candidates, chosen on
    // simulated figures (variant-rows.ts applyChoice), which the sentence would otherwise seem to contradict.
    const rl = result.rows.find((r) => r.variant === 'LRMP (RL)');
    const swapped = rl !== undefined && rl.label !== rl.variant ? rl.label : undefined;
    const tail = swapped !== undefined ? ` (The search's own best plan, by the model; the table's ${swapped} is the simulator's choice among its candidates.)` : '';
    lines.push(`${describeSearchGap(result.searchGap, result.objective)}${tail}`);
  }
  const gaps = describeModelSimGaps(result.rows);
  if (gaps !== undefined) lines.push(gaps);
  lines.push(
    `replication MILP (${result.replicationCheck.backend}) ${describeReplicationCheck(result.replicationCheck.agreesWithExact)} the exact algorithm ` +
      `(${result.replicationCheck.milpMs.toFixed(0)} ms). Chosen plan: ${result.chosenLabel}. Wall time ${result.wallS.toFixed(1)} s.`,
  );
  return lines.join('\n');
}

function progressBar(total: number): ((r: EpisodeRecord) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let seen = 0;
  return (r) => {
    seen++;
    const width = 30;
    const fill = Math.round((width * Math.min(seen, total)) / total);
    process.stderr.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] episode ${seen}/${total} best cost ${r.bestCost.toFixed(4)}`);
    if (seen >= total) process.stderr.write('\n');
  };
}

/** `lrmp optimize`: runs the LRMP flow, prints the table, writes result JSON, plan and history CSV. */
export async function optimizeCommand(args: OptimizeArgs): Promise<void> {
  // Outputs are checked before minutes of search, not after.
  checkOutputPaths([{ option: '--out', file: args.out }, { option: '--plan-out', file: args.planOut }, { option: '--history', file: args.history }], inputFiles(args));
  if (args.plots !== undefined) checkOutputDir(args.plots);
  const arch = loadArchFromArgs(args);
  const net = loadNetworkFromArgs(args);
  const objective = parseObjective(args.objective ?? 'throughput');
  const milp = args.milp ?? 'jslp';
  if (!(MILP_BACKENDS as readonly string[]).includes(milp)) throw new ValidationError('--milp', 'milp', `'${milp}'`, MILP_BACKENDS.join(', '));
  const episodes = checkNumber(args.episodes ?? 600, LIMITS.episodes, '--episodes', 'episodes');
  const accuracyBudgetPct = checkNumber(args.accuracyBudget ?? 1, LIMITS.accuracyBudget, '--accuracy-budget', 'accuracy-budget');
  const seed = checkNumber(args.seed ?? 1, LIMITS.seed, '--seed', 'seed');
  const topK = checkNumber(args.topK ?? 5, LIMITS.topK, '--top-k', 'top-k');
  const mixWeight = checkNumber(args.mixWeight ?? 0.5, LIMITS.mixWeight, '--mix-weight', 'mix-weight');
  // -1 is the API's "no confirming simulation" (the CLI's --no-confirm); otherwise a thread count.
  // The confirming simulations run on one thread per core by default (results do not depend on the count).
  const workers = args.workers === -1 ? -1 : checkNumber(args.workers ?? Math.min(os.availableParallelism(), LIMITS.workers.max), LIMITS.workers, '--workers', 'workers');
  const accuracyTimeoutS = checkNumber(args.accuracyTimeoutS ?? 600, LIMITS.accuracyTimeoutS, '--accuracy-timeout-s', 'accuracy-timeout-s');
  if (args.tiles !== undefined) checkNumber(args.tiles, LIMITS.budgetTiles, '--tiles', 'tiles');
  if (args.areaMm2 !== undefined) checkNumber(args.areaMm2, LIMITS.budgetAreaMm2, '--area-mm2', 'area-mm2');
  const accuracy = args.accuracy ?? (args.accuracyCmd !== undefined ? 'cmd' : 'proxy');
  let oracle: AccuracyOracle;
  if (accuracy === 'proxy') oracle = proxyOracle(net);
  else if (accuracy === 'cmd') {
    if (args.accuracyCmd === undefined || args.accuracyCmd.trim() === '') {
      throw new ValidationError('--accuracy-cmd', 'accuracy-cmd', 'missing', 'a shell command when --accuracy cmd is given');
    }
    oracle = externalOracle(args.accuracyCmd, net, { timeoutMs: accuracyTimeoutS * 1000 });
  } else if (accuracy === 'measured') {
    // Real quantized accuracy of a network with trained weights (optimizer/accuracy/measured/), cached per candidate.
    oracle = createMeasuredOracle(net);
  } else throw new ValidationError('--accuracy', 'accuracy', `'${accuracy}'`, 'proxy, cmd, measured');
  const search = args.searchSettings !== undefined ? parseSearchSettings(args.searchSettings).overrides : {};
  const onEpisode = progressBar(episodes + (search.warmupEpisodes ?? defaultWarmupEpisodes(episodes)));
  const result = await optimize(arch, net, oracle, {
    objective,
    mixWeight,
    accuracyBudgetPct,
    episodes,
    seed,
    milp: milp as MilpBackendName,
    topK,
    workers,
    search,
    ...(args.tiles !== undefined ? { tiles: args.tiles } : {}),
    ...(args.areaMm2 !== undefined ? { areaMm2: args.areaMm2 } : {}),
    ...(onEpisode ? { onEpisode } : {}),
    // The history CSV's latency column; without a history file no one reads it (OptimizeOptions.historyLatency).
    historyLatency: args.history !== undefined,
  });
  const outputs = [args.out, args.planOut, args.history];
  printReport(renderOptimizeTable(result), outputs);
  if (oracle.kind === 'measured') printReport(await measuredAccuracyReport(net, oracle as MeasuredOracle, result, topK), outputs);
  if (args.out !== undefined) await writeFileAtomic(args.out, toJson({ ...result, history: undefined }));
  if (args.planOut !== undefined) await writeFileAtomic(args.planOut, toJson(result.plan));
  if (args.history !== undefined) await writeHistoryCsv(args.history, result.history);
  const written = [args.out, args.planOut, args.history].filter((f): f is string => f !== undefined);
  if (written.length > 0) process.stderr.write(`written: ${written.join(', ')}\n`);
  if (args.plots !== undefined) await writeOptimizePlots(result, arch, net, args.plots);
}

/** How the MILP's cross-check of the exact replication ended (null: not finished; a note says why). */
export function describeReplicationCheck(agrees: boolean | null): string {
  return agrees === null ? 'did not finish checking' : agrees ? 'agrees with' : 'DISAGREES with';
}
