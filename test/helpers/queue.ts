/**
 * Queue tests run against a real redis-server (started privately per test file) and real `lrmp worker`
 * processes from dist/. Without redis-server they are skipped with a one-line notice; under CI they fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import { findRedisServer, REDIS_INSTALL_HINT } from '../../scripts/queue/local-redis';

export const CLI = path.join(__dirname, '..', '..', 'dist', 'scripts', 'cli.js');

/** `describe` when redis-server is there; otherwise a skip with a notice (or, under CI=true, a failing test). */
export function describeWithRedis(name: string, body: () => void): void {
  if (findRedisServer() !== undefined) {
    describe(name, body);
    return;
  }
  if (process.env['CI'] === 'true') {
    test(`${name}: redis-server is installed (required under CI)`, () => {
      throw new Error(`redis-server not found on PATH; ${REDIS_INSTALL_HINT}`);
    });
    return;
  }
  process.stderr.write(`queue tests skipped (${name}): redis-server not found on PATH; ${REDIS_INSTALL_HINT}\n`);
  describe.skip(name, body);
}

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  log(): string;
}

/**
 * Starts `lrmp worker` with short stalled checks (1 s) so a killed worker's job comes back quickly; `argv`, when
 * given, replaces the whole command line after the script (`cli`, another build's or the compose file's).
 */
export function startWorker(url: string, extra: string[] = [], cli = CLI, env: NodeJS.ProcessEnv = process.env, argv?: readonly string[]): WorkerProcess {
  const args = argv ?? ['worker', '--queue', url, '--concurrency', '1', '--stalled-check-s', '1', ...extra];
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let text = '';
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, log: () => text };
}

/** Stops a worker gracefully (SIGTERM) unless it is already gone. */
export async function stopWorker(w: WorkerProcess): Promise<void> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    process.stderr.write(`worker ${w.child.pid} did not stop within 10 s of SIGTERM; killed. Its log:\n${w.log()}\n`);
    w.child.kill('SIGKILL');
  }, 10_000);
  await w.exited;
  clearTimeout(timer);
}

export function readRows(file: string): Array<Record<string, string>> {
  return parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;
}

/** Sorted by point index, so completion order does not matter. */
export function byIndex(rows: Array<Record<string, string>>): Array<Record<string, string>> {
  return [...rows].sort((a, b) => Number(a['point']) - Number(b['point']));
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
