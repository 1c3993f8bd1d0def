/**
 * The quick subset of the fuzz harness (scripts/fuzz/): a few hundred generated bad or odd inputs of every kind
 * through the real CLI; none may crash, hang, print a non-finite number or succeed wrongly. The long form is
 * `npm run fuzz -- --cases 10000`.
 */
import { generateCase, INPUT_KINDS } from '../scripts/fuzz/generate';
import { classify } from '../scripts/fuzz/classify';
import { describeFuzz, runFuzz } from '../scripts/fuzz/run';

const CASES = 280;

describe('fuzz harness', () => {
  test('the generator is seeded: the same seed and id give the same case, every input kind appears', () => {
    expect(generateCase(3, 17)).toEqual(generateCase(3, 17));
    expect(generateCase(3, 17)).not.toEqual(generateCase(4, 17));
    expect(new Set(Array.from({ length: 14 }, (_, i) => generateCase(1, i).kind))).toEqual(new Set(INPUT_KINDS));
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
