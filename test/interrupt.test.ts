/**
 * Who ends the process on SIGINT/SIGTERM (interrupt.ts): the CLI (exitOnSignal) always exits 143 after the hooks,
 * temp files removed; a library host with a SIGTERM handler of its own (registered after lrmp's) gets the hooks run
 * and keeps its process; a library user with none exits 143 as before. Child processes on the compiled dist/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { CLI } from './helpers/run-cli';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-interrupt-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const INTERRUPT = path.join(path.dirname(CLI), '..', 'interrupt.js');

/** A process with a temp file and a hook registered, SIGTERMed once it says 'ready': its end, stderr, and the temp. */
async function interrupted(mode: 'library' | 'library+host' | 'cli+host'): Promise<{ code: number | null; signal: string | null; err: string; tempLeft: boolean }> {
  const temp = path.join(dir, `${mode}.tmp`);
  const script =
    `const fs = require('fs'); const i = require(${JSON.stringify(INTERRUPT)}); const [mode, temp] = process.argv.slice(1); ` +
    `if (mode.startsWith('cli')) i.exitOnSignal(); ` +
    `fs.writeFileSync(temp, 'partial'); i.keepTempUntilReleased(temp); i.onInterrupt(() => process.stderr.write('hook ran\\n')); ` +
    `const timer = setInterval(() => undefined, 1000); ` +
    `const watchdog = setTimeout(() => { clearInterval(timer); process.stderr.write('no signal came\\n'); }, 15000); ` +
    // The host's handler comes after lrmp's (it would run second): it stops the process its own way.
    `if (mode.endsWith('host')) process.on('SIGTERM', () => { process.stderr.write('host stops, temp there: ' + fs.existsSync(temp) + '\\n'); clearInterval(timer); clearTimeout(watchdog); }); ` +
    `process.stderr.write('ready\\n');`;
  const child = spawn(process.execPath, ['-e', script, mode, temp], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    if (err === 'ready\n') child.kill('SIGTERM');
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  return { code, signal, err, tempLeft: fs.existsSync(temp) };
}

describe('SIGTERM during a write', () => {
  test('the CLI exits 143 after the hooks, temp removed, even with a handler of its own', async () => {
    expect(await interrupted('cli+host')).toEqual({ code: 143, signal: null, err: 'ready\nhook ran\n', tempLeft: false });
  });

  test('a library host with its own handler: the hooks run, the process goes on, the temp goes at its exit', async () => {
    expect(await interrupted('library+host')).toEqual({ code: 0, signal: null, err: 'ready\nhook ran\nhost stops, temp there: true\n', tempLeft: false });
  });

  test('a library user without a handler: exit 143 after the hooks, temp removed', async () => {
    expect(await interrupted('library')).toEqual({ code: 143, signal: null, err: 'ready\nhook ran\n', tempLeft: false });
  });
});
