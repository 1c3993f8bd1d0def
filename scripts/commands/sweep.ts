/**
 * `lrmp sweep`: the cartesian product of architecture parameters, each point evaluated on a worker pool, one CSV
 * row streamed to disk per finished point (resumable), plots of each metric against each varied parameter.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputFileError, ValidationError } from '../../errors';
import { checkOutputDir, checkOutputPath, checkOutputPaths, isStdout, writeFileAtomic } from '../../io';
import { LIMITS, checkNumber } from '../../limits';
import { inputFiles, loadInputs, type NetworkArchArgs, defaultArchFor } from './inputs';
import { canonicalValue, gridPoints, parseVary, pointAssignments, pointKey, type VariedParam } from '../sweep/grid';
import { metricColumns, type SweepMode, type SweepOutcome, type SweepTask } from '../sweep/point';
import { DEFAULT_SWEEP_OPTIMIZE, type SweepOptimizeSettings } from '../sweep/optimize-point';
import { CsvAppender, checkHeader, cutTornTail, readExistingCsv } from '../sweep/csv-log';
import { runPoints } from '../sweep/run-points';
import { NO_PROGRESS, progressBar } from '../sweep/progress';
import { sweepPlot } from '../plots';
import type { SweepQueue } from '../queue/sweep-queue';
import type { QueueArgs } from '../queue/study';

export interface SweepArgs extends NetworkArchArgs, QueueArgs {
  /** `path=v1,v2,...`, one per varied field (repeatable). */
  vary: string[];
  /** Analytical model only (the default mode). */
  analyze?: boolean | undefined;
  /** Also simulate each point. */
  simulate?: boolean | undefined;
  /** Run the LRMP optimizer at each point. */
  optimize?: boolean | undefined;
  /** Images simulated per point (--simulate). @default as simulate: until the interval settles (sim/settle.ts) */
  images?: number | undefined;
  /** The CSV file. */
  out: string;
  /** Skip the points already in `out`. @default false */
  resume?: boolean | undefined;
  /** Worker threads; 0 evaluates in this thread. @default the CPU count, at most the number of points */
  workers?: number | undefined;
  /** Write the plots (SVG) into this folder. */
  plots?: string | undefined;
  /** --optimize: search episodes per point. @default 40 */
  episodes?: number | undefined;
  /** --optimize: seed. @default 1 */
  seed?: number | undefined;
  /** --optimize: accuracy budget, percentage points. @default 1 */
  accuracyBudget?: number | undefined;
  /** --optimize: external accuracy program instead of the proxy (optimize's --accuracy-cmd). */
  accuracyCmd?: string | undefined;
  /** --optimize: seconds one run of the accuracy program may take. @default 600 */
  accuracyTimeoutS?: number | undefined;
  /** API only: stop early (finished rows stay written). */
  signal?: AbortSignal | undefined;
  /** API only: called after each row is on disk. */
  onRow?: ((outcome: SweepOutcome) => void) | undefined;
}

export interface SweepSummary {
  out: string;
  /** Points in the grid. */
  points: number;
  /** Points already in the file (--resume). */
  skipped: number;
  /** Rows written by this run. */
  written: number;
  /** Rows of this run with an error. */
  failed: number;
  wallS: number;
  /** SVG files written. */
  plots: string[];
}

/** Metrics plotted against each varied parameter (those of the mode that exist). */
const PLOTTED = new Set([
  'throughput_images_per_s',
  'latency_ms',
  'area_mm2',
  'energy_per_image_uj',
  'sim_throughput_images_per_s',
  'sim_latency_ms',
  'throughput_improvement',
  'latency_improvement',
  'accuracy_drop_pct',
]);

function sweepMode(args: SweepArgs): SweepMode {
  const chosen = (['analyze', 'simulate', 'optimize'] as const).filter((m) => args[m] === true);
  if (chosen.length > 1) throw new ValidationError('sweep', 'mode', chosen.map((m) => `--${m}`).join(' and '), 'at most one of --analyze, --simulate, --optimize');
  return chosen[0] ?? 'analyze';
}


