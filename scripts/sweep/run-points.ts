/**
 * Runs sweep tasks on a piscina pool (compiled worker from dist/) or in-process, handing each outcome to
 * `onOutcome` as soon as it finishes. Stops handing out outcomes once `signal` aborts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Piscina } from 'piscina';
import { evaluatePoint, errorText, type SweepOutcome, type SweepTask } from './point';

/** dist/ of this checkout, from compiled code (dist/scripts/sweep) or from sources under jest (scripts/sweep). */
export function distRoot(): string {
  const marker = `${path.sep}dist${path.sep}`;
  const i = __dirname.lastIndexOf(marker);
  return i >= 0 ? __dirname.slice(0, i + marker.length - 1) : path.resolve(__dirname, '..', '..', 'dist');
}

/** The compiled worker module the pool loads. @throws Error when dist/ has not been built */
export function sweepWorkerFile(root = distRoot()): string {
  const file = path.join(root, 'scripts', 'workers', 'sweep-point.js');
  if (!fs.existsSync(file)) throw new Error(`sweep worker ${file} is missing: build with 'npx tsc -p .' first (or run with --workers 0).`);
  return file;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || /abort/i.test(error.message));
}

/**
 * Evaluates every task; `workers` 0 runs them one by one in this thread. Resolves when all have finished or the
 * signal aborted (queued tasks are cancelled; outcomes arriving after the abort are dropped). The pool is always
 * destroyed.
 */
export async function runPoints(tasks: readonly SweepTask[], workers: number, onOutcome: (outcome: SweepOutcome) => void, signal?: AbortSignal): Promise<void> {
  if (tasks.length === 0) return;
  if (workers <= 0) {
    for (const task of tasks) {
      if (signal?.aborted) return;
      const outcome = await evaluatePoint(task);
      if (signal?.aborted) return;
      onOutcome(outcome);
    }
    return;
  }
  const threads = Math.min(workers, tasks.length);
  const pool = new Piscina({ filename: sweepWorkerFile(), minThreads: threads, maxThreads: threads, idleTimeout: 1000 });
  try {
    await Promise.all(
      tasks.map(async (task) => {
        let outcome: SweepOutcome;
        try {
          outcome = (await pool.run(task, signal ? { signal } : {})) as SweepOutcome;
        } catch (error) {
          if (signal?.aborted || isAbort(error)) return;
          // The worker itself died (out of memory, a crash): the point's row says so and the sweep goes on.
          outcome = { index: task.index, metrics: {}, error: `worker failed: ${errorText(error)}` };
        }
        if (!signal?.aborted) onOutcome(outcome);
      }),
    );
  } finally {
    await pool.destroy();
  }
}
