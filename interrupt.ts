/**
 * What happens when SIGINT or SIGTERM ends the process (exit 130 or 143): the temp files of writes in progress are
 * removed, so a Ctrl-C never leaves one behind (io.ts tempFileFor), and hooks run first, e.g. a trace streamed into a
 * pipe finishing its row and saying it is incomplete (sim/trace.ts). Signal handlers exist only on the main thread.
 */
import * as fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const liveTemps = new Set<string>();
/** Run (in order, synchronously) when SIGINT or SIGTERM ends the process. */
const interruptHooks = new Set<() => void>();
let cleanupInstalled = false;

function removeLiveTemps(): void {
  for (const temp of liveTemps) fs.rmSync(temp, { force: true });
  liveTemps.clear();
}

function installCleanup(): void {
  if (cleanupInstalled || !isMainThread) return;
  cleanupInstalled = true;
  process.on('exit', removeLiveTemps);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      for (const hook of interruptHooks) {
        try {
          hook();
        } catch {
          // the exit and the temp files' removal come first
        }
      }
      removeLiveTemps();
      process.exit(code);
    });
  }
}

/** Removes `temp` if the process is interrupted or exits before tempReleased(temp). */
export function keepTempUntilReleased(temp: string): void {
  installCleanup();
  liveTemps.add(temp);
}

export function tempReleased(temp: string): void {
  liveTemps.delete(temp);
}

/**
 * Runs `hook` if SIGINT or SIGTERM ends the process, until the returned function is called. On the main thread only
 * (worker threads get no signals).
 */
export function onInterrupt(hook: () => void): () => void {
  if (!isMainThread) return () => undefined;
  installCleanup();
  interruptHooks.add(hook);
  return () => void interruptHooks.delete(hook);
}
