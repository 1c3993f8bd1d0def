import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import { sweepCommand, type SweepArgs } from '../scripts/commands/sweep';
import { loadInputs } from '../scripts/commands/inputs';
import { prepareModel, evaluateModel } from '../optimizer/model';
import { simulateSettled } from '../sim/settle';
import { InputFileError, ValidationError } from '../errors';

const VARY = ['crossbar.rows=64,128,256', 'adc.bits=6,8'];

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-sweep-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function readRows(file: string): Array<Record<string, string>> {
  return parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;
}

function args(out: string, extra: Partial<SweepArgs> = {}): SweepArgs {
  return { network: 'resnet18', arch: 'puma', vary: VARY, out, workers: 0, ...extra };
}

/** The rows as a set: sorted by point index, so completion order does not matter. */
function byIndex(rows: Array<Record<string, string>>): Array<Record<string, string>> {
  return [...rows].sort((a, b) => Number(a['point']) - Number(b['point']));
}

describe('lrmp sweep', () => {
  test('a 3 x 2 sweep on ResNet-18 writes 6 rows, one per combination, each equal to analyzing that point alone', async () => {
    const out = path.join(dir, 'sweep.csv');
    const summary = await sweepCommand(args(out));
    expect(summary).toMatchObject({ points: 6, written: 6, skipped: 0, failed: 0 });
    const rows = byIndex(readRows(out));
    expect(rows).toHaveLength(6);
    // First --vary varies slowest: point k is rows[floor(k/2)], bits[k%2].
    expect(rows.map((r) => [r['point'], r['crossbar.rows'], r['adc.bits']])).toEqual([
      ['0', '64', '6'], ['1', '64', '8'], ['2', '128', '6'], ['3', '128', '8'], ['4', '256', '6'], ['5', '256', '8'],
    ]);
    for (const row of rows) {
      expect(row['error']).toBe('');
      // Second path to the same figure: the analytical model run directly with the point's --set assignments.
      const inputs = loadInputs({ network: 'resnet18', arch: 'puma', set: [`crossbar.rows=${row['crossbar.rows']}`, `adc.bits=${row['adc.bits']}`] });
      const model = evaluateModel(prepareModel(inputs.arch, inputs.net), inputs.choices);
      expect(Number(row['throughput_images_per_s'])).toBeCloseTo(model.throughputImagesPerS, 6);
      expect(Number(row['crossbars_used'])).toBe(model.crossbarsUsed);
      expect(Number(row['area_mm2'])).toBeCloseTo(model.areaMm2, 9);
      expect(row['bottleneck_layer']).toBe(model.bottleneckLayer);
    }
    // Taller crossbars hold more weight rows each: strictly fewer crossbars as rows grow 64 -> 128 -> 256.
    const xbars = [0, 2, 4].map((k) => Number(rows[k]?.['crossbars_used']));
    expect(xbars[0]).toBeGreaterThan(xbars[1] ?? Infinity);
    expect(xbars[1]).toBeGreaterThan(xbars[2] ?? Infinity);
  });

  test('the worker pool gives the same set of rows as the in-process run', async () => {
    const a = path.join(dir, 'a.csv');
    const b = path.join(dir, 'b.csv');
    await sweepCommand(args(a));
    await sweepCommand(args(b, { workers: 2 }));
    expect(byIndex(readRows(b))).toEqual(byIndex(readRows(a)));
  }, 30_000);

  test('stopped after 3 rows, then resumed: the same 6 rows, no duplicates', async () => {
    const full = path.join(dir, 'full.csv');
    await sweepCommand(args(full));
    const out = path.join(dir, 'sweep.csv');
    const controller = new AbortController();
    let seen = 0;
    const first = await sweepCommand(args(out, { signal: controller.signal, onRow: () => ++seen === 3 && controller.abort() }));
    expect(first.written).toBe(3);
    expect(readRows(out)).toHaveLength(3);
    const second = await sweepCommand(args(out, { resume: true }));
    expect(second).toMatchObject({ skipped: 3, written: 3 });
    const rows = readRows(out);
    expect(new Set(rows.map((r) => r['point'])).size).toBe(6);
    expect(byIndex(rows)).toEqual(byIndex(readRows(full)));
    // Header written once.
    expect(fs.readFileSync(out, 'utf8').split('\n').filter((l) => l.startsWith('point,')).length).toBe(1);
  });

  test('a kill mid-write leaves a torn last line; --resume cuts it and redoes that point', async () => {
    const full = path.join(dir, 'full.csv');
    await sweepCommand(args(full));
    const lines = fs.readFileSync(full, 'utf8').split('\n');
    const out = path.join(dir, 'sweep.csv');
    // Header + 2 rows + half of the third row, no newline at the end.
    fs.writeFileSync(out, `${lines.slice(0, 3).join('\n')}\n${(lines[3] ?? '').slice(0, 20)}`);
    const summary = await sweepCommand(args(out, { resume: true }));
    expect(summary).toMatchObject({ skipped: 2, written: 4 });
    expect(byIndex(readRows(out))).toEqual(byIndex(readRows(full)));
  });

  test('a sweep process killed with SIGKILL keeps its finished rows; --resume completes it without duplicates', async () => {
    const cli = path.join(__dirname, '..', 'dist', 'scripts', 'commands', 'sweep.js');
    expect(fs.existsSync(cli)).toBe(true); // npm test compiles dist/ first
    const out = path.join(dir, 'sweep.csv');
    const script = `require(${JSON.stringify(cli)}).sweepCommand({network:'resnet18',arch:'puma',vary:${JSON.stringify(VARY)},out:${JSON.stringify(out)},workers:1})`;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill as soon as a first data row is on disk.
    for (let i = 0; i < 3000; i++) {
      if (fs.existsSync(out) && fs.readFileSync(out, 'utf8').split('\n').length >= 3) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await exited;
    const before = readRows(out).length;
    expect(before).toBeGreaterThanOrEqual(1);
    const summary = await sweepCommand(args(out, { resume: true }));
    expect(summary.skipped + summary.written).toBe(6);
    const rows = readRows(out);
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r) => r['point'])).size).toBe(6);
  }, 30_000);

  test('a point that fails writes its error and the sweep goes on', async () => {
    const out = path.join(dir, 'sweep.csv');
    // 4 tiles cannot hold ResNet-18 (its 8-bit weights need ~25 PUMA tiles).
    const summary = await sweepCommand(args(out, { vary: ['chip.tiles=4,138'] }));
    expect(summary).toMatchObject({ written: 2, failed: 1 });
    const rows = byIndex(readRows(out));
    expect(rows[0]?.['error']).toMatch(/MappingError|does not fit|tiles/i);
    expect(rows[0]?.['throughput_images_per_s']).toBe('');
    expect(rows[1]?.['error']).toBe('');
    expect(Number(rows[1]?.['throughput_images_per_s'])).toBeGreaterThan(0);
    // Each value is valid alone, but 128 ADCs per crossbar exceed 64 columns: only that combination fails.
    const out2 = path.join(dir, 'sweep2.csv');
    const second = await sweepCommand(args(out2, { vary: ['crossbar.cols=64,128', 'adc.perCrossbar=1,128'] }));
    expect(second).toMatchObject({ written: 4, failed: 1 });
    const rows2 = byIndex(readRows(out2));
    expect(rows2.map((r) => r['error'] === '')).toEqual([true, false, true, true]);
    expect(rows2[1]?.['error']).toMatch(/adc\.perCrossbar.*at most crossbar\.cols \(64\)/);
  });

  test('--simulate and --optimize add their columns; the optimizer baseline is the analytical figure of the same point', async () => {
    const sim = path.join(dir, 'sim.csv');
    await sweepCommand(args(sim, { network: 'resnet20', vary: ['crossbar.rows=128'], simulate: true, images: 1 }));
    const [s] = readRows(sim);
    expect(s?.['error']).toBe('');
    expect(Number(s?.['sim_latency_cycles'])).toBeGreaterThan(0);
    expect(s?.['sim_bottleneck']).not.toBe('');
    // One image has no steady state: the row says so instead of passing its latency off as an interval.
    expect(s?.['sim_images']).toBe('1');
    expect(s?.['sim_settled']).toMatch(/^no: one image/);
    const opt = path.join(dir, 'opt.csv');
    await sweepCommand(args(opt, { network: 'resnet20', vary: ['crossbar.rows=128'], optimize: true, episodes: 2 }));
    const [o] = readRows(opt);
    expect(o?.['error']).toBe('');
    expect(Number(o?.['throughput_improvement'])).toBeCloseTo(Number(o?.['opt_throughput_images_per_s']) / Number(o?.['throughput_images_per_s']), 9);
    expect(Number(o?.['accuracy_drop_pct'])).toBeLessThanOrEqual(1 + 1e-9);
  }, 30_000);

  test('--simulate without --images: the settle rule of simulate (sim/settle.ts), with the images run and whether it settled', async () => {
    const out = path.join(dir, 'settled.csv');
    await sweepCommand(args(out, { network: 'resnet20', vary: ['noc.flitBits=64'], simulate: true }));
    const [row] = readRows(out);
    const inputs = loadInputs({ network: 'resnet20', arch: 'puma', set: ['noc.flitBits=64'] });
    const { sim, runs } = await simulateSettled(inputs.arch, inputs.net, inputs.choices, {});
    expect(row?.['error']).toBe('');
    expect(Number(row?.['sim_images'])).toBe(runs[runs.length - 1]);
    expect(row?.['sim_settled']).toBe(sim.steadyState.settled ? 'yes' : `no: ${sim.steadyState.note}`);
    expect(sim.steadyState.settled).toBe(true);
    expect(Number(row?.['sim_throughput_images_per_s'])).toBeCloseTo(sim.throughputImagesPerS, 6);
  }, 30_000);

  test('bad --vary paths and values are refused before anything runs, naming the field', async () => {
    const out = path.join(dir, 'sweep.csv');
    await expect(sweepCommand(args(out, { vary: ['crossbar.row=64,128'] }))).rejects.toThrow(/crossbar\.row.*did you mean 'crossbar\.rows'/);
    await expect(sweepCommand(args(out, { vary: ['crossbar.rows=64,0'] }))).rejects.toThrow(ValidationError);
    await expect(sweepCommand(args(out, { vary: ['crossbar.rows=64,abc'] }))).rejects.toThrow(/crossbar\.rows.*'abc'/);
    await expect(sweepCommand(args(out, { vary: ['crossbar.rows=64,64.0'] }))).rejects.toThrow(/twice/);
    await expect(sweepCommand(args(out, { vary: [] }))).rejects.toThrow(/--vary/);
    await expect(sweepCommand(args(out, { analyze: true, simulate: true }))).rejects.toThrow(/at most one/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('an existing CSV needs --resume, and resuming a different sweep is refused', async () => {
    const out = path.join(dir, 'sweep.csv');
    await sweepCommand(args(out, { vary: ['crossbar.rows=64,128'] }));
    await expect(sweepCommand(args(out, { vary: ['crossbar.rows=64,128'] }))).rejects.toThrow(/--resume/);
    await expect(sweepCommand(args(out, { resume: true }))).rejects.toThrow(InputFileError);
    await expect(sweepCommand(args(out, { resume: true, vary: ['crossbar.rows=64,256'] }))).rejects.toThrow(/not a point of this sweep/);
    const again = await sweepCommand(args(out, { resume: true, vary: ['crossbar.rows=128,64'] }));
    expect(again).toMatchObject({ skipped: 2, written: 0 });
  });
});
