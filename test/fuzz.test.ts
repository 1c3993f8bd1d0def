/**
 * The quick subset of the fuzz harness (scripts/fuzz/): a few hundred generated bad or odd inputs of every kind
 * through the real CLI; none may crash, hang, print a non-finite number or succeed wrongly. The long form is
 * `npm run fuzz -- --cases 10000`.
 */
import { DEFAULT_KINDS, generateCase, INPUT_KINDS } from '../scripts/fuzz/generate';
import { classify } from '../scripts/fuzz/classify';
import { describeFuzz, runFuzz } from '../scripts/fuzz/run';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { runCliInProcess } from '../scripts/cli-run';
import { presetArch } from '../arch/presets';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { simulate } from '../sim';
import { parseNetworkJson } from '../workloads/json';
import { resolveNetwork } from '../workloads/shapes';
import { uniformChoices } from './helpers/model-fixtures';

const CASES = 280;
/** Cases of the 'real-onnx' kind (about 0.1 s each; a few run optimize for seconds). */
const REAL_CASES = 60;

describe('fuzz harness', () => {
  test('the generator is seeded: the same seed and id give the same case, every input kind appears', () => {
    expect(generateCase(3, 17)).toEqual(generateCase(3, 17));
    expect(generateCase(3, 17)).not.toEqual(generateCase(4, 17));
    expect(new Set(Array.from({ length: 14 }, (_, i) => generateCase(1, i).kind))).toEqual(new Set(DEFAULT_KINDS));
    expect(new Set([...DEFAULT_KINDS, 'real-onnx'])).toEqual(new Set(INPUT_KINDS));
    expect(generateCase(3, 17, ['real-onnx'])).toEqual(generateCase(3, 17, ['real-onnx']));
    expect(generateCase(3, 17, ['real-onnx']).kind).toBe('real-onnx');
  });

  test(`${REAL_CASES} structurally mutated real ONNX models: no crash, hang, non-finite output or wrong verdict`, async () => {
    const summary = await runFuzz({ cases: REAL_CASES, seed: 20261205, workers: 2, timeoutS: 60, kinds: ['real-onnx'] });
    const failures = summary.failures.map(({ c, verdict }) => `#${c.id} ${verdict.cls} [${c.kind}] ${c.note}: lrmp ${c.argv.join(' ')}: ${verdict.reason}`);
    expect(failures).toEqual([]);
    // Both verdicts occur, and the spec decides some of each way.
    expect(summary.counts.ok).toBeGreaterThan(REAL_CASES / 5);
    expect(summary.counts['clean error']).toBeGreaterThan(REAL_CASES / 5);
  });

  test('the classifier tells the classes apart', () => {
    const c = generateCase(1, 0);
    const run = { code: 0, stdout: '', stderr: '', outputs: {}, leftoverTemps: [], ms: 1 };
    expect(classify({ ...c, mustReject: true }, run).cls).toBe('wrong success');
    expect(classify(c, { ...run, code: 2, stderr: 'lrmp: bad\n' }).cls).toBe('clean error');
    expect(classify(c, { ...run, code: 1, stderr: 'lrmp: internal error: x\n' }).cls).toBe('crash');
    expect(classify(c, { ...run, code: 2, stderr: 'lrmp: x\n    at f (a.js:1:2)\n' }).cls).toBe('crash');
    expect(classify({ ...c, argv: ['analyze', '--format', 'json'] }, { ...run, stdout: '{"totals": {"throughputImagesPerS": NaN}}' }).cls).toBe('non-finite');
    expect(classify({ ...c, argv: ['analyze', '--format', 'json'], mustReject: false }, { ...run, stdout: '{"totals": {"throughputImagesPerS": -1}, "layers": []}' }).cls).toBe('wrong success');
  });

  /**
   * Seed 11's cases 913 and 1753: a 2x2 max pool of stride 17 after a 28-row conv reads conv rows 0-1 and 17-18 only.
   * The conv computes its rows in order (rule 4), so the image's output waits for rows 0-18: 19 rows x 28 pixels x
   * 1000 cycles = 532,000, then the pool and the fc; rows 19-27 are computed after it left (they count in the
   * interval, 784,000, not in the latency).
   */
  const strided = (stride: number) =>
    JSON.stringify({
      name: 'tiny',
      input: { channels: 1, height: 28, width: 28 },
      layers: [
        { name: 'conv0', kind: 'conv', outChannels: 32, kernel: 3, pad: 1 },
        { name: 'relu0', kind: 'activation', fn: 'relu' },
        { name: 'pool0', kind: 'pool', op: 'max', kernel: 2, stride },
        { name: 'flat', kind: 'pass', fn: 'flatten' },
        { name: 'fc', kind: 'fc', outFeatures: 100 },
      ],
    });

  test('an image leaves before its layer computed the rows no reader needs: model and simulator agree', async () => {
    const net = resolveNetwork(parseNetworkJson(strided(17), 'net.json'));
    const arch = presetArch('puma');
    const choices = uniformChoices(net);
    const model = evaluateModel(prepareModel(arch, net), choices);
    const sim = await simulate(arch, net, choices, { images: 2 });
    expect(model.bottleneckCycles).toBe(784000);
    expect(model.latencyCycles).toBeGreaterThan(532000);
    expect(model.latencyCycles).toBeLessThan(532000 * 1.01);
    expect(Math.abs(sim.latencyCycles / model.latencyCycles - 1)).toBeLessThan(0.001);
  });

  test('the latency oracle exempts layers whose last rows no reader needs, and only those', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lrmp-fuzz-oracle-'));
    const c = (stride: number) => ({ ...generateCase(1, 0), argv: ['analyze', '--network', '@net.json', '--format', 'json'], files: [{ name: 'net.json', data: strided(stride) }], mustReject: false });
    const extra = { outputs: {}, leftoverTemps: [], ms: 1 };
    try {
      // The real analyze output: stride 17 leaves conv0's rows 19-27 unread, stride 2 reads them all.
      for (const stride of [17, 2]) {
        const file = join(dir, `net${stride}.json`);
        writeFileSync(file, strided(stride));
        const run = await runCliInProcess(['analyze', '--network', file, '--format', 'json']);
        expect(classify(c(stride), { ...run, ...extra })).toEqual({ cls: 'ok', reason: '' });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // With every row read, a latency below conv0's compute is a wrong success.
    const doc = JSON.stringify({
      totals: { throughputImagesPerS: 1, bottleneckCycles: 784000, latencyCycles: 534015, areaMm2: 1, tilesUsed: 1 },
      layers: [
        { layer: 'conv0', inShape: '1x28x28', outShape: '32x28x28', wbits: 8, abits: 8, replicas: 1, stageCycles: 784000, boundBy: 'compute', shareOfBottleneck: 1 },
        { layer: 'pool0', inShape: '32x28x28', outShape: '32x14x14', wbits: null, abits: null, replicas: 0, stageCycles: 4776, boundBy: 'edram', shareOfBottleneck: 0.01 },
      ],
    });
    expect(classify(c(2), { code: 0, stdout: doc, stderr: '', ...extra })).toEqual({ cls: 'wrong success', reason: "latency 534015 shorter than layer conv0's compute 784000" });
  });

  test(`${CASES} cases: no crash, hang, non-finite output or wrong success`, async () => {
    const summary = await runFuzz({ cases: CASES, seed: 20261203, workers: 2, timeoutS: 30 });
    const failures = summary.failures.map(({ c, verdict }) => `#${c.id} ${verdict.cls} [${c.kind}] ${c.note}: lrmp ${c.argv.join(' ')}: ${verdict.reason}`);
    expect(failures).toEqual([]);
    expect(summary.counts.ok + summary.counts['clean error']).toBe(CASES);
    // Both outcomes occur: the generator is neither all garbage nor all valid.
    expect(summary.counts.ok).toBeGreaterThan(CASES / 10);
    expect(summary.counts['clean error']).toBeGreaterThan(CASES / 3);
    expect(describeFuzz(summary, CASES)).toMatch(/^fuzz: 280 cases/);
  });
});
