/**
 * Runs the CLI inside this process with stdout and stderr captured: the regression tests and the fuzz harness
 * (scripts/fuzz/) drive the real command line this way, without a process start per case. One run at a time.
 */
import { buildCli } from './cli';
import { CliExit, reportError } from './exit';

export interface CliRun {
  /** Exit code: 0 success, 2 the user's mistake, 1 an internal error (or anything that escaped the CLI). */
  code: number;
  stdout: string;
  stderr: string;
  /** An error that escaped the CLI's own handling (a crash), with its stack. */
  escaped?: string;
}

type Write = typeof process.stdout.write;

export async function runCliInProcess(argv: readonly string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const outWrite: Write = process.stdout.write.bind(process.stdout);
  const errWrite: Write = process.stderr.write.bind(process.stderr);
  const capture = (append: (text: string) => void): Write =>
    ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((r): r is () => void => typeof r === 'function');
      callback?.();
      return true;
    }) as Write;
  process.stdout.write = capture((t) => (stdout += t));
  process.stderr.write = capture((t) => (stderr += t));
  // yargs prints help and its messages with console.log/console.error, which a test runner may redirect.
  const { log, error: logError } = console;
  console.log = (...parts: unknown[]): void => void (stdout += `${parts.map(String).join(' ')}\n`);
  console.error = (...parts: unknown[]): void => void (stderr += `${parts.map(String).join(' ')}\n`);
  const result: CliRun = { code: 0, stdout: '', stderr: '' };
  try {
    await buildCli([...argv], { exit: (code) => { throw new CliExit(code); }, debug: argv.includes('--debug'), inProcess: true }).parseAsync();
  } catch (error) {
    if (error instanceof CliExit) result.code = error.code;
    else {
      result.code = reportError(error, false, (t) => (stderr += t));
      result.escaped = error instanceof Error ? (error.stack ?? error.message) : String(error);
    }
  } finally {
    process.stdout.write = outWrite;
    process.stderr.write = errWrite;
    console.log = log;
    console.error = logError;
  }
  result.stdout = stdout;
  result.stderr = stderr;
  return result;
}
