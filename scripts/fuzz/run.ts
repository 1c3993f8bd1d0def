/**
 * The fuzz runner: generated cases (generate.ts) on a pool of worker processes (worker.ts), each case with a time
 * limit (past it: a hang, and the worker is killed and replaced) and a memory guard (the worker's V8 heap limit: a
 * case that blows it kills the worker, a crash). Counts per class (classify.ts) and per input kind.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classify, FUZZ_CLASSES, type CaseRun, type FuzzClass, type Verdict } from './classify';
import { DEFAULT_KINDS, generateCase, INPUT_KINDS, type FuzzCase, type InputKind } from './generate';

export interface FuzzOptions {
  cases: number;
  /** @default 1 */
  seed?: number;
  /** Worker processes. @default 2 */
  workers?: number;
  /** Per-case time limit. @default 20 */
  timeoutS?: number;
  /** Heap limit of a worker. @default 1024 */
  memoryMb?: number;
  /** Input kinds the cases cycle through. @default DEFAULT_KINDS (all but 'real-onnx') */
  kinds?: readonly InputKind[];
  /** Called after each case. */
  onCase?: (c: FuzzCase, verdict: Verdict, ms: number) => void;
}

export interface FuzzSummary {
  counts: Record<FuzzClass, number>;
  byKind: Record<InputKind, Record<FuzzClass, number>>;
  /** Cases that are neither ok nor a clean error. */
  failures: Array<{ c: FuzzCase; verdict: Verdict }>;
  /** The slowest cases that ended (a typo must cost no more time than valid input), slowest first. */
  slowest: Array<{ c: FuzzCase; verdict: Verdict; ms: number }>;
  wallS: number;
}

/** The compiled worker (the harness always runs from dist/, as piscina workers do). */
function workerScript(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'scripts', 'fuzz', 'worker.js');
}

const zeroCounts = (): Record<FuzzClass, number> => Object.fromEntries(FUZZ_CLASSES.map((c) => [c, 0])) as Record<FuzzClass, number>;

/** One worker process and the case it is running. */
class Slot {
  private child: ChildProcess | undefined;
  private stderrTail = '';

  constructor(private readonly memoryMb: number) {}

  private async start(): Promise<ChildProcess> {
    const child = fork(workerScript(), [], { execArgv: [`--max-old-space-size=${this.memoryMb}`], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`fuzz worker exited at start (${String(code)}): ${this.stderrTail}`)));
    });
    this.child = child;
    return child;
  }

  /** Runs one case: its run, or the verdict of a worker that hung or died. */
  async run(c: FuzzCase, timeoutMs: number): Promise<CaseRun | Verdict> {
    const child = this.child ?? (await this.start());
    this.stderrTail = '';
    const started = performance.now();
    return new Promise((resolve) => {
      const done = (result: CaseRun | Verdict): void => {
        clearTimeout(timer);
        child.removeAllListeners('message');
        child.removeAllListeners('exit');
        resolve(result);
      };
      const timer = setTimeout(() => {
        this.child = undefined;
        child.removeAllListeners('exit');
        child.kill('SIGKILL');
        done({ cls: 'hang', reason: `no result after ${(timeoutMs / 1000).toFixed(0)} s` });
      }, timeoutMs);
      child.once('message', (result: CaseRun) => done(result));
      child.once('exit', (code, signal) => {
        this.child = undefined;
        const oom = /heap out of memory|Reached heap limit|invalid size error|Invalid array length/i.test(this.stderrTail);
        done({
          cls: 'crash',
          reason: `worker died (${signal ?? `exit ${String(code)}`}) after ${((performance.now() - started) / 1000).toFixed(1)} s${oom ? `: out of memory (heap limit ${this.memoryMb} MB)` : ''}: ${this.stderrTail.trim().split('\n').slice(0, 3).join(' | ')}`,
        });
      });
      child.send(c);
    });
  }

  stop(): void {
    this.child?.disconnect();
    this.child = undefined;
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const timeoutMs = (options.timeoutS ?? 20) * 1000;
  const counts = zeroCounts();
  const byKind = Object.fromEntries(INPUT_KINDS.map((k) => [k, zeroCounts()])) as Record<InputKind, Record<FuzzClass, number>>;
  const failures: FuzzSummary['failures'] = [];
  const slowest: FuzzSummary['slowest'] = [];
  let next = 0;
  const slots = Array.from({ length: Math.max(1, options.workers ?? 2) }, () => new Slot(options.memoryMb ?? 1024));
  try {
    await Promise.all(
      slots.map(async (slot) => {
        while (next < options.cases) {
          const c = generateCase(seed, next++, options.kinds ?? DEFAULT_KINDS);
          const t = performance.now();
          const result = await slot.run(c, timeoutMs);
          const verdict = 'cls' in result ? result : classify(c, result);
          counts[verdict.cls]++;
          byKind[c.kind][verdict.cls]++;
          if (verdict.cls !== 'ok' && verdict.cls !== 'clean error') failures.push({ c, verdict });
          const ms = performance.now() - t;
          if (verdict.cls !== 'hang') keepSlowest(slowest, { c, verdict, ms });
          options.onCase?.(c, verdict, ms);
        }
      }),
    );
  } finally {
    for (const slot of slots) slot.stop();
  }
  failures.sort((a, b) => a.c.id - b.c.id);
  return { counts, byKind, failures, slowest, wallS: (performance.now() - started) / 1000 };
}

const SLOWEST_KEPT = 10;

function keepSlowest(list: FuzzSummary['slowest'], entry: FuzzSummary['slowest'][number]): void {
  if (list.length === SLOWEST_KEPT && entry.ms <= (list[SLOWEST_KEPT - 1]?.ms ?? 0)) return;
  list.push(entry);
  list.sort((a, b) => b.ms - a.ms);
  if (list.length > SLOWEST_KEPT) list.pop();
}

/** The counts as `class: n` lines, then a table by input kind. */
export function describeFuzz(summary: FuzzSummary, cases: number): string {
  const lines = [`fuzz: ${cases} cases in ${summary.wallS.toFixed(1)} s`];
  for (const cls of FUZZ_CLASSES) lines.push(`${cls}: ${summary.counts[cls]}`);
  lines.push('', `${'input kind'.padEnd(14)}${FUZZ_CLASSES.map((c) => c.padStart(15)).join('')}`);
  for (const kind of INPUT_KINDS) lines.push(`${kind.padEnd(14)}${FUZZ_CLASSES.map((c) => String(summary.byKind[kind][c]).padStart(15)).join('')}`);
  return lines.join('\n');
}
