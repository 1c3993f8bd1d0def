import * as fs from 'node:fs';
import * as path from 'node:path';
import { Piscina } from 'piscina';
import confirmJob, { type ConfirmJob, type ConfirmOutcome } from './worker';

/**
 * Simulates candidate plans, on a piscina pool of `workers` threads (workers > 0) or in-process (0).
 * Workers load the compiled worker from dist/ (build with `npx tsc -p .`). Results come back in job order, so
 * the outcome does not depend on the worker count.
 */
export async function confirmCandidates(jobs: ConfirmJob[], workers: number, distRoot = defaultDistRoot()): Promise<ConfirmOutcome[]> {
  if (workers <= 0) {
    const out: ConfirmOutcome[] = [];
    for (const job of jobs) out.push(await confirmJob(job));
    return out;
  }
  const filename = path.join(distRoot, 'optimizer', 'confirm', 'worker.js');
  if (!fs.existsSync(filename)) {
    throw new Error(`confirmCandidates: ${filename} is missing; build with 'npx tsc -p .' first (or use 0 workers).`);
  }
  // No more threads than jobs (each thread loads the simulator).
  const threads = Math.max(1, Math.min(workers, jobs.length));
  const pool = new Piscina({ filename, minThreads: threads, maxThreads: threads });
  try {
    return await Promise.all(jobs.map((job) => pool.run(job) as Promise<ConfirmOutcome>));
  } finally {
    await pool.destroy();
  }
}

/** dist/ of this checkout, whether running from dist/ (compiled) or from sources (tests). */
export function defaultDistRoot(): string {
  const here = __dirname;
  const marker = `${path.sep}dist${path.sep}`;
  const i = here.lastIndexOf(marker);
  if (i >= 0) return here.slice(0, i + marker.length - 1);
  return path.resolve(here, '..', '..', 'dist');
}
