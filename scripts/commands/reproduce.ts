/**
 * `lrmp reproduce`: the LRMP study on the benchmark networks. Per network, the optimizer's
 * flow (baseline, replication only, mixed precision only, LRMP) at iso-area, confirmed in the simulator, plus the
 * continuous-relaxation bound of the replication; written as DIR/results.csv and DIR/results.md.
 */
import { LIMITS, checkNumber } from '../../limits';
import { checkOutputDir, checkOutputPaths, type NamedFile } from '../../io';
import * as path from 'node:path';
import * as os from 'node:os';
import { ValidationError, isLrmpError } from '../../errors';
import { writeFileAtomic } from '../../io';
import type { ArchSpec } from '../../arch/types';
import { loadNetwork, networkSpecIsFile } from '../../workloads/load';
import { resolveNetwork } from '../../workloads/shapes';
import type { ResolvedNetwork } from '../../workloads/types';
import type { OptimizeResult } from '../../optimizer/lrmp';
import { parseObjective } from '../../optimizer/replication/objective';
import type { QueueArgs } from '../queue/study';
import { simulate } from '../../sim';
import { checkDistinctNetworks, defaultArchFor, inputFiles, loadArchFromArgs } from './inputs';
import { improvementPlot, timelinePlot } from '../plots';
import { writeOptimizePlots } from '../plots/optimize-plots';
import { lrmpRow, resultsCsv, resultsMarkdown, type NetworkNote, type ReproduceRow } from '../reproduce/report';
import { archForBaseline, reproduceNetwork, type NetworkStudy, type NetworkStudySettings } from '../reproduce/network';

export { archForBaseline, reproduceNetwork, type NetworkStudy, type NetworkStudySettings };

export const BENCHMARKS = ['resnet18', 'resnet50', 'vgg16', 'mobilenetv2', 'alexnet'] as const;

/**
 * DDPG episodes per network by default: HAQ's 600. Measured on this 2-core machine while
 * shared with other jobs: 300 episodes took 2 min 38 s wall (63 s CPU) for the five benchmarks with plots; each
 * network runs two searches of this many episodes (DDPG and random) plus the simulations, so 600 stays far
 * under the 15-minute budget.
 */
export const DEFAULT_EPISODES = 600;

export interface ReproduceArgs extends QueueArgs {
  /** Comma-separated network names or files. @default the five benchmarks */
  networks?: string | undefined;
  /** @default 'puma' */
  arch?: string | undefined;
  archFile?: string[] | undefined;
  set?: string[] | undefined;
  /** @default DEFAULT_EPISODES */
  episodes?: number | undefined;
  /** @default 1 */
  seed?: number | undefined;
  /** @default 'throughput' */
  objective?: string | undefined;
  /** Percentage points. @default 1 */
  accuracyBudget?: number | undefined;
  /** Output folder for results.csv and results.md. @default 'out' */
  out?: string | undefined;
  /** Folder for SVG plots. @default none */
  plots?: string | undefined;
  /** Simulator worker threads for the confirmations (0 = in-process). @default the CPU count */
  workers?: number | undefined;
  /** Images per confirming simulation. @default the settle rule of simulate (sim/settle.ts), as optimize */
  images?: number | undefined;
  /** Progress lines (network started / finished); stderr when undefined. */
  log?: ((line: string) => void) | undefined;
}

export interface ReproduceSummary {
  rows: ReproduceRow[];
  notes: NetworkNote[];
  files: string[];
  wallS: number;
}

