import { ValidationError, PlanError } from '../errors';
import { createMeasuredOracle, digitCount, loadAllDigits, loadWeights, PROXY_FIT_IMAGES, proxyFitIndices, weightsPathFor, type MeasuredOracle } from '../optimizer/accuracy/measured';
import calibration from '../workloads/trained/lenet5-mnist.calibration.json';
import { resolveNetwork, zooNetwork } from '../workloads';

/**
 * Measured accuracy of the committed lenet5-mnist weights on the held-out split (2,000 MNIST digits the training
 * never saw). The numbers asserted are properties any sound quantizer must show, not copies of our own output.
 */
const net = resolveNetwork(zooNetwork('lenet5-mnist'));
const n = net.weightedIndices.length;
const uniform = (w: number, a: number) => ({ wbits: Array<number>(n).fill(w), abits: Array<number>(n).fill(a) });
let oracle: MeasuredOracle;

beforeAll(() => {
  oracle = createMeasuredOracle(net);
});

describe('measured accuracy of lenet5-mnist', () => {
  test('float accuracy is reported, high, and agrees with what the trainer (tfjs) measured on the same images', async () => {
    const stored = loadWeights(weightsPathFor('lenet5-mnist'));
    const floatPct = await oracle.referenceAccuracyPct();
    expect(oracle.heldOutImages).toBe(2000);
    expect(stored.heldOut.length).toBe(2000);
    // The held-out split and the training split are disjoint: calibration images come from training.
    const held = new Set(stored.heldOut);
    expect(stored.calibration.some((i) => held.has(i))).toBe(false);
    expect(floatPct).toBeGreaterThan(95);
    // Float32 accumulation order differs from tfjs's: allow one image (0.05 points) either way.
    expect(Math.abs(floatPct - stored.floatAccuracyPct)).toBeLessThanOrEqual(0.05 + 1e-9);
    // The zoo entry carries the same float accuracy (from the calibration file).
    expect(net.network.floatAccuracyPct).toBeCloseTo(floatPct, 2);
  });

  test('the proxy is fitted on training images, never on the held-out images it is compared against', () => {
    const stored = loadWeights(weightsPathFor('lenet5-mnist'));
    const total = digitCount(loadAllDigits());
    const fit = proxyFitIndices(total, stored.heldOut);
    expect(fit).toHaveLength(PROXY_FIT_IMAGES);
    const held = new Set(stored.heldOut);
    expect(fit.some((i) => held.has(i))).toBe(false);
    expect(new Set(fit).size).toBe(fit.length);
    expect(fit.every((i) => Number.isInteger(i) && i >= 0 && i < total)).toBe(true);
    expect(proxyFitIndices(total, stored.heldOut)).toEqual(fit); // seeded
    // The committed calibration says where its drops come from.
    expect(calibration.proxyFitImages).toBe(PROXY_FIT_IMAGES);
    expect(calibration.proxyCalibration.source).toContain('proxy-fit');
  });

  test('8/8 bits is within 0.5 points of float; uniform 2/2 bits is far below', async () => {
    const floatPct = await oracle.referenceAccuracyPct();
    const a8 = await oracle.accuracyPct(uniform(8, 8));
    const a2 = await oracle.accuracyPct(uniform(2, 2));
    expect(Math.abs(floatPct - a8)).toBeLessThanOrEqual(0.5);
    // Ternary weights with max-abs scale and 4-level activations, no retraining: far below (20+ points).
    expect(a2).toBeLessThan(floatPct - 20);
    // 0.5 points is 10 images of 2,000; the binomial standard error at ~98% is ~0.3 points.
    expect(oracle.standardErrorPct(98)).toBeCloseTo(100 * Math.sqrt((0.98 * 0.02) / 2000), 9);
  });

  test('each candidate is evaluated once (cache), and answers are deterministic across oracles', async () => {
    // Same bits as 8/8 in conv1 and conv2, so the cached prefix activations are replayed: cheap, and exact.
    const c = { wbits: [8, 8, 4, 4, 8], abits: [8, 8, 5, 4, 8] };
    const before = oracle.stats();
    const first = await oracle.accuracyPct(c);
    const again = await oracle.accuracyPct({ wbits: [...c.wbits], abits: [...c.abits] });
    const after = oracle.stats();
    expect(again).toBe(first);
    expect(after.evaluations - before.evaluations).toBe(1);
    expect(after.cached - before.cached).toBe(1);
    // Two fresh oracles on the first 300 held-out images agree, whether or not a prefix was cached first.
    const a = createMeasuredOracle(net, { heldOutLimit: 300 });
    const b = createMeasuredOracle(net, { heldOutLimit: 300 });
    expect(a.heldOutImages).toBe(300);
    a.measure({ wbits: [8, 6, 8, 8, 8], abits: [8, 6, 8, 8, 8] });
    const x = { wbits: [8, 6, 3, 5, 8], abits: [8, 6, 4, 3, 8] };
    expect(a.measure(x)).toBe(b.measure(x));
  });

  test('a choice of the wrong length or with bits out of range is a user error naming the field', () => {
    expect(() => oracle.measure({ wbits: [8, 8], abits: [8, 8] })).toThrow(PlanError);
    expect(() => oracle.measure({ ...uniform(8, 8), wbits: [8, 1, 8, 8, 8] })).toThrow(/wbits\[1\] \(conv2\)/);
  });
});

describe('lenet5-mnist in the zoo', () => {
  test('parameters and weighted layers by hand (LeNet-5 with 6/16 conv channels, 120/84/10 fc)', () => {
    // conv1 6x1x5x5 + 6, conv2 16x6x5x5 + 16, fc1 400x120 + 120 (16 x 5 x 5 after two pools), fc2 120x84 + 84,
    // fc3 84x10 + 10.
    const byHand = 6 * 25 + 6 + 16 * 6 * 25 + 16 + 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10;
    expect(byHand).toBe(61_706);
    expect(net.totalParams).toBe(byHand);
    expect(net.weightedIndices.map((i) => net.layers[i]?.layer.name)).toEqual(['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
  });
});

describe('measured oracle errors', () => {
  test('a network without trained weights is refused with a clear message', () => {
    expect(() => createMeasuredOracle(resolveNetwork(zooNetwork('vgg8')))).toThrow(ValidationError);
    expect(() => createMeasuredOracle(resolveNetwork(zooNetwork('vgg8')))).toThrow(/trained weights.*lenet5-mnist/);
  });
});
