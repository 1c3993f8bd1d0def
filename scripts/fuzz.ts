/**
 * `npm run fuzz -- --cases 10000 [--seed 1] [--workers 2] [--timeout-s 20] [--memory-mb 1024] [--kind real-onnx] [--show 50]`: the long form of
 * the fuzz harness (scripts/fuzz/); prints counts per class and the cases (the first --show of them) that crashed, hung, printed a non-finite
 * number or succeeded wrongly (with their command lines, to reproduce). Exits 1 when there is any. `--kind` (repeatable)
 * picks the input kinds; the default is every kind but 'real-onnx' (LRMP_FUZZ_REAL_ONNX=cached adds the cached
 * catalogue models to the committed ones).
 */
import { DEFAULT_KINDS, INPUT_KINDS, type InputKind } from './fuzz/generate';
import { describeFuzz, runFuzz } from './fuzz/run';

function kindsOption(): readonly InputKind[] {
  const kinds: InputKind[] = [];
  process.argv.forEach((a, i) => {
    if (a !== '--kind') return;
    const value = process.argv[i + 1] ?? '';
    const kind = INPUT_KINDS.find((k) => k === value);
    if (kind === undefined) {
      process.stderr.write(`fuzz: --kind takes one of ${INPUT_KINDS.join(', ')}\n`);
      process.exit(2);
    }
    kinds.push(kind);
  });
  return kinds.length > 0 ? kinds : DEFAULT_KINDS;
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`fuzz: --${name} takes a non-negative integer\n`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const cases = option('cases', 1000);
  let done = 0;
  const summary = await runFuzz({
    cases,
    seed: option('seed', 1),
    workers: option('workers', 2),
    timeoutS: option('timeout-s', 20),
    memoryMb: option('memory-mb', 1024),
    kinds: kindsOption(),
    onCase: () => {
      done++;
      if (process.stderr.isTTY && done % 50 === 0) process.stderr.write(`\r${done}/${cases}`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  process.stdout.write(`${describeFuzz(summary, cases)}\n`);
  for (const { c, verdict } of summary.failures.slice(0, option('show', 50))) {
    process.stdout.write(`\n#${c.id} ${verdict.cls} [${c.kind}] ${c.note}\n  lrmp ${c.argv.join(' ')}\n  ${verdict.reason}\n`);
  }
  process.stdout.write('\nslowest cases that ended (wall time on this machine, at its load):\n');
  for (const { c, verdict, ms } of summary.slowest) {
    process.stdout.write(`  ${(ms / 1000).toFixed(1)} s #${c.id} ${verdict.cls} [${c.kind}] ${c.note}: lrmp ${c.argv.join(' ')}\n`);
  }
  process.exit(summary.failures.length > 0 ? 1 : 0);
}

void main();