/** --optimize's settings; an accuracy program is only for --optimize and must be a command. */
function sweepOptimizeSettings(args: SweepArgs, mode: SweepMode): SweepOptimizeSettings {
  const settings: SweepOptimizeSettings = {
    episodes: checkNumber(args.episodes ?? DEFAULT_SWEEP_OPTIMIZE.episodes, LIMITS.episodes, '--episodes', 'episodes'),
    seed: checkNumber(args.seed ?? DEFAULT_SWEEP_OPTIMIZE.seed, LIMITS.seed, '--seed', 'seed'),
    accuracyBudgetPct: checkNumber(args.accuracyBudget ?? DEFAULT_SWEEP_OPTIMIZE.accuracyBudgetPct, LIMITS.accuracyBudget, '--accuracy-budget', 'accuracy-budget'),
  };
  if (args.accuracyCmd === undefined) return settings;
  if (mode !== 'optimize') throw new ValidationError('--accuracy-cmd', 'accuracy-cmd', 'given without --optimize', '--accuracy-cmd together with --optimize (it judges the candidates of the search)');
  if (args.accuracyCmd.trim() === '') throw new ValidationError('--accuracy-cmd', 'accuracy-cmd', 'an empty command', 'a shell command that reads the candidate JSON on stdin and prints {"accuracyPct": n}');
  const timeoutS = checkNumber(args.accuracyTimeoutS ?? 600, LIMITS.accuracyTimeoutS, '--accuracy-timeout-s', 'accuracy-timeout-s');
  return { ...settings, accuracyCmd: args.accuracyCmd, accuracyTimeoutS: timeoutS };
}

/** The CSV header of a sweep: point index, inputs, varied fields, the mode's metrics, error. */
export function sweepHeader(params: readonly VariedParam[], mode: SweepMode): string[] {
  return ['point', 'network', 'arch', ...params.map((p) => p.path), ...metricColumns(mode).map((m) => m.column), 'error'];
}

/** Keys of the points already in the file, checked against this sweep's grid. */
function existingKeys(file: string, header: readonly string[], params: readonly VariedParam[], args: SweepArgs, gridKeys: Set<string>): Set<string> {
  const existing = readExistingCsv(file);
  const keys = new Set<string>();
  if (existing === undefined) return keys;
  checkHeader(file, existing.header, header);
  existing.rows.forEach((row, i) => {
    const line = i + 2;
    const arch = args.arch ?? defaultArchFor(args.network);
    if (row['network'] !== args.network || row['arch'] !== arch) {
      throw new InputFileError(file, `cannot resume: line ${line} is for network '${row['network']}' on arch '${row['arch']}', this sweep is '${args.network}' on '${arch}'`);
    }
    const key = pointKey(params.map((p) => canonicalValue(p.path, row[p.path] ?? '')));
    if (!gridKeys.has(key)) {
      const where = params.map((p) => `${p.path}=${row[p.path] ?? ''}`).join(', ');
      throw new InputFileError(file, `cannot resume: line ${line} (${where}) is not a point of this sweep's --vary grid; write to a new --out`);
    }
    keys.add(key);
  });
  cutTornTail(file, existing); // every check passed: only now is the file changed
  return keys;
}

/** Writes one plot per plotted metric and varied parameter; returns the files. */
export async function writeSweepPlots(csvFile: string, params: readonly VariedParam[], mode: SweepMode, dir: string): Promise<string[]> {
  const existing = readExistingCsv(csvFile);
  if (existing === undefined) return [];
  const files: string[] = [];
  for (const metric of metricColumns(mode)) {
    if (!PLOTTED.has(metric.column) || metric.label === undefined) continue;
    for (const param of params) {
      const others = params.filter((p) => p !== param).map((p) => p.path);
      const svg = sweepPlot(existing.rows, param.path, { column: metric.column, label: metric.label }, others);
      const file = path.join(dir, `${metric.column}-vs-${param.path}.svg`);
      await writeFileAtomic(file, svg);
      files.push(file);
    }
  }
  return files;
}