export async function reproduceCommand(args: ReproduceArgs): Promise<ReproduceSummary> {
  const started = performance.now();
  const log = args.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const names = (args.networks ?? BENCHMARKS.join(',')).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new ValidationError('--networks', 'networks', 'empty', `comma-separated network names, e.g. ${BENCHMARKS.join(',')}`);
  checkDistinctNetworks(names);
  const episodes = checkNumber(args.episodes ?? DEFAULT_EPISODES, LIMITS.episodes, '--episodes', 'episodes');
  const workers = checkNumber(args.workers ?? Math.min(os.availableParallelism(), LIMITS.workers.max), LIMITS.workers, '--workers', 'workers');
  const images = args.images === undefined ? undefined : checkNumber(args.images, LIMITS.images, '--images', 'images');
  const seed = checkNumber(args.seed ?? 1, LIMITS.seed, '--seed', 'seed');
  const objective = parseObjective(args.objective ?? 'throughput');
  const accuracyBudgetPct = checkNumber(args.accuracyBudget ?? 1, LIMITS.accuracyBudget, '--accuracy-budget', 'accuracy-budget');
  const outDir = args.out ?? 'out';
  checkOutputDir(outDir);
  if (args.plots !== undefined) checkOutputDir(args.plots);
  // Without --arch, each network runs on its preferred preset (the transformers on xformer).
  const archOf = (name: string) => loadArchFromArgs({ arch: args.arch ?? defaultArchFor(name), archFile: args.archFile, set: args.set });
  const archNames = [...new Set(names.map((name) => archOf(name).name))].join(', ');
  // Load every network first, so a typo fails before minutes of work.
  const nets = names.map((name) => resolveNetwork(loadNetwork(name), name));
  // No file it writes may replace an input (a network file, the arch or an override file).
  const inputs = [...names.filter(networkSpecIsFile).map((file) => ({ option: '--networks', file })), ...inputFiles({ arch: args.arch, archFile: args.archFile })];
  checkOutputPaths(reproduceOutputs(outDir, args.plots, nets.map((n) => n.network.name)), inputs);

  const rows: ReproduceRow[] = [];
  const notes: NetworkNote[] = [];
  const chosen = new Map<string, string>();
  const files: string[] = [];
  const studySettings: NetworkStudySettings = { objective, accuracyBudgetPct, episodes, seed, workers, images };
  const finish = async (study: NetworkStudy, net: ResolvedNetwork, t0: number): Promise<void> => {
    const name = net.network.name;
    rows.push(...study.rows);
    notes.push(...study.notes);
    chosen.set(name, study.chosen);
    if (args.plots !== undefined) files.push(...(await networkPlots(study.result, study.arch, net, args.plots, notes)));
    const best = lrmpRow(rows, name, study.chosen);
    log(`reproduce: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${study.chosen} ${best ? `${best.latencyGain.toFixed(2)}x latency, ${best.throughputGain.toFixed(2)}x throughput` : ''}`);
  };
  const failed = (name: string, message: string): void => {
    notes.push({ network: name, note: `failed: ${message}` });
    log(`reproduce: ${name} failed: ${message.split('\n')[0] ?? ''}`);
  };
  if (args.queue !== undefined) {
    // Loaded only here: bullmq and ioredis cost every other command ~0.5 s of start-up.
    const { reproduceOnQueue } = await import('../queue/reproduce-queue');
    await reproduceOnQueue({ ...args, queue: args.queue }, names.map(archOf), names, nets, studySettings, { finish, failed, log });
    // Networks finish in any order on the queue; the report keeps the order they were asked in (stable sorts).
    const order = new Map(nets.map((n, i) => [n.network.name, i]));
    const rank = (network: string): number => order.get(network) ?? nets.length;
    rows.sort((a, b) => rank(a.network) - rank(b.network));
    notes.sort((a, b) => rank(a.network) - rank(b.network));
    const picked = [...chosen.entries()].sort(([a], [b]) => rank(a) - rank(b));
    chosen.clear();
    for (const [network, variant] of picked) chosen.set(network, variant);
  } else {
    for (const [i, net] of nets.entries()) {
      const t0 = performance.now();
      log(`reproduce: ${net.network.name} (${episodes} episodes)...`);
      try {
        await finish(await reproduceNetwork(archOf(names[i] ?? net.network.name), net, studySettings), net, t0);
      } catch (error) {
        if (!isLrmpError(error)) throw error;
        failed(net.network.name, error.message);
      }
    }
  }
  const wallS = (performance.now() - started) / 1000;
  const settings = `arch ${archNames}, objective ${objective}, accuracy budget ${accuracyBudgetPct} pts (proxy oracle), ${episodes} DDPG episodes (+ warm-up) and the same for random search, seed ${seed}, ${images === undefined ? 'confirmations simulated by the settle rule (16, 64, 256 images until the interval settles within 1%)' : `${images} simulated images per confirmation`}`;
  const csvFile = path.join(outDir, 'results.csv');
  const mdFile = path.join(outDir, 'results.md');
  await writeFileAtomic(csvFile, resultsCsv(rows));
  await writeFileAtomic(mdFile, resultsMarkdown({ rows, chosen, notes, settings, wallS }));
  files.unshift(csvFile, mdFile);
  if (args.plots !== undefined && chosen.size > 0) {
    const improvements = [...chosen.entries()].flatMap(([network, variant]) => {
      const r = lrmpRow(rows, network, variant);
      return r ? [{ network, latencyImprovement: r.latencyGain, throughputImprovement: r.throughputGain, sim: r }] : [];
    });
    const file = path.join(args.plots, 'improvement.svg');
    await writeFileAtomic(file, improvementPlot(improvements, { title: `LRMP improvement over the 8-bit baseline at iso-area (analytical, ${archNames})` }));
    files.push(file);
    const simulated = improvements.filter((i) => i.sim.simLatencyGain !== undefined && i.sim.simThroughputGain !== undefined);
    if (simulated.length > 0) {
      const simFile = path.join(args.plots, 'improvement-simulated.svg');
      await writeFileAtomic(
        simFile,
        improvementPlot(
          simulated.map((i) => ({ network: i.network, latencyImprovement: i.sim.simLatencyGain ?? 0, throughputImprovement: i.sim.simThroughputGain ?? 0 })),
          { title: `LRMP improvement over the 8-bit baseline at iso-area (simulated, ${archNames})` },
        ),
      );
      files.push(simFile);
    }
  }
  return { rows, notes, files, wallS };
}

