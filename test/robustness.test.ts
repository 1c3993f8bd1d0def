/**
 * Regression tests for issue 14's failure list: every class reproduced through the real command line (in-process,
 * scripts/cli-run.ts), each now a one-paragraph user error (exit 2), never a stack trace, NaN, hang or silent pass.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { CLI } from './helpers/run-cli';
import { runCliInProcess, type CliRun } from '../scripts/cli-run';
import { reportError } from '../scripts/exit';
import { toJson } from '../scripts/commands/output';
import { finishedOutcome } from '../scripts/sweep/point';
import { InternalError } from '../errors';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-robust-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const file = (name: string, content: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};

/** A user error: exit 2, one paragraph starting 'lrmp:', no stack frame, nothing on stdout. */
function expectUserError(r: CliRun, ...mentions: RegExp[]): void {
  expect(r.escaped).toBeUndefined();
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^lrmp: /);
  expect(r.stderr).not.toMatch(/\n\s+at .*:\d+/);
  expect(r.stdout).toBe('');
  for (const m of mentions) expect(r.stderr).toMatch(m);
}

const cli = (...argv: string[]): Promise<CliRun> => runCliInProcess(argv);
const NET = ['--network', 'lenet5-mnist'];

describe('numeric flags are checked at the edge, quoting what was typed', () => {
  test.each([
    ['analyze', '--replicas', '0'],
    ['analyze', '--replicas', '1.5'],
    ['analyze', '--replicas', '1e9'],
    ['analyze', '--wbits', '-1'],
    ['analyze', '--wbits', '0'],
    ['analyze', '--wbits', '17'],
    ['analyze', '--wbits', '1.5'],
    ['analyze', '--wbits', ''],
    ['analyze', '--wbits', 'abc'],
    ['analyze', '--abits', 'NaN'],
    ['simulate', '--replicas', '0'],
    ['simulate', '--images', 'abc'],
    ['simulate', '--images', '1e9'],
    ['optimize', '--seed', 'abc'],
    ['optimize', '--workers', '-2'],
    ['optimize', '--workers', '1.5'],
    ['optimize', '--workers', 'abc'],
    ['optimize', '--top-k', '0'],
    ['optimize', '--top-k', '-1'],
    ['optimize', '--mix-weight', '-1'],
    ['sweep', '--workers', '-2'],
  ])('%s %s %j', async (command, flag, value) => {
    const extra = command === 'sweep' ? ['--vary', 'adc.bits=6,8', '--out', path.join(dir, 'never.csv')] : [];
    const r = await cli(command, ...NET, flag, value, ...extra);
    expectUserError(r, new RegExp(`^lrmp: ${flag} is '${value.replace(/[.]/g, '\\.')}'; allowed: `));
  });

  test('--replicas 0 in every format is an error, never NaN% or Infinity', async () => {
    for (const format of ['table', 'json', 'csv']) expectUserError(await cli('analyze', ...NET, '--replicas', '0', '--format', format), /--replicas/);
  });
});

describe('options', () => {
  test('a repeated single-valued option is an error naming both values', async () => {
    expectUserError(await cli('analyze', '--network', 'a', '--network', 'b'), /--network is given 2 times \('a' and 'b'\)/);
    expectUserError(await cli('analyze', ...NET, '--format', 'json', '--format', 'csv'), /--format is given 2 times/);
  });

  test('dashed numeric options reach the command as numbers (optimize --top-k 1 --mix-weight 0.25 --accuracy-budget 0)', async () => {
    const out = path.join(dir, 'opt.json');
    const r = await cli('optimize', ...NET, '--episodes', '1', '--no-confirm', '--top-k', '1', '--objective', 'mix', '--mix-weight', '0.25', '--accuracy-budget', '0', '--out', out);
    expect(r.stderr).toMatch(/^written: /);
    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toMatchObject({ objective: 'mix', accuracyBudgetPct: 0, settings: { mixWeight: 0.25, topK: 1, confirm: false, search: { episodes: 1 } } });
  });

  test('one definition per option: --network and --workers read the same in every command', async () => {
    const lines = async (command: string, flag: string): Promise<string> => {
      const help = (await cli(command, '--help')).stdout;
      return help.split('\n').filter((l) => l.includes(flag)).join('\n').replace(/\s+/g, ' ');
    };
    for (const command of ['simulate', 'sweep', 'optimize']) expect(await lines(command, '--network')).toBe(await lines('analyze', '--network'));
    expect(await lines('analyze', '--network')).toMatch(/\.onnx/);
    const workers = await lines('reproduce', '--workers');
    expect(workers).toMatch(/0 = in this process/);
    expect(await lines('optimize', '--workers')).toMatch(/0 = in this process/);
  });
});