export async function sweepCommand(args: SweepArgs): Promise<SweepSummary> {
  const cleanups: Array<() => Promise<void>> = [];
  try {
    return await runSweep(args, cleanups);
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

async function runSweep(args: SweepArgs, cleanups: Array<() => Promise<void>>): Promise<SweepSummary> {
  const started = performance.now();
  const mode = sweepMode(args);
  const images = args.images === undefined ? undefined : checkNumber(args.images, LIMITS.images, '--images', 'images');
  const optimize = sweepOptimizeSettings(args, mode);
  // The user's arch, --set, network, --input-shape and plan must be valid before any point runs (a typo is one
  // error, not one error row per point).
  const base = loadInputs(args).arch;
  const params = parseVary(args.vary, base);
  const points = gridPoints(params);
  const header = sweepHeader(params, mode);
  checkOutputPaths([{ option: '--out', file: args.out }], inputFiles(args));
  // --resume and --plots read the CSV back: a device or pipe cannot be.
  if (args.resume === true || args.plots !== undefined) checkOutputPath(args.out, true);
  if (args.plots !== undefined) checkOutputDir(args.plots);
  let queued: SweepQueue | undefined;
  if (args.queue !== undefined) {
    if (args.workers !== undefined) throw new ValidationError('--workers', 'workers', String(args.workers), "no --workers with --queue: the points run on 'lrmp worker' processes (set their --concurrency there)");
    // The study's lock is taken before the CSV is read, so a second collector of this study waits, then resumes.
    // Loaded only here: bullmq and ioredis cost every other command ~0.5 s of start-up.
    const { SweepQueue, sweepPointJobs } = await import('../queue/sweep-queue');
    const jobs = sweepPointJobs(args, base, params, points, { mode, images, optimize });
    queued = await SweepQueue.open({ ...args, queue: args.queue }, jobs, (line) => process.stderr.write(`${line}\n`), args.signal);
    const study = queued;
    cleanups.push(() => study.close());
  }
  if (!args.resume && fs.existsSync(args.out) && fs.statSync(args.out).size > 0) {
    throw new ValidationError('--out', 'out', `'${args.out}', which already exists`, 'a new file, or --resume to continue the sweep in it');
  }
  const done = args.resume ? existingKeys(args.out, header, params, args, new Set(points.map((p) => pointKey(p.values)))) : new Set<string>();
  const todo = points.filter((p) => !done.has(pointKey(p.values)));
  const workers = checkNumber(args.workers ?? Math.min(os.availableParallelism(), Math.max(1, todo.length)), LIMITS.workers, '--workers', 'workers');

  const valuesByIndex = new Map(points.map((p) => [p.index, p.values]));
  const tasks: SweepTask[] = todo.map((p) => ({
    index: p.index,
    mode,
    inputs: {
      network: args.network,
      arch: args.arch,
      archFile: args.archFile,
      set: [...(args.set ?? []), ...pointAssignments(params, p)],
      plan: args.plan,
      wbits: args.wbits,
      abits: args.abits,
      replicas: args.replicas,
      inputShape: args.inputShape,
    },
    images,
    optimize,
  }));
  const metrics = metricColumns(mode).map((m) => m.column);
  const csv = new CsvAppender(args.out, header);
  // CSV rows on stdout or on a terminal (--out /dev/tty) would land among the bar's redraws ("2/2 point,network,...").
  const progress = isStdout(args.out) || csv.toTerminal ? NO_PROGRESS : progressBar(`sweep ${args.network}`, todo.length);
  let written = 0;
  let failed = 0;
  let finished = false;
  try {
    const onOutcome = (outcome: SweepOutcome): void => {
      const values = valuesByIndex.get(outcome.index) ?? [];
      csv.write([outcome.index, args.network, args.arch ?? defaultArchFor(args.network), ...values, ...metrics.map((m) => outcome.metrics[m] ?? ''), outcome.error]);
      written++;
      if (outcome.error !== '') failed++;
      progress.tick(outcome.error !== '');
      args.onRow?.(outcome);
    };
    if (queued !== undefined) await queued.run(todo.map((p) => p.index), onOutcome, args.signal);
    else await runPoints(tasks, workers, onOutcome, args.signal);
    finished = true;
  } finally {
    progress.done(); // before the CSV's last bytes: they start on a line of their own
    await csv.close(!finished);
  }
  const plots = args.plots !== undefined && !args.signal?.aborted ? await writeSweepPlots(args.out, params, mode, args.plots) : [];
  const summary: SweepSummary = { out: args.out, points: points.length, skipped: points.length - todo.length, written, failed, wallS: (performance.now() - started) / 1000, plots };
  return summary;
}

/** One line for the terminal after a sweep. */
export function describeSweep(s: SweepSummary): string {
  const skipped = s.skipped > 0 ? `, ${s.skipped} already there` : '';
  const failed = s.failed > 0 ? `, ${s.failed} with an error (see the error column)` : '';
  const plots = s.plots.length > 0 ? `; ${s.plots.length} plots in ${path.dirname(s.plots[0] ?? '')}` : '';
  return `sweep: ${s.written} of ${s.points} points written to ${s.out}${skipped}${failed} in ${s.wallS.toFixed(1)} s${plots}`;
}
