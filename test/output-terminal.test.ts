/**
 * A sweep whose rows go to a terminal (`--out /dev/tty`) draws no progress bar: the bar's redraws ("\rsweep ... 1/2")
 * would land on the rows' lines. Run in a pseudo-terminal made by util-linux `script` (its controlling terminal is
 * the child's stdin, stdout, stderr and /dev/tty); the rows reach the terminal through the tool's own output.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI } from './helpers/run-cli';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-tty-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What a terminal showed while `lrmp ...args` ran in it (script's log of the session, its header and footer cut). */
function inTerminal(name: string, args: readonly string[]): { status: number | null; screen: string } {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  const log = path.join(dir, `${name}.log`);
  // -e: script exits with the command's status; the timeout kills it, so a hang fails the test instead of jest.
  const run = spawnSync('script', ['-qec', command, log], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  const text = fs.readFileSync(log, 'utf8');
  const lines = text.split('\n');
  return { status: run.status, screen: lines.slice(1, lines.findIndex((l) => l.startsWith('Script done'))).join('\n') };
}

const SWEEP = ['sweep', '--network', 'lenet5-mnist', '--vary', 'crossbar.rows=64,128', '--workers', '0'];

(hasScript ? describe : describe.skip)('sweep rows on a terminal', () => {
  test('--out /dev/tty: the rows alone on their lines, no bar; to a file the same terminal shows the bar', () => {
    const tty = inTerminal('tty', [...SWEEP, '--out', '/dev/tty']);
    expect(tty.status).toBe(0);
    // The terminal turns each \n into \r\n; a bar would add \r-led redraws ("\rsweep lenet5-mnist [...] 0/2   point,...").
    const lines = tty.screen.split('\r\n');
    expect(lines[0]).toMatch(/^point,network,arch,crossbar\.rows,/);
    expect(lines.slice(1, 3).map((l) => l.split(',').slice(0, 4).join(',')).sort()).toEqual(['0,lenet5-mnist,puma,64', '1,lenet5-mnist,puma,128']);
    expect(lines[3]).toMatch(/^sweep: 2 of 2 points written to \/dev\/tty/);
    expect(tty.screen).not.toContain('sweep lenet5-mnist [');
    // The control: stderr is a terminal here, so a sweep into a file draws its bar.
    const file = inTerminal('file', [...SWEEP, '--out', path.join(dir, 'sweep.csv')]);
    expect(file.status).toBe(0);
    expect(file.screen).toContain('\rsweep lenet5-mnist [');
    expect(fs.readFileSync(path.join(dir, 'sweep.csv'), 'utf8').split('\n')[0]).toMatch(/^point,/);
  }, 60_000);
});

(hasScript ? describe : describe.skip)('a simulate trace on a terminal', () => {
  test('--trace /dev/tty: no progress bar among the rows; to a file the same terminal shows the bar', () => {
    // 20 images: progress reports enough for a bar (redrawn per whole percent), a trace small enough for the pipe's buffer.
    const SIM = ['simulate', '--network', 'lenet5-mnist', '--images', '20'];
    const tty = inTerminal('sim-tty', [...SIM, '--trace', '/dev/tty']);
    expect(tty.status).toBe(0);
    expect(tty.screen).toMatch(/^kind,layer,/); // the trace's header first
    expect(tty.screen).not.toContain('simulating [');
    const file = inTerminal('sim-file', [...SIM, '--trace', path.join(dir, 'trace.csv')]);
    expect(file.status).toBe(0);
    expect(file.screen).toContain('simulating [');
  }, 60_000);
});