/** Every file reproduce may write, named by its folder option (for the collision check before any work). */
function reproduceOutputs(outDir: string, plots: string | undefined, networks: readonly string[]): NamedFile[] {
  const files: NamedFile[] = [path.join(outDir, 'results.csv'), path.join(outDir, 'results.md')].map((file) => ({ option: '--out', file }));
  if (plots === undefined) return files;
  const perNetwork = [...new Set(networks)].flatMap((n) => [`${n}-stage-times.svg`, `${n}-variants.svg`, `${n}-trace.csv`, `${n}-timeline.svg`]);
  return [...files, ...['improvement.svg', 'improvement-simulated.svg', ...perNetwork].map((name) => ({ option: '--plots', file: path.join(plots, name) }))];
}

/** Stage-time and variant plots, and the pipeline timeline of the chosen plan (2 images simulated with a trace). */
async function networkPlots(result: OptimizeResult, arch: ArchSpec, net: ResolvedNetwork, dir: string, notes: NetworkNote[]): Promise<string[]> {
  const files = await writeOptimizePlots(result, arch, net, dir);
  const chosen = result.rows.find((r) => r.variant === result.chosen);
  if (chosen === undefined) return files;
  const trace = path.join(dir, `${result.network}-trace.csv`);
  try {
    await simulate(arch, net, chosen.choices, { images: 2, traceFile: trace });
    const file = path.join(dir, `${result.network}-timeline.svg`);
    await writeFileAtomic(file, await timelinePlot(trace, { title: `${result.network}: pipeline timeline of ${result.chosen} (simulated)` }));
    files.push(trace, file);
  } catch (error) {
    if (!isLrmpError(error)) throw error;
    notes.push({ network: result.network, note: `no timeline plot: the simulation of ${result.chosen} failed: ${error.message.split('\n')[0] ?? ''}` });
  }
  return files;
}

/** Where the outputs went, for the terminal. */
export function describeReproduce(s: ReproduceSummary): string {
  return [`reproduce: ${s.rows.length} rows in ${s.wallS.toFixed(0)} s`, ...s.files.map((f) => `  ${f}`), ...s.notes.map((n) => `  note: ${n.network}: ${n.note}`)].join('\n');
}
