#!/usr/bin/env node
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { isLrmpError } from '../errors';
import { analyzeCommand } from './commands/analyze';
import { archsCommand, networksCommand } from './commands/listings';
import { importCommand } from './commands/import';
import { simulateCommand } from './commands/simulate';
import { validateCommand } from './commands/validate';
import { describeSweep, sweepCommand } from './commands/sweep';
import { DEFAULT_EPISODES, describeReproduce, reproduceCommand } from './commands/reproduce';
import { optimizeCommand } from './commands/optimize';

/** Episodes of `npm start`: enough for the search to settle, short enough to finish in well under a minute. */
const START_EPISODES = 200;
import { OUTPUT_FORMATS, type OutputFormat } from './commands/output';

/** Runs a command; a user's mistake prints one paragraph and exits 2, a bug keeps its stack trace. */
async function run(task: () => void | Promise<void>): Promise<void> {
  try {
    await task();
  } catch (error) {
    if (isLrmpError(error)) {
      process.stderr.write(`lrmp: ${error.message}\n`);
      process.exit(error.exitCode);
    }
    throw error;
  }
}

function withNetworkArch<T>(y: Argv<T>) {
  return y
    .option('network', { alias: 'n', type: 'string', default: 'resnet18', describe: 'zoo name, or a .json/.csv network file' })
    .option('arch', { alias: 'a', type: 'string', default: 'puma', describe: 'preset (isaac, puma) or an architecture JSON file' })
    .option('arch-file', { type: 'string', array: true, describe: 'partial architecture JSON merged over --arch (repeatable)' })
    .option('set', { type: 'string', array: true, describe: 'override one architecture field, e.g. crossbar.rows=256 (repeatable)' })
    .option('plan', { type: 'string', describe: 'plan JSON: per-layer bits and replicas' })
    .option('wbits', { type: 'number', describe: 'uniform weight bits (overrides the plan defaults)' })
    .option('abits', { type: 'number', describe: 'uniform activation bits (overrides the plan defaults)' })
    .option('replicas', { type: 'number', describe: 'uniform replication (overrides the plan defaults)' })
    .option('input-shape', { type: 'string', describe: 'input shape for ONNX files with dynamic dimensions, e.g. 1x3x224x224' });
}

function withFormat<T>(y: Argv<T>) {
  return y
    .option('format', { alias: 'f', choices: OUTPUT_FORMATS, default: 'table' as OutputFormat, describe: 'output format' })
    .option('out', { alias: 'o', type: 'string', describe: 'write to this file (atomically) instead of stdout' });
}

