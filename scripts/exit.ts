/**
 * How the CLI ends: a user's mistake (LrmpError) prints its paragraph and exits 2; anything else is a bug in lrmp,
 * reported as an internal error with "please report" and exit 1, with the stack trace only under --debug.
 */
import { isLrmpError } from '../errors';

/** Thrown by a non-exiting CLI hook (in-process runs: tests, the fuzz harness) to end the command with `code`. */
export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Whether the command line asks for stack traces. */
export function debugFlag(argv: readonly string[]): boolean {
  return argv.includes('--debug');
}

/** Writes what the user should read about `error`; returns the exit code. */
export function reportError(error: unknown, debug: boolean, write: (text: string) => void): number {
  if (isLrmpError(error)) {
    write(`lrmp: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(
    `lrmp: internal error: ${message}\n` +
      'This is a bug in lrmp, not a problem with your input: please report it with the command line that caused it' +
      `${debug ? '.' : ' (run it again with --debug to include the stack trace).'}\n`,
  );
  if (debug && error instanceof Error && error.stack !== undefined) write(`${error.stack}\n`);
  return 1;
}

/** Runs a command; returns its exit code (0 on success), having reported any error. */
export async function runCommand(task: () => void | Promise<void>, debug: boolean, write: (text: string) => void = (t) => void process.stderr.write(t)): Promise<number> {
  try {
    await task();
    return 0;
  } catch (error) {
    if (error instanceof CliExit) throw error;
    return reportError(error, debug, write);
  }
}
