#!/usr/bin/env node
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { isLrmpError } from '../errors';
import { analyzeCommand } from './commands/analyze';
import { archsCommand, networksCommand } from './commands/listings';
import { importCommand } from './commands/import';
import { simulateCommand } from './commands/simulate';
import { validateCommand } from './commands/validate';
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
          .option('images', { alias: 'i', type: 'number', default: 4, describe: 'images streamed back to back' })
          .option('trace', { type: 'string', describe: 'stream a CSV trace of row jobs to this file' }),
      (args) =>
        run(() =>
          simulateCommand({ ...args, archFile: args['arch-file'], inputShape: args['input-shape'], format: args.format }),
        ),
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
      'start',
      'the main job on built-in defaults (ResNet-18 on PUMA)',
      (y) => y,
      () => run(() => analyzeCommand({ network: 'resnet18', arch: 'puma', format: 'table' })),
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
