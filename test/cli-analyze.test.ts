import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeNetworkVgg8 } from './helpers/neurosim-vgg8';
import { runCli } from './helpers/run-cli';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** A user's mistake: exit 2, one short paragraph on stderr, no stack trace. */
function expectUserError(args: string[], pattern: RegExp): void {
  const run = runCli(args);
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe('lrmp analyze', () => {
  test('resnet18 on puma, JSON: the first convolution is the bottleneck and totals are finite and positive', () => {
    const run = runCli(['analyze', '--network', 'resnet18', '--arch', 'puma', '--format', 'json']);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as {
      totals: Record<string, number | string>;
      layers: Array<{ layer: string; stageCycles: number; stageTermsCycles?: Record<string, number> }>;
    };
    const slowest = report.layers.reduce((a, b) => (b.stageCycles > a.stageCycles ? b : a));
    expect(slowest.layer).toBe('conv1');
    // Latency by component: every layer's stage time is its largest term (rule 7), each term finite.
    const staged = report.layers.filter((l) => l.stageTermsCycles !== undefined);
    expect(staged.map((l) => l.layer)).toContain('conv1');
    for (const l of staged) {
      const terms = Object.values(l.stageTermsCycles ?? {});
      expect(terms.length).toBe(12);
      expect(terms.every((t) => Number.isFinite(t) && t >= 0)).toBe(true);
      expect(Math.max(...terms)).toBeLessThanOrEqual(l.stageCycles * (1 + 1e-9));
    }
    expect(report.totals['bottleneckLayer']).toBe('conv1');
    for (const key of ['throughputImagesPerS', 'latencyCycles', 'areaMm2', 'energyPerImageUj', 'tilesUsed']) {
      const v = report.totals[key];
      expect(typeof v === 'number' && Number.isFinite(v) && v > 0).toBe(true);
    }
  });

  test('a plan file is applied and --out writes the report atomically', () => {
    const plan = write('plan.json', JSON.stringify({ network: 'resnet18', arch: 'puma', defaults: { wbits: 8, abits: 8, replicas: 1 }, layers: { conv1: { replicas: 4 } } }));
    const out = path.join(dir, 'report.csv');
    const run = runCli(['analyze', '--plan', plan, '--format', 'csv', '--out', out]);
    expect(run.status).toBe(0);
    const conv1 = fs.readFileSync(out, 'utf8').split('\n').find((l) => l.startsWith('conv1,'));
    expect(conv1?.split(',')[7]).toBe('4');
    expect(fs.readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  test("the network's parameter total is in the header and JSON totals (NeuroSim's own VGG-8 file = zoo VGG-8)", () => {
    const csv = writeNetworkVgg8(dir);
    const json = runCli(['analyze', '--network', csv, '--format', 'json']);
    expect(json.status).toBe(0);
    expect((JSON.parse(json.stdout) as { totals: Record<string, unknown> }).totals['params']).toBe(12973440);
    const table = runCli(['analyze', '--network', 'resnet18']);
    expect(table.status).toBe(0);
    expect(table.stdout.split('\n')[0]).toBe('resnet18 on puma: 21 weighted layers, 11689512 parameters');
  });

  test('table output names the bottleneck', () => {
    const run = runCli(['analyze', '--network', 'resnet20', '--arch', 'isaac']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/bottleneck\s+\S+/);
    expect(run.stdout).toMatch(/images\/s/);
  });
});

describe('bad input: exit 2, one paragraph, no stack trace', () => {
  test('unknown network', () => expectUserError(['analyze', '--network', 'resnet19'], /unknown network.*'resnet19'.*resnet18/));
  test('malformed JSON network', () => {
    const file = write('bad.json', '{"name": "x", "layers": [ }');
    expectUserError(['analyze', '--network', file], /bad\.json.*line 1/);
  });
  test('negative crossbar size', () => expectUserError(['analyze', '--set', 'crossbar.rows=-128'], /crossbar\.rows.*-128/));
  test('a plan naming a layer that does not exist', () => {
    const plan = write('ghost.json', JSON.stringify({ network: 'resnet18', arch: 'puma', layers: { conv99: { replicas: 2 } } }));
    expectUserError(['analyze', '--plan', plan], /conv99/);
  });
  test('a plan made for another network', () => {
    const plan = write('other.json', JSON.stringify({ network: 'vgg16', arch: 'puma', layers: {} }));
    expectUserError(['analyze', '--plan', plan], /made for network 'vgg16'/);
  });
  test('a network that does not fit', () => expectUserError(['analyze', '--network', 'vgg16', '--set', 'chip.tiles=8'], /short by \d+ tiles/));
  test('unknown command option', () => expectUserError(['analyze', '--netwrk', 'resnet18'], /netwrk/));
});

describe('listings', () => {
  test('networks and archs list the built-ins', () => {
    expect(runCli(['networks']).stdout).toMatch(/mobilenetv2/);
    expect(runCli(['archs']).stdout).toMatch(/isaac[\s\S]*puma/);
  });
});
