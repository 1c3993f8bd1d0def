/**
 * `npm run metamorphic`: the whole metamorphic suite (scripts/metamorphic/suite.ts) over the zoo on the three
 * presets, model and simulator; prints every check that is not ok, a table per preset and network, and exits 1
 * when there is a violation (stated trades and drops within the measured spread are listed, not counted).
 * `--model-only` skips the simulator, `--sim-only` (or `--simulator`) the model; `--networks=a,b`,
 * `--presets=isaac,puma`, `--plans=baseline` and `--relations=N,M` (indices into RELATIONS) narrow the run;
 * `--images=N` streams N images per simulation instead of the settle rule's count (sim/settle.ts);
 * `--out=FILE` appends one JSON line per check as it is made; `--from=FILE[,FILE]` prints the table of such lines
 * without running anything.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { presetArch } from '../arch/presets';
import { MappingError } from '../errors';
import { resolveNetwork } from '../workloads/shapes';
import { zooNames, zooNetwork } from '../workloads/zoo';
import { checkNetwork, describeViolation, RELATIONS, type Check } from './metamorphic/suite';
import { summaryTable } from './metamorphic/table';

const arg = (name: string): string[] | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(',');
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

async function run(): Promise<Check[]> {
  const modelOnly = flag('model-only');
  const simOnly = flag('sim-only') || flag('simulator');
  const only = arg('networks');
  const images = arg('images')?.map(Number)[0];
  const out = arg('out')?.[0];
  const plans = arg('plans');
  const relationIndices = arg('relations')?.map(Number);
  const relations = relationIndices?.map((i) => {
    const relation = RELATIONS[i];
    if (!relation) throw new Error(`--relations: ${i} is not an index into the ${RELATIONS.length} relations`);
    return relation;
  });
  const presets = (arg('presets') ?? ['isaac', 'puma', 'xformer']) as Array<'isaac' | 'puma' | 'xformer'>;
  const all: Check[] = [];
  for (const preset of presets) {
    for (const name of only ?? zooNames()) {
      const net = resolveNetwork(zooNetwork(name));
      const started = performance.now();
      let result: Awaited<ReturnType<typeof checkNetwork>>;
      try {
        result = await checkNetwork(presetArch(preset), net, {
          sides: modelOnly ? ['model'] : simOnly ? ['simulator'] : ['model', 'simulator'],
          images,
          ...(plans ? { plans } : {}),
          ...(relations ? { relations } : {}),
          onCheck: (check) => {
            if (out !== undefined) appendFileSync(out, `${JSON.stringify(check)}\n`);
          },
        });
      } catch (error) {
        // Networks that do not fit the preset at all (transformers on 64 KB tiles) have no plan to check.
        if (!(error instanceof MappingError)) throw error;
        process.stdout.write(`${preset} ${name}: skipped, no plan fits: ${error.message.split('. ')[0] ?? ''}\n`);
        continue;
      }
      all.push(...result.records);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(`${preset} ${name}: ${result.checks} checks, ${result.violations.length} violations (${seconds} s)\n`);
      for (const c of result.records) if (c.verdict !== 'ok') process.stdout.write(`  ${describeViolation(c)}\n`);
    }
  }
  return all;
}

async function main(): Promise<void> {
  const from = arg('from');
  const checks = from ? from.flatMap((file) => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Check)) : await run();
  if (from) for (const c of checks) if (c.verdict !== 'ok') process.stdout.write(`  ${describeViolation(c)}\n`);
  process.stdout.write(`\n${summaryTable(checks)}\n`);
  const violations = checks.filter((c) => c.verdict === 'violation').length;
  process.stdout.write(`${checks.length} checks, ${violations} violations\n`);
  process.exitCode = violations > 0 ? 1 : 0;
}

void main();
