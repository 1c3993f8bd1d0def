/**
 * `npm run metamorphic`: the whole metamorphic suite (scripts/metamorphic/suite.ts) over the zoo on the three
 * presets, model and simulator; prints every check that is not ok, a table per preset and network, and exits 1
 * when there is a violation (stated trades and drops within the measured spread are listed, not counted).
 * `--model-only` skips the simulator, `--sim-only` (or `--simulator`) the model; `--networks=a,b`,
 * `--presets=isaac,puma`, `--plans=baseline` and `--relations=N,M` (indices into RELATIONS) narrow the run;
 * a simulated stream grows by the settle rule (sim/settle.ts) until it settles, within the suite's limits
 * (SUITE_LIMITS: 16,384 images, 500M events per run, past `simulate`'s 256 images and 40M events, so a large transformer
 * is not judged on a stream the event cap cut short); `--max-images=N` and `--max-run-events=N` set them, `--images=N`
 * streams N images per simulation instead. A simulated check that drops throughput by more than 0.5% (or has a stream
 * not settled) is judged again on streams of equal length, the longer one's, then 4x that, within the limits
 * (scripts/metamorphic/streams.ts). A check with a stream that still did not settle gets no verdict
 * ('unsettled', listed and counted; exit 1 like a violation). Every check not ok is printed with its streams' image
 * counts; `--verbose` prints every check. `--out=FILE` appends one JSON line per check as it is made;
 * `--from=FILE[,FILE]` prints the table of such lines, judged again, without running anything.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { presetArch } from '../arch/presets';
import { MappingError } from '../errors';
import { resolveNetwork } from '../workloads/shapes';
import { zooNames, zooNetwork } from '../workloads/zoo';
import { checkNetwork, describeViolation, judge, RELATIONS, SUITE_LIMITS, type Check } from './metamorphic/suite';
import { summaryTable } from './metamorphic/table';
import { checkMetamorphicArgs } from './metamorphic/options';

const arg = (name: string): string[] | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(',');
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

/** `--name=N`, a count (1e8 allowed); exits 2 with one line on anything else. */
function countArg(name: string): number | undefined {
  const text = arg(name)?.join(',');
  if (text === undefined) return undefined;
  const value = Number(text);
  if (Number.isInteger(value) && value >= 1) return value;
  process.stderr.write(`metamorphic: --${name}=${text} is not allowed: a whole number >= 1 (e.g. 256 or 5e8).\n`);
  process.exit(2);
}

async function run(): Promise<Check[]> {
  const modelOnly = flag('model-only');
  const simOnly = flag('sim-only') || flag('simulator');
  const only = arg('networks');
  const images = countArg('images');
  const limits = { maxImages: countArg('max-images') ?? SUITE_LIMITS.maxImages, maxRunEvents: countArg('max-run-events') ?? SUITE_LIMITS.maxRunEvents };
  const verbose = flag('verbose');
  const out = arg('out')?.[0];
  const plans = arg('plans');
  const relationIndices = arg('relations')?.map(Number);
  // Indices were checked against RELATIONS by checkMetamorphicArgs.
  const relations = relationIndices?.flatMap((i) => RELATIONS[i] ?? []);
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
          limits,
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
      const unsettled = result.records.filter((c) => c.verdict === 'unsettled').length;
      process.stdout.write(`${preset} ${name}: ${result.checks} checks, ${result.violations.length} violations, ${unsettled} unsettled (${seconds} s)${streamSummary(result.records)}\n`);
      for (const c of result.records) if (verbose || c.verdict !== 'ok') process.stdout.write(`  ${describeViolation(c)}\n`);
    }
  }
  return all;
}

/** '; streams 256 images x12, 1024 x6, 2 not settled': the simulated figures' stream lengths ('' for the model). */
function streamSummary(records: readonly Check[]): string {
  const figures = records.filter((c) => c.side === 'simulator' && c.error === undefined).flatMap((c) => [c.before, c.after]);
  const counts = new Map<number, number>();
  for (const f of figures) {
    const images = f.runs?.[f.runs.length - 1];
    if (images !== undefined) counts.set(images, (counts.get(images) ?? 0) + 1);
  }
  if (counts.size === 0) return '';
  const lengths = [...counts].sort((a, b) => a[0] - b[0]).map(([images, n]) => `${images} x${n}`).join(', ');
  const unsettled = figures.filter((f) => f.settled === false).length;
  return `; figures from streams of ${lengths} images (before/after, repeats included), ${unsettled} not settled`;
}

/** A --from file's checks; exits 2 naming the file (and line) when it cannot be read or a line is not JSON. */
function read(file: string): Check[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    process.stderr.write(`metamorphic: --from: cannot read '${file}': ${(error as Error).message}\n`);
    process.exit(2);
  }
  return text.split('\n').flatMap((line, k) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as Check];
    } catch {
      process.stderr.write(`metamorphic: --from: ${file} line ${k + 1} is not a JSON check line (as --out writes)\n`);
      process.exit(2);
    }
  });
}

async function main(): Promise<void> {
  checkMetamorphicArgs(process.argv.slice(2), RELATIONS.length);
  const from = arg('from');
  // Lines written by an older suite are judged again by today's rule.
  const checks = from ? from.flatMap(read).map((c) => ({ ...c, ...judge(c) })) : await run();
  if (from) for (const c of checks) if (flag('verbose') || c.verdict !== 'ok') process.stdout.write(`  ${describeViolation(c)}\n`);
  process.stdout.write(`\n${summaryTable(checks)}\n`);
  const violations = checks.filter((c) => c.verdict === 'violation').length;
  const unsettled = checks.filter((c) => c.verdict === 'unsettled').length;
  process.stdout.write(`${checks.length} checks, ${violations} violations, ${unsettled} unsettled (no verdict: a stream did not settle within the limits)\n`);
  process.exitCode = violations + unsettled > 0 ? 1 : 0;
}

void main();
