/**
 * `npm run metamorphic`: the whole metamorphic suite (scripts/metamorphic/suite.ts) over the zoo on both presets,
 * model and simulator; prints every violation and exits 1 when there is one. `--model-only` skips the simulator,
 * `--sim-only` the model; `--networks=a,b` and `--presets=isaac,puma` narrow the run;
 * `--images=N` streams N images per simulation instead of the settle rule's count (sim/settle.ts).
 */
import { presetArch } from '../arch/presets';
import { MappingError } from '../errors';
import { resolveNetwork } from '../workloads/shapes';
import { zooNames, zooNetwork } from '../workloads/zoo';
import { checkNetwork, describeViolation } from './metamorphic/suite';

async function main(): Promise<void> {
  const modelOnly = process.argv.includes('--model-only');
  const simOnly = process.argv.includes('--sim-only');
  const arg = (name: string): string[] | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(',');
  const only = arg('networks');
  const images = arg('images')?.map(Number)[0];
  const presets = (arg('presets') ?? ['isaac', 'puma', 'xformer']) as Array<'isaac' | 'puma' | 'xformer'>;
  let checks = 0;
  let failed = 0;
  for (const preset of presets) {
    for (const name of only ?? zooNames()) {
      const net = resolveNetwork(zooNetwork(name));
      const started = performance.now();
      let result: Awaited<ReturnType<typeof checkNetwork>>;
      try {
        result = await checkNetwork(presetArch(preset), net, { sides: modelOnly ? ['model'] : simOnly ? ['simulator'] : ['model', 'simulator'], images });
      } catch (error) {
        // Networks that do not fit the preset at all (transformers on 64 KB tiles) have no plan to check.
        if (!(error instanceof MappingError)) throw error;
        process.stdout.write(`${preset} ${name}: skipped, no plan fits: ${error.message.split('. ')[0] ?? ''}\n`);
        continue;
      }
      checks += result.checks;
      failed += result.violations.length;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(`${preset} ${name}: ${result.checks} checks, ${result.violations.length} violations (${seconds} s)\n`);
      for (const v of result.violations) process.stdout.write(`  ${describeViolation(v)}\n`);
    }
  }
  process.stdout.write(`${checks} checks, ${failed} violations\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
