/**
 * What SIGINT and SIGTERM do to writes in progress. Hooks run first (in order, synchronously), e.g. a trace streamed
 * into a pipe finishing its row and saying it is incomplete (sim/trace.ts); the temp files of writes in progress are
 * removed when the process ends (io.ts tempFileFor), so a Ctrl-C never leaves one behind.
 * Who ends the process: the lrmp CLI (exitOnSignal) exits 130 or 143 after the hooks. A library host keeps its own
 * say: with a SIGINT/SIGTERM handler of its own (process.listenerCount), the hooks run and the process goes on; with
 * none, the process exits 130 or 143 as the signal's default would end it. The handlers are installed with the first
 * temp file or hook, so a process with none keeps the signals' defaults. Signal handlers exist only on the main thread.
 */
import * as fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const liveTemps = new Set<string>();
/** Run (in order, synchronously, once) on SIGINT or SIGTERM. */
const interruptHooks = new Set<() => void>();
let cleanupInstalled = false;
/** Set by the CLI: a signal always ends the process (exitOnSignal). */
let exitAlways = false;

function removeLiveTemps(): void {
  for (const temp of liveTemps) fs.rmSync(temp, { force: true });
  liveTemps.clear();
}

function runHooks(): void {
  const hooks = [...interruptHooks];
  interruptHooks.clear(); // a second signal must not finish a row or print the note again
  for (const hook of hooks) {
    try {
      hook();
    } catch {
      // the exit and the temp files' removal come first
    }
  }
}

function installCleanup(): void {
  if (cleanupInstalled || !isMainThread) return;
  cleanupInstalled = true;
  process.on('exit', removeLiveTemps);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      runHooks();
      if (!exitAlways && process.listenerCount(signal) > 1) return; // the host's handler decides; 'exit' removes the temps
      removeLiveTemps();
      process.exit(code);
    });
  }
}

/**
 * For the CLI's entry point: SIGINT/SIGTERM during a write end the process (exit 130 or 143) after the hooks, even
 * where the command has a signal handler of its own (the queue worker).
 */
export function exitOnSignal(): void {
  exitAlways = true;
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
 * Runs `hook` on SIGINT or SIGTERM, until the returned function is called. On the main thread only (worker threads
 * get no signals). A hook must leave its output stopped: in a library host the process may go on.
 */
export function onInterrupt(hook: () => void): () => void {
  if (!isMainThread) return () => undefined;
  installCleanup();
  interruptHooks.add(hook);
  return () => void interruptHooks.delete(hook);
}