describe('huge values end in a clear error before anything is allocated', () => {
  const conv = (extra: Record<string, unknown>, input = { channels: 3, height: 32, width: 32 }): string =>
    JSON.stringify({ name: 't', input, layers: [{ name: 'c', kind: 'conv', outChannels: 8, kernel: 3, ...extra }] });

  test.each([
    ['--set chip.tiles=1e9', ['--set', 'chip.tiles=1e9'], /chip\.tiles/],
    ['--replicas 1e9', ['--replicas', '1e9'], /--replicas/],
    ['adc.bits=65536', ['--set', 'adc.bits=65536'], /adc\.bits/],
    ['clockGHz=1e308', ['--set', 'clockGHz=1e308'], /clockGHz/],
    ['tile.edram.energyPjPerAccess=1e308', ['--set', 'tile.edram.energyPjPerAccess=1e308'], /energyPjPerAccess/],
  ])('%s', async (_name, args, mention) => {
    expectUserError(await cli('analyze', ...NET, ...args), mention);
  });

  test('a plan spread over 91,648 tiles of a 2^20-tile chip is too large to model: a clear error, not gigabytes', async () => {
    expectUserError(await cli('analyze', '--set', 'chip.tiles=1048576', '--replicas', '4096'), /too large for the analytical model/);
  });

  test('a sweep grid too large to enumerate is refused before it is', async () => {
    const values = (n: number): string => Array.from({ length: n }, (_, i) => String(i + 1)).join(',');
    const vary = ['crossbar.rows', 'crossbar.cols', 'tile.cores', 'core.crossbars', 'noc.flitBits'].flatMap((p) => ['--vary', `${p}=${values(11)}`]);
    expectUserError(await cli('sweep', ...NET, ...vary, '--out', path.join(dir, 'grid.csv')), /161051 points/);
  });

  test('network dimensions: outChannels, fc outFeatures, pad, a 1e9 x 1e9 input, a CSV kernel', async () => {
    const cases: Array<[string, RegExp]> = [
      [file('oc.json', conv({ outChannels: 1e9 })), /outChannels/],
      [file('pad.json', conv({ pad: 1e9 })), /pad/],
      [file('in.json', conv({}, { channels: 3, height: 1e9, width: 1e9 })), /input\.height/],
      [file('area.json', conv({}, { channels: 3, height: 65536, width: 65536 })), /2\^31 elements/],
      [file('fc.json', JSON.stringify({ name: 't', input: { channels: 3, height: 32, width: 32 }, layers: [{ name: 'f', kind: 'fc', outFeatures: 1e12 }] })), /outFeatures/],
      [file('k.csv', 'IFM_H,IFM_W,IFM_C,K_H,K_W,OFM_C,followedByMaxPool,stride\n32,32,3,1000000000,3,8,0,1\n'), /K_H/],
    ];
    for (const [network, mention] of cases) expectUserError(await cli('analyze', '--network', network), mention);
  });

  test('plan entries get the ranges of the flags they stand for', async () => {
    const plan = (body: unknown): string => file('plan.json', JSON.stringify(body));
    expectUserError(await cli('analyze', ...NET, '--plan', plan({ network: 'lenet5-mnist', arch: 'puma', defaults: { wbits: 8, abits: 8, replicas: 1e9 } })), /defaults\.replicas/);
    expectUserError(await cli('analyze', ...NET, '--plan', plan({ network: 'lenet5-mnist', arch: 'puma', defaults: { wbits: null } })), /defaults\.wbits' is null/);
    expectUserError(await cli('analyze', ...NET, '--plan', plan({ network: 'lenet5-mnist', arch: 'puma', layers: null })), /'layers' is null/);
    const proto = file('proto-plan.json', '{"network": "lenet5-mnist", "arch": "puma", "layers": {"__proto__": {"wbits": 2}}}');
    expectUserError(await cli('analyze', ...NET, '--plan', proto), /__proto__/);
  });

  test('--input-shape dimensions are range-checked', async () => {
    expectUserError(await cli('analyze', '--network', 'test/fixtures/ch_ppocr_mobile_v2.0_cls_infer.onnx', '--input-shape', '1x3x1e9x1e9'), /--input-shape/);
  });
});

describe('files', () => {
  test('JSON nested 5,000 levels deep and __proto__ keys are clean errors', async () => {
    const deep = file('deep.json', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`);
    expectUserError(await cli('analyze', ...NET, '--arch', deep), /nested more than 64 levels/);
    const proto = file('proto-arch.json', '{"base": "puma", "__proto__": {"clockGHz": 5}}');
    expectUserError(await cli('analyze', ...NET, '--arch', proto), /__proto__/);
  });

  test('outputs replace only regular files: a directory is a user error; a device is written in place, never replaced', async () => {
    expectUserError(await cli('analyze', ...NET, '--out', dir), /is a directory/);
    for (const argv of [['analyze', ...NET, '--out', '/dev/null'], ['simulate', ...NET, '--images', '1', '--trace', '/dev/null']]) {
      const r = await cli(...argv);
      expect([r.code, r.stderr]).toEqual([0, '']);
    }
    expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('.null.'))).toEqual([]);
  });

  test('optimize --out to a device writes no plan or history beside it (no /dev/null.plan.json)', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'devout-'));
    fs.symlinkSync('/dev/null', path.join(sub, 'nul'));
    const r = await cli('optimize', '--network', 'resnet20', '--episodes', '2', '--no-confirm', '--out', path.join(sub, 'nul'));
    expect(r.code).toBe(0);
    expect(fs.readdirSync(sub)).toEqual(['nul']);
    expect(fs.lstatSync(path.join(sub, 'nul')).isSymbolicLink()).toBe(true);
  }, 60_000);

  test("a link's '..' after a linked folder is the kernel's: the file the link names is written, no other", async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'dotdot-'));
    fs.mkdirSync(path.join(sub, 'deep', 'inner'), { recursive: true });
    fs.symlinkSync(path.join('deep', 'inner'), path.join(sub, 's2'));
    fs.symlinkSync('s2/../f.csv', path.join(sub, 'lx')); // as text: path.join would drop the '..'
    const r = await cli('analyze', ...NET, '--format', 'csv', '--out', path.join(sub, 'lx'));
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(fs.readFileSync(path.join(sub, 'deep', 'f.csv'), 'utf8')).toMatch(/^layer,/);
    expect(fs.readFileSync(path.join(sub, 'lx'), 'utf8')).toMatch(/^layer,/);
    expect(fs.existsSync(path.join(sub, 'f.csv'))).toBe(false);
  });

  test('an output through a symbolic link writes the link target and leaves the link a link', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'links-'));
    const real = path.join(sub, 'real.csv');
    fs.writeFileSync(real, 'old');
    const link = path.join(sub, 'link.csv');
    fs.symlinkSync('real.csv', link);
    for (const argv of [['analyze', ...NET, '--format', 'csv', '--out', link], ['simulate', ...NET, '--images', '1', '--trace', link]]) {
      const r = await cli(...argv);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
      expect(fs.readFileSync(real, 'utf8')).toMatch(/^(layer|kind),/);
    }
    // A link to this process's stdout (as /dev/stdout is): the output reaches the file stdout was redirected to.
    const stdoutLink = path.join(sub, 'stdout-link');
    fs.symlinkSync('/proc/self/fd/1', stdoutLink);
    const captured = path.join(sub, 'captured.csv');
    fs.writeFileSync(captured, 'before\n');
    const fd = fs.openSync(captured, 'a');
    try {
      const run = spawnSync(process.execPath, [CLI, 'analyze', ...NET, '--format', 'csv', '--out', stdoutLink], { stdio: ['ignore', fd, 'pipe'] });
      expect([run.status, run.stderr.toString()]).toEqual([0, '']);
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.lstatSync(stdoutLink).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(captured, 'utf8')).toMatch(/^before\nlayer,kind,/); // appended at stdout's offset (>>)
    expect(fs.readdirSync(sub).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // Two outputs not yet made, one through a linked folder: the same file.
    fs.mkdirSync(path.join(sub, 'd'));
    fs.symlinkSync('d', path.join(sub, 'dl'));
    expectUserError(await cli('simulate', ...NET, '--images', '1', '--out', path.join(sub, 'dl', 'x.csv'), '--trace', path.join(sub, 'd', 'x.csv')), /is given to both --out and --trace/);
    expect(fs.readdirSync(path.join(sub, 'd'))).toEqual([]);
  });

  test('a UTF-8 byte-order mark is skipped in JSON and CSV inputs; UTF-16 is a clear error', async () => {
    const bom = '\ufeff';
    const net = file('bom.json', `${bom}{"name": "bom", "input": {"channels": 3, "height": 8, "width": 8}, "layers": [{"name": "c", "kind": "conv", "outChannels": 8, "kernel": 3}]}`);
    const arch = file('bom-arch.json', `${bom}{"base": "puma"}`);
    const csv = file('bom.csv', `${bom}IFM_H,IFM_W,IFM_C,K_H,K_W,OFM_C,followedByMaxPool,stride\n8,8,3,3,3,8,0,1\n`);
    for (const network of [net, csv]) {
      const r = await cli('analyze', '--network', network, '--arch', arch, '--format', 'json');
      expect([r.code, r.stderr]).toEqual([0, '']);
    }
    const utf16 = path.join(dir, 'utf16.json');
    fs.writeFileSync(utf16, Buffer.from(`\ufeff{"base": "puma"}`, 'utf16le'));
    expectUserError(await cli('analyze', ...NET, '--arch', utf16), /utf16\.json: is not UTF-8 text \(UTF-16, or binary\); save it as UTF-8\./);
    // UTF-16 BE: its byte-order mark FE FF (the NUL-byte check alone would miss a BE file of non-ASCII text).
    const be = path.join(dir, 'utf16be.json');
    fs.writeFileSync(be, Buffer.from('\ufeff{"base": "puma"}', 'utf16le').swap16());
    expect(fs.readFileSync(be).subarray(0, 2)).toEqual(Buffer.from([0xfe, 0xff]));
    expectUserError(await cli('analyze', ...NET, '--arch', be), /utf16be\.json: is not UTF-8 text \(UTF-16, or binary\); save it as UTF-8\./);
    const beText = path.join(dir, 'utf16be-text.csv');
    fs.writeFileSync(beText, Buffer.from('\ufeff\u4e2d\u6587\u4e2d', 'utf16le').swap16()); // FE FF then CJK: no NUL byte at all
    expect(fs.readFileSync(beText).includes(0)).toBe(false);
    expectUserError(await cli('analyze', '--network', beText), /utf16be-text\.csv: is not UTF-8 text \(UTF-16, or binary\)/);
    const csv16 = path.join(dir, 'utf16.csv');
    fs.writeFileSync(csv16, Buffer.from('8,8,3,3,3,8,0,1\n', 'utf16le'));
    expectUserError(await cli('analyze', '--network', csv16), /utf16\.csv: is not UTF-8 text/);
    // Latin-1 bytes (an 'é' saved by an old editor) used to become U+FFFD silently: named with line and column.
    const latin1 = path.join(dir, 'latin1.json');
    fs.writeFileSync(latin1, Buffer.concat([Buffer.from('{"name": "caf'), Buffer.from([0xe9]), Buffer.from('", "input": {"channels": 3, "height": 8, "width": 8}, "layers": [{"name": "c", "kind": "conv", "outChannels": 8, "kernel": 3}]}')]));
    expectUserError(await cli('analyze', '--network', latin1), /latin1\.json: is not UTF-8 text: byte 0xE9 at line 1, column 14 \(Latin-1 or Windows-1252\?\); save it as UTF-8\./);
    const cut = path.join(dir, 'cut.csv');
    fs.writeFileSync(cut, Buffer.concat([Buffer.from('8,8,3,3,3,8,0,1\n'), Buffer.from([0xe2, 0x82])]));
    expectUserError(await cli('analyze', '--network', cut), /cut\.csv: is not UTF-8 text: byte 0xE2 at line 2, column 1/);
    // Valid multi-byte characters before the bad byte: counted in bytes, by hand: line 3 is 'line3 ' (6 bytes), then 0xE9.
    const wide = path.join(dir, 'wide.json');
    fs.writeFileSync(wide, Buffer.concat([Buffer.from('{"a": "中文中文",\n"b": "中文 ok",\nline3 '), Buffer.from([0xe9])]));
    expectUserError(await cli('analyze', '--network', wide), /wide\.json: is not UTF-8 text: byte 0xE9 at line 3, column 7 /);
  });

  test('an output naming an input file (or its link) or another output is refused before anything is written', async () => {
    const net = file('own.json', '{"name": "own", "input": {"channels": 3, "height": 8, "width": 8}, "layers": [{"name": "c", "kind": "conv", "outChannels": 8, "kernel": 3}]}');
    const before = fs.readFileSync(net, 'utf8');
    const link = path.join(dir, 'own-link.json');
    fs.symlinkSync(net, link);
    expectUserError(await cli('analyze', '--network', net, '--out', net), /own\.json: is the --network input; writing --out there would destroy it/);
    expectUserError(await cli('analyze', '--network', net, '--out', link), /is the --network input/);
    expectUserError(await cli('sweep', '--network', net, '--vary', 'adc.bits=6,8', '--out', net, '--workers', '0'), /is the --network input/);
    const arch = file('own-arch.json', '{"base": "puma"}');
    expectUserError(await cli('simulate', ...NET, '--arch', arch, '--images', '1', '--trace', arch), /is the --arch input; writing --trace there/);
    expect([fs.readFileSync(net, 'utf8'), fs.readFileSync(arch, 'utf8')]).toEqual([before, '{"base": "puma"}']);
    const out = path.join(dir, 'both.csv');
    expectUserError(await cli('simulate', ...NET, '--images', '1', '--out', out, '--trace', out), /both\.csv: is given to both --out and --trace; each output needs a file of its own/);
    const result = path.join(dir, 'opt-twice.json');
    expectUserError(await cli('optimize', ...NET, '--episodes', '2', '--no-confirm', '--out', result, '--plan-out', result), /is given to both --out and --plan-out/);
    expect(fs.existsSync(out) || fs.existsSync(result)).toBe(false);
    const onnx = file('own.onnx', 'not read: refused before');
    expectUserError(await cli('import', onnx, '--out', onnx), /own\.onnx: is the ONNX input/);
    expect(fs.readFileSync(onnx, 'utf8')).toBe('not read: refused before');
  });

  test('validate and reproduce refuse an output that is an input file, before any work', async () => {
    const net = file('vnet.json', '{"name": "vnet", "input": {"channels": 3, "height": 8, "width": 8}, "layers": [{"name": "c", "kind": "conv", "outChannels": 8, "kernel": 3}]}');
    const before = fs.readFileSync(net, 'utf8');
    expectUserError(await cli('validate', '--networks', net, '--out', net, '--images', '1'), /vnet\.json: is the --networks input; writing --out there would destroy it/);
    const arch = file('varch.json', '{"base": "puma"}');
    expectUserError(await cli('validate', '--networks', 'lenet5-mnist', '--arch', arch, '--out', arch, '--images', '1'), /is the --arch input/);
    // reproduce writes DIR/results.csv: a network file of that name in DIR is an input.
    const sub = fs.mkdtempSync(path.join(dir, 'repro-'));
    const csv = path.join(sub, 'results.csv');
    fs.writeFileSync(csv, 'IFM_H,IFM_W,IFM_C,K_H,K_W,OFM_C,pool,stride\n8,8,3,3,3,8,0,1\n');
    expectUserError(await cli('reproduce', '--networks', csv, '--out', sub, '--episodes', '1', '--workers', '0'), /results\.csv: is the --networks input; writing --out there/);
    expect([fs.readFileSync(net, 'utf8'), fs.readFileSync(arch, 'utf8'), fs.readFileSync(csv, 'utf8')]).toEqual([before, '{"base": "puma"}', 'IFM_H,IFM_W,IFM_C,K_H,K_W,OFM_C,pool,stride\n8,8,3,3,3,8,0,1\n']);
  });

  test('a zoo or preset name is no input file, even when a file of that name is in the folder', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'names-'));
    const cwd = process.cwd();
    process.chdir(sub);
    try {
      fs.writeFileSync('puma', 'not an arch');
      // The second run finds the first run's output named like the zoo network: it is not the network's input.
      for (let run = 0; run < 2; run++) {
        const r = await cli('analyze', '--network', 'lenet5-mnist', '--arch', 'puma', '--format', 'csv', '--out', 'lenet5-mnist');
        expect([r.code, r.stderr]).toEqual([0, '']);
      }
      expect(fs.readFileSync('lenet5-mnist', 'utf8')).toMatch(/^layer|,/);
      const r = await cli('analyze', '--network', 'lenet5-mnist', '--arch', 'puma', '--format', 'csv', '--out', 'puma');
      expect([r.code, r.stderr]).toEqual([0, '']);
    } finally {
      process.chdir(cwd);
    }
  });

  test('a reader that closes the pipe early ends the run quietly, exit 0 (no EPIPE stack trace)', async () => {
    for (const out of [[], ['--out', '/dev/stdout']]) {
      const child = spawn(process.execPath, [CLI, 'analyze', '--network', 'resnet50', '--format', 'csv', ...out], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy(); // as `| head -c 0` does
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect([code, stderr]).toEqual([0, '']);
    }
  });

  test("a reader that closes stdout early does not cost the command its file outputs", async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'epipe-'));
    for (const out of [['--out', path.join(sub, 'r.json')], ['--out', '/dev/stdout', '--plan-out', path.join(sub, 'p.json'), '--history', path.join(sub, 'h.csv')]]) {
      const child = spawn(process.execPath, [CLI, 'optimize', '--network', 'resnet20', '--episodes', '4', '--no-confirm', ...out], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      // stderr carries the progress and the 'written:' line, no error and no stack trace.
      expect(code).toBe(0);
      expect(stderr).not.toMatch(/lrmp:|Error|\n\s+at /);
    }
    expect(fs.readdirSync(sub).sort()).toEqual(['h.csv', 'p.json', 'r.history.csv', 'r.json', 'r.plan.json']);
    expect(JSON.parse(fs.readFileSync(path.join(sub, 'p.json'), 'utf8'))).toMatchObject({ network: 'resnet20', layers: expect.any(Object) });
  }, 60_000);

  test('SIGINT and SIGTERM remove the temp file of a write in progress', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const sub = fs.mkdtempSync(path.join(dir, 'sig-'));
      const child = spawn(process.execPath, [CLI, 'simulate', '--network', 'resnet18', '--images', '64', '--trace', path.join(sub, 'trace.csv')], { stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const started = Date.now();
      while (!fs.readdirSync(sub).some((f) => f.endsWith('.tmp')) && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
      expect(fs.readdirSync(sub).some((f) => f.endsWith('.tmp'))).toBe(true);
      child.kill(signal);
      expect(await exited).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(fs.readdirSync(sub)).toEqual([]);
    }
  });

  test('sweep --resume changes nothing in a file it rejects (torn last line included)', async () => {
    const csv = file('other.csv', 'point,network,arch,x\n0,resnet18,puma,1\n1,resnet18,pu');
    const before = fs.readFileSync(csv);
    const r = await cli('sweep', ...NET, '--vary', 'adc.bits=6,8', '--out', csv, '--resume', '--workers', '0');
    expectUserError(r, /cannot resume/);
    expect(fs.readFileSync(csv).equals(before)).toBe(true);
  });
});

describe('internal errors are told apart from user errors', () => {
  test('a non-finite output is an InternalError: exit 1, "please report", stack only with --debug', () => {
    const error = ((): unknown => {
      try {
        toJson({ totals: { throughputImagesPerS: NaN } });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InternalError);
    let text = '';
    expect(reportError(error, false, (t) => (text += t))).toBe(1);
    expect(text).toMatch(/internal error: JSON output: a non-finite number at 'totals\.throughputImagesPerS' \(NaN\)/);
    expect(text).toMatch(/please report/);
    expect(text).not.toMatch(/\n\s+at /);
    text = '';
    reportError(error, true, (t) => (text += t));
    expect(text).toMatch(/\n\s+at /);
  });

  test('a sweep row whose figures are not finite gets a filled error column', () => {
    const outcome = finishedOutcome(3, { throughput_images_per_s: 12, latency_ms: NaN });
    expect(outcome.error).toMatch(/^internal error \(a bug in lrmp, please report it\): sweep point: a non-finite number at 'latency_ms'/);
    expect(outcome.metrics).toEqual({ throughput_images_per_s: 12 });
    expect(finishedOutcome(4, { throughput_images_per_s: 12 }).error).toBe('');
  });
});
