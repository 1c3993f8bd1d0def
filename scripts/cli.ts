#!/usr/bin/env node
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CliExit, debugFlag, reportError, runCommand } from './exit';
import { outputError, outputTarget } from '../io';
import { exitOnSignal } from '../interrupt';
import { MILP_BACKENDS } from '../optimizer/milp';
import {
  checkMissingValues, inputShapeOption, option, seqBlockOption, optionError, withArch, withFormat, withImages, withMixWeight, withNetwork, withOutFile, withOutput, withPlan, withSearch, withSeed, withWorkers,
} from './options';
import { analyzeCommand } from './commands/analyze';
import { archsCommand, networksCommand } from './commands/listings';
import { importCommand } from './commands/import';
import { simulateCommand } from './commands/simulate';
import { validateCommand } from './commands/validate';
import { describeSweep, sweepCommand } from './commands/sweep';
import { printReport } from './commands/output';
import { DEFAULT_EPISODES, describeReproduce, reproduceCommand } from './commands/reproduce';
import { optimizeCommand } from './commands/optimize';
import { withQueue, withWorkerOptions, workerCommand } from './commands/queue-options';
import { usageError, type CommandSignature } from './usage-error';

/** Episodes of `npm start`: enough for the search to settle, short enough to finish in well under a minute. */
const START_EPISODES = 200;

/** The commands below with their positional arguments, for the one-paragraph usage errors (usage-error.ts). */
export const COMMANDS: readonly CommandSignature[] = [
  ...['analyze', 'simulate', 'sweep', 'reproduce', 'worker', 'validate', 'optimize', 'start'].map((name) => ({ name, positionals: [] })),
  { name: 'import', positionals: ['file'] },
  ...['networks', 'archs'].map((name) => ({ name, positionals: [] })),
];

/** What the CLI does to end a run: exit the process (the default) or throw CliExit (in-process runs). */
export interface CliHooks {
  exit: (code: number) => void;
  debug: boolean;
  /** In-process run (tests, fuzz harness): yargs must not exit the process after --help. @default false */
  inProcess?: boolean;
}

function processHooks(argv: readonly string[]): CliHooks {
  return { exit: (code) => process.exit(code), debug: debugFlag(argv) };
}

