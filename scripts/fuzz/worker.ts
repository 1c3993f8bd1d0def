/**
 * A fuzz worker: a child process that runs cases one at a time through the real CLI, in-process (scripts/cli-run.ts),
 * each in a fresh folder holding its files, and reports what happened. The parent kills it on a hang; the V8 heap
 * limit it was started with is the memory guard (a case that exceeds it ends this process, and the parent sees).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCliInProcess } from '../cli-run';
import type { CaseRun } from './classify';
import type { FuzzCase } from './generate';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-fuzz-'));

/** `@name` -> the case folder's file. */
function expand(argv: readonly string[], dir: string): string[] {
  return argv.map((a) => (a.startsWith('@') ? path.join(dir, a.slice(1)) : a));
}

async function runCase(c: FuzzCase): Promise<CaseRun> {
  const dir = fs.mkdtempSync(path.join(root, `case-${c.id}-`));
  try {
    for (const f of c.files) fs.writeFileSync(path.join(dir, f.name), f.data);
    const inputs = new Set(c.files.map((f) => f.name));
    const started = performance.now();
    const run = await runCliInProcess(expand(c.argv, dir));
    const ms = performance.now() - started;
    const outputs: Record<string, string> = {};
    const leftoverTemps: string[] = [];
    for (const name of fs.readdirSync(dir)) {
      if (name.endsWith('.tmp')) leftoverTemps.push(name);
      else if (!inputs.has(name) && fs.statSync(path.join(dir, name)).isFile()) outputs[name] = fs.readFileSync(path.join(dir, name), 'utf8');
    }
    return { code: run.code, stdout: run.stdout, stderr: run.stderr, escaped: run.escaped, outputs, leftoverTemps, ms };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.on('message', (message: FuzzCase) => {
  void runCase(message).then((result) => process.send?.(result));
});
process.on('disconnect', () => {
  fs.rmSync(root, { recursive: true, force: true });
  process.exit(0);
});
process.send?.('ready');