export function buildCli(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('lrmp')
    .usage('$0 <command> [options]\n\nSimulator, analytical model and LRMP optimizer for spatial in-memory-computing accelerators.')
    .command(
      'analyze',
      'analytical model of a network on a chip: per-layer stage times, throughput, latency, area, energy',
      (y) => withFormat(withNetworkArch(y)),
      (args) => run(() => analyzeCommand({ ...args, archFile: args['arch-file'], inputShape: args['input-shape'], format: args.format })),
    )
    .command(
      'simulate',
      'cycle-level discrete-event simulation of a stream of images, with the analytical figures beside it',
      (y) =>
        withFormat(withNetworkArch(y))
          .option('images', { alias: 'i', type: 'number', describe: 'images streamed back to back (default: 16, 64, 256 until the interval settles within 1%; the output says when it has not)' })
          .option('trace', { type: 'string', describe: 'stream a CSV trace of row jobs to this file' }),
      (args) =>
        run(() =>
          simulateCommand({ ...args, archFile: args['arch-file'], inputShape: args['input-shape'], format: args.format }),
        ),
    )
    .command(
      'sweep',
      'what-if study: the cartesian product of architecture fields on a worker pool, one CSV row per point (resumable)',
      (y) =>
        withNetworkArch(y)
          .option('vary', { type: 'string', array: true, demandOption: true, describe: 'field=v1,v2,... (repeatable), e.g. crossbar.rows=64,128,256' })
          .option('analyze', { type: 'boolean', describe: 'analytical model only (the default)' })
          .option('simulate', { type: 'boolean', describe: 'also simulate every point' })
          .option('optimize', { type: 'boolean', describe: 'run the LRMP optimizer at every point' })
          .option('images', { alias: 'i', type: 'number', default: 2, describe: 'images per simulation (--simulate)' })
          .option('episodes', { type: 'number', default: 40, describe: 'search episodes per point (--optimize)' })
          .option('seed', { type: 'number', default: 1, describe: 'seed (--optimize)' })
          .option('accuracy-budget', { type: 'number', default: 1, describe: 'accuracy drop allowed, points (--optimize)' })
          .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'CSV file (rows appended as points finish)' })
          .option('resume', { type: 'boolean', default: false, describe: 'skip the points already in --out' })
          .option('workers', { alias: 'w', type: 'number', describe: 'worker threads (0 = in-process; default: CPU count)' })
          .option('plots', { type: 'string', describe: 'write SVG plots of each metric vs each varied field into this folder' }),
      (args) =>
        run(async () => {
          const summary = await sweepCommand({ ...args, archFile: args['arch-file'], inputShape: args['input-shape'], accuracyBudget: args['accuracy-budget'] });
          process.stdout.write(`${describeSweep(summary)}\n`);
        }),
    )
    .command(
      'reproduce',
      'the LRMP study on the five benchmarks (baseline, replication only, mixed precision only, LRMP at iso-area): results.csv and results.md beside the published ranges',
      (y) =>
        y
          .option('networks', { type: 'string', default: 'resnet18,resnet50,vgg16,mobilenetv2,alexnet', describe: 'comma-separated networks' })
          .option('arch', { alias: 'a', type: 'string', default: 'puma', describe: 'preset or architecture JSON file' })
          .option('arch-file', { type: 'string', array: true, describe: 'partial architecture JSON merged over --arch' })
          .option('set', { type: 'string', array: true, describe: 'override one architecture field (repeatable)' })
          .option('episodes', { type: 'number', default: DEFAULT_EPISODES, describe: 'DDPG search episodes per network' })
          .option('seed', { type: 'number', default: 1, describe: 'seed of every search' })
          .option('objective', { type: 'string', default: 'throughput', describe: 'throughput, latency or mix' })
          .option('accuracy-budget', { type: 'number', default: 1, describe: 'accuracy drop allowed, points' })
          .option('images', { alias: 'i', type: 'number', default: 4, describe: 'images per confirming simulation' })
          .option('out', { alias: 'o', type: 'string', default: 'out', describe: 'folder for results.csv and results.md' })
          .option('plots', { type: 'string', describe: 'folder for SVG plots (and the timelines\' CSV traces)' })
          .option('workers', { alias: 'w', type: 'number', describe: 'simulator worker threads (0 = in-process; default: CPU count)' }),
      (args) =>
        run(async () => {
          const summary = await reproduceCommand({ ...args, archFile: args['arch-file'], accuracyBudget: args['accuracy-budget'] });
          process.stdout.write(`${describeReproduce(summary)}\n`);
        }),
    )
    .command(
      'validate',
      'every zoo network through the analytical model and the simulator; CSV of both figures and their errors',
      (y) =>
        y
          .option('arch', { alias: 'a', type: 'string', default: 'puma', describe: 'preset or architecture JSON file' })
          .option('arch-file', { type: 'string', array: true, describe: 'partial architecture JSON merged over --arch' })
          .option('set', { type: 'string', array: true, describe: 'override one architecture field (repeatable)' })
          .option('networks', { type: 'string', default: 'all', describe: "'all' or a comma-separated list of zoo names" })
          .option('uncontended', { type: 'boolean', default: false, describe: 'ample NoC bandwidth and buffers (model and simulator should agree within 5%)' })
          .option('images', { alias: 'i', type: 'number', describe: 'images per simulation' })
          .option('out', { alias: 'o', type: 'string', default: 'validate.csv', describe: 'CSV to write' }),
      (args) => run(async () => void (await validateCommand({ ...args, archFile: args['arch-file'] }))),
    )
    .command(
      'optimize',
      'LRMP: per-layer precisions (RL) and replication (MILP) under an area budget, confirmed in the simulator',
      (y) =>
        y
          .option('network', { alias: 'n', type: 'string', default: 'resnet18', describe: 'zoo name, or a .json/.csv/.onnx network file' })
          .option('arch', { alias: 'a', type: 'string', default: 'puma', describe: 'preset (isaac, puma) or an architecture JSON file' })
          .option('arch-file', { type: 'string', array: true, describe: 'partial architecture JSON merged over --arch (repeatable)' })
          .option('set', { type: 'string', array: true, describe: 'override one architecture field (repeatable)' })
          .option('input-shape', { type: 'string', describe: 'input shape for ONNX files with dynamic dimensions' })
          .option('objective', { choices: ['throughput', 'latency', 'mix'] as const, default: 'throughput' as const, describe: 'what to optimize' })
          .option('mix-weight', { type: 'number', default: 0.5, describe: 'with --objective mix: weight of throughput (0..1)' })
          .option('accuracy-budget', { type: 'number', default: 1, describe: 'largest accuracy drop allowed, percentage points' })
          .option('accuracy', { choices: ['proxy', 'cmd', 'measured'] as const, describe: 'accuracy oracle (default: proxy, or cmd with --accuracy-cmd; measured: networks with trained weights, e.g. lenet5-mnist)' })
          .option('accuracy-cmd', { type: 'string', describe: 'external program: candidate JSON on stdin, {"accuracyPct": n} on stdout' })
          .option('accuracy-timeout-s', { type: 'number', default: 600, describe: 'timeout of one --accuracy-cmd run' })
          .option('episodes', { type: 'number', default: 600, describe: 'RL search episodes (after 20 warm-up episodes)' })
          .option('search-settings', { type: 'string', describe: "agent settings: 'haq' (HAQ's published agent) and/or key=value pairs, e.g. 'haq,hidden=128x128' (optimizer/README.md)" })
          .option('seed', { type: 'number', default: 1, describe: 'seed of every random number' })
          .option('milp', { choices: ['jslp', 'highs'] as const, default: 'jslp' as const, describe: 'MILP backend' })
          .option('tiles', { type: 'number', describe: 'area budget in tiles (default: the 8/8-bit r=1 baseline\'s tiles, iso-area)' })
          .option('area-mm2', { type: 'number', describe: 'area budget in mm2' })
          .option('top-k', { type: 'number', default: 5, describe: 'candidates confirmed in the simulator' })
          .option('workers', { type: 'number', default: 0, describe: 'simulator worker threads (0: in-process, -1: no simulation)' })
          .option('out', { alias: 'o', type: 'string', describe: 'result JSON; the plan and history CSV go beside it unless named' })
          .option('plan-out', { type: 'string', describe: 'the chosen plan (for analyze/simulate --plan)' })
          .option('history', { type: 'string', describe: 'per-episode history CSV' })
          .option('plots', { type: 'string', describe: 'folder for SVG plots: stage time per layer (baseline vs chosen), gains of each variant' }),
      (args) =>
        run(() => {
          const stem = args.out?.replace(/\.json$/i, '');
          return optimizeCommand({
            ...args,
            archFile: args['arch-file'],
            inputShape: args['input-shape'],
            mixWeight: args['mix-weight'],
            accuracyBudget: args['accuracy-budget'],
            accuracyCmd: args['accuracy-cmd'],
            accuracyTimeoutS: args['accuracy-timeout-s'],
            areaMm2: args['area-mm2'],
            topK: args['top-k'],
            searchSettings: args['search-settings'],
            planOut: args['plan-out'] ?? (stem === undefined ? undefined : `${stem}.plan.json`),
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
      'convert an ONNX file (exported from PyTorch) to the JSON layer graph',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true, describe: 'the .onnx file' })
          .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'the JSON network to write' })
          .option('input-shape', { type: 'string', describe: 'for dynamic dimensions, e.g. 1x3x224x224' }),
      (args) => run(() => importCommand({ file: args.file, out: args.out, inputShape: args['input-shape'] })),
    )
    .command(
      'networks',
      'list the built-in network zoo',
      (y) => y.option('format', { choices: ['table', 'json'] as const, default: 'table' as const }),
      (args) => run(() => networksCommand({ format: args.format })),
    )
    .command(
      'archs',
      'list the built-in architecture presets',
      (y) => y.option('format', { choices: ['table', 'json'] as const, default: 'table' as const }),
      (args) => run(() => archsCommand({ format: args.format })),
    )
    .demandCommand(1, 'name a command (see lrmp --help)')
    .strict()
    .help()
    .alias('help', 'h')
    .version(false)
    .wrap(Math.min(120, process.stdout.columns ?? 100))
    .fail((message, error, y) => {
      if (error) throw error;
      process.stderr.write(`lrmp: ${message}\n\n`);
      y.showHelp((text) => process.stderr.write(`${text}\n`));
      process.exit(2);
    });
}

if (require.main === module) {
  void buildCli(hideBin(process.argv)).parseAsync();
}