export function buildCli(argv: string[], hooks: CliHooks = processHooks(argv)): Argv {
  /** Runs a command; a user's mistake exits 2, a bug exits 1 (scripts/exit.ts). */
  const run = async (task: () => void | Promise<void>): Promise<void> => {
    const code = await runCommand(task, hooks.debug);
    if (code !== 0) hooks.exit(code);
  };
  const inputs = <T>(y: Argv<T>) => withPlan(withArch(withNetwork(y)));
  return yargs(argv)
    .scriptName('lrmp')
    .usage('$0 <command> [options]\n\nSimulator, analytical model and LRMP optimizer for spatial in-memory-computing accelerators.')
    .option('debug', { type: 'boolean', describe: 'print the stack trace of an internal error' })
    .middleware(() => {
      // yargs lets a middleware's error escape parseAsync instead of calling .fail: report it here.
      try {
        checkMissingValues(argv);
      } catch (error) {
        hooks.exit(reportError(error, hooks.debug, (t) => void process.stderr.write(t)));
      }
    })
    .command(
      'analyze',
      'analytical model of a network on a chip: per-layer stage times, throughput, latency, area, energy',
      (y) => withOutput(inputs(y)),
      (args) => run(() => analyzeCommand(args)),
    )
    .command(
      'simulate',
      'cycle-level discrete-event simulation of a stream of images, with the analytical figures beside it',
      (y) =>
        withImages(withOutput(inputs(y)), undefined, 'images streamed back to back (default: 16, 64, 256 until the interval settles within 1%; the output says when it has not)').options({
          trace: option.text('trace', 'stream a CSV trace of row jobs to this file'),
        }),
      (args) => run(() => simulateCommand(args)),
    )
    .command(
      'sweep',
      'what-if study: the cartesian product of architecture fields on a worker pool, one CSV row per point (resumable)',
      (y) =>
        withQueue(withWorkers(withSeed(withImages(inputs(y), undefined, 'images per simulation (--simulate; default: as simulate, 16, 64, 256 until the interval settles within 1%, with a sim_settled column)')), 'the CPU count')).options({
          vary: { ...option.repeatable('vary', 'field=v1,v2,..., e.g. crossbar.rows=64,128,256'), demandOption: true },
          analyze: { type: 'boolean', describe: 'analytical model only (the default)' },
          simulate: { type: 'boolean', describe: 'also simulate every point' },
          optimize: { type: 'boolean', describe: 'run the LRMP optimizer at every point' },
          episodes: option.numeric('episodes', 'episodes', 'search episodes per point (--optimize)', { default: 40 }),
          'accuracy-budget': option.numeric('accuracy-budget', 'accuracyBudget', 'accuracy drop allowed (--optimize)', { default: 1 }),
          'accuracy-cmd': option.text('accuracy-cmd', '--optimize: external accuracy program (candidate JSON on stdin, {"accuracyPct": n} on stdout) instead of the proxy; queue workers need --allow-accuracy-cmd'),
          'accuracy-timeout-s': option.numeric('accuracy-timeout-s', 'accuracyTimeoutS', 'timeout of one --accuracy-cmd run', { default: 600 }),
          out: option.text('out', 'CSV file (rows appended as points finish)', { alias: 'o', demandOption: true }),
          resume: { type: 'boolean', default: false, describe: 'skip the points already in --out' },
          plots: option.text('plots', 'write SVG plots of each metric vs each varied field into this folder'),
        }),
      (args) =>
        run(async () => {
          const summary = await sweepCommand(args);
          printReport(describeSweep(summary), [args.out]);
        }),
    )
    .command(
      'reproduce',
      'the LRMP study on the five benchmarks (baseline, replication only, mixed precision only, LRMP at iso-area): results.csv and results.md beside the published ranges',
      (y) =>
        withQueue(withWorkers(withImages(withSeed(withSearch(withArch(y), DEFAULT_EPISODES)), undefined, 'images per confirming simulation (default: as optimize and simulate, 16, 64, 256 until the interval settles within 1%)'), 'the CPU count')).options({
          networks: option.text('networks', 'comma-separated networks (zoo names or network files)', { default: 'resnet18,resnet50,vgg16,mobilenetv2,alexnet' }),
          out: option.text('out', 'folder for results.csv and results.md', { alias: 'o', default: 'out' }),
          plots: option.text('plots', "folder for SVG plots (and the timelines' CSV traces)"),
        }),
      (args) =>
        run(async () => {
          const summary = await reproduceCommand(args);
          process.stdout.write(`${describeReproduce(summary)}\n`);
        }),
    )
    .command(
      'worker',
      'run the points of queued studies (sweep/reproduce --queue) on this machine until stopped (Ctrl-C: after the running jobs)',
      (y) => withWorkerOptions(y),
      (args) =>
        run(() =>
          // Dashed keys: with strip-aliased, yargs leaves the camelCase copies uncoerced (strings).
          workerCommand({
            queue: args.queue,
            concurrency: args.concurrency,
            stalledCheckS: args['stalled-check-s'],
            maxStalls: args['max-stalls'],
            refusalDelayS: args['refusal-delay-s'],
            allowAccuracyCmd: args['allow-accuracy-cmd'],
          }),
        ),
    )
    .command(
      'validate',
      'every zoo network through the analytical model and the simulator; CSV of both figures and their errors',
      (y) =>
        withImages(withArch(y), undefined, 'images per simulation (default: as simulate, 16, 64, 256 until the interval settles within 1%)').options({
          networks: option.text('networks', "'all' or a comma-separated list of zoo names and network files (.onnx, .json, .csv)", { default: 'all' }),
          'input-shape': inputShapeOption('; FILE.onnx@entry for one of several files (det.onnx@1x3x320x320 vad.onnx@sr:16000)'),
          'seq-block': seqBlockOption(),
          uncontended: { type: 'boolean', default: false, describe: 'ample NoC bandwidth and buffers (model and simulator should agree within 5%)' },
          out: option.text('out', 'CSV to write', { alias: 'o', default: 'validate.csv' }),
        }),
      (args) => run(async () => void (await validateCommand(args))),
    )
    .command(
      'optimize',
      'LRMP: per-layer precisions (RL) and replication (MILP) under an area budget, confirmed in the simulator',
      (y) =>
        withWorkers(withSeed(withMixWeight(withSearch(withArch(withNetwork(y)), 600))), 'one per core, for the confirming simulations').options({
          accuracy: option.choice('accuracy', ['proxy', 'cmd', 'measured'] as const, 'accuracy oracle (default: proxy, or cmd with --accuracy-cmd; measured: networks with trained weights, e.g. lenet5-mnist)'),
          'accuracy-cmd': option.text('accuracy-cmd', 'external program: candidate JSON on stdin, {"accuracyPct": n} on stdout'),
          'accuracy-timeout-s': option.numeric('accuracy-timeout-s', 'accuracyTimeoutS', 'timeout of one --accuracy-cmd run', { default: 600 }),
          'search-settings': option.text('search-settings', "agent settings: 'haq' (HAQ's published agent) and/or key=value pairs, e.g. 'haq,hidden=128x128' (optimizer/README.md)"),
          milp: option.choice('milp', MILP_BACKENDS, 'MILP backend', { default: 'jslp' }),
          tiles: option.numeric('tiles', 'budgetTiles', "area budget in tiles (default: the 8/8-bit r=1 baseline's tiles, iso-area)", undefined, "an integer from the baseline's tiles to the chip's"),
          'area-mm2': option.numeric('area-mm2', 'budgetAreaMm2', 'area budget in mm2', undefined, "at least the baseline's chip area (mm2)"),
          'top-k': option.numeric('top-k', 'topK', 'candidates confirmed in the simulator', { default: 5 }),
          confirm: { type: 'boolean', default: true, describe: 'confirm the top candidates in the simulator (--no-confirm: model only)' },
          out: option.text('out', 'result JSON; the plan and history CSV go beside it unless named', { alias: 'o' }),
          'plan-out': option.text('plan-out', 'the chosen plan (for analyze/simulate --plan)'),
          history: option.text('history', 'per-episode history CSV'),
          plots: option.text('plots', 'folder for SVG plots: stage time per layer (baseline vs chosen), gains of each variant'),
        }),
      (args) =>
        run(() => {
          // The plan and history go beside a result file, not beside a device or pipe (/dev/null.plan.json).
          const stem = args.out === undefined || outputTarget(args.out).direct ? undefined : args.out.replace(/\.json$/i, '');
          return optimizeCommand({
            ...args,
            workers: args.confirm ? args.workers : -1,
            planOut: args.planOut ?? (stem === undefined ? undefined : `${stem}.plan.json`),
            history: args.history ?? (stem === undefined ? undefined : `${stem}.history.csv`),
          });
        }),
    )
    .command(
      'start',
      'the main job on built-in defaults: LRMP on ResNet-18 on PUMA (200 episodes), plan written to out/',
      (y) => y,
      () =>
        run(() =>
          optimizeCommand({
            network: 'resnet18',
            arch: 'puma',
            episodes: START_EPISODES,
            out: 'out/resnet18-puma.json',
            planOut: 'out/resnet18-puma.plan.json',
            history: 'out/resnet18-puma.history.csv',
          }),
        ),
    )
    .command(
      'import <file>',
      'convert an ONNX file (PyTorch, TensorFlow or PaddlePaddle export) to the JSON layer graph',
      (y) =>
        withOutFile(y, 'the JSON network to write', { demandOption: true })
          .positional('file', { type: 'string', demandOption: true, describe: 'the .onnx file' })
          .options({ 'input-shape': inputShapeOption() }),
      (args) => run(() => importCommand({ file: args.file, out: args.out, inputShape: args.inputShape })),
    )
    .command(
      'networks',
      'list the built-in network zoo',
      (y) => withFormat(y, ['table', 'json'] as const),
      (args) => run(() => networksCommand({ format: args.format })),
    )
    .command(
      'archs',
      'list the built-in architecture presets',
      (y) => withFormat(y, ['table', 'json'] as const),
      (args) => run(() => archsCommand({ format: args.format })),
    )
    .demandCommand(1, 'name a command')
    .strict()
    .help()
    .alias('help', 'h')
    .version(false)
    .exitProcess(hooks.inProcess !== true)
    .wrap(hooks.inProcess === true ? null : Math.min(120, process.stdout.columns ?? 100))
    .fail((message, error) => {
      if (error instanceof CliExit) throw error;
      if (error) {
        hooks.exit(reportError(optionError(error) ?? error, hooks.debug, (t) => void process.stderr.write(t)));
        return;
      }
      // One paragraph, not yargs' whole help after it: the help is one --help away, and the error would scroll off.
      process.stderr.write(usageError(message, argv, COMMANDS));
      hooks.exit(2);
    });
}

/**
 * Errors writing stdout arrive as events, not exceptions. A reader that closed the pipe early (`| head`) wants no more
 * of it: later writes to stdout are dropped and the command goes on to its file outputs (exiting at once left an
 * optimize's plan and history unwritten), ending with its own exit code. Any other (a full disk behind `>`) is the
 * user's OutputFileError, never a stack trace.
 */
function handleStdoutErrors(argv: readonly string[]): void {
  let readerClosed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (readerClosed) return;
    if (error.code === 'EPIPE') {
      readerClosed = true;
      const dropped: typeof process.stdout.write = () => true;
      process.stdout.write = dropped;
      return;
    }
    process.exit(reportError(outputError('stdout', error), debugFlag(argv), (t) => void process.stderr.write(t)));
  });
}

if (require.main === module) {
  const argv = hideBin(process.argv);
  handleStdoutErrors(argv);
  exitOnSignal(); // Ctrl-C during a write: exit 130 (143 for SIGTERM), temp files removed (interrupt.ts)
  // Anything that escapes yargs is a bug: reported as an internal error, never an unhandled rejection.
  buildCli(argv)
    .parseAsync()
    .catch((error: unknown) => process.exit(reportError(error, debugFlag(argv), (t) => void process.stderr.write(t))));
}
