/**
 * Attention products' own bit width (PlanChoices.productBits; a plan's `layers.<product>.abits`): it sets the
 * stored bits of their operands (rule 2), their MAC-array passes, rewritten crossbars and energy, and the accuracy
 * proxy's attention terms. Model and simulator read it from the same placement.
 */
import { productLayerIndices, productWork } from '../arch/attention';
import { analyzeDataflow, dataflowCosts, operandBits, storedTensorBits } from '../arch/dataflow';
import { applySetOverrides } from '../arch/overrides';
import { planFromChoices, resolvePlan, validatePlan } from '../arch/plan';
import { presetArch } from '../arch/presets';
import { PlanError } from '../errors';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { simulate } from '../sim';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';

const net = resolveNetwork(zooNetwork('deit-tiny'));
const n = net.weightedIndices.length;
const products = productLayerIndices(net);
const indexOf = (name: string): number => net.layers.findIndex((l) => l.layer.name === name);

describe('attention products have their own bit width', () => {
  test('a plan sets it per product (abits only); it round-trips through planFromChoices', () => {
    const plan = validatePlan({ network: 'deit-tiny', arch: 'xformer', layers: { 'blocks.0.attn.scores': { abits: 4 }, 'blocks.0.attn.context': { abits: 6 } } }, 'p.json');
    const choices = resolvePlan(plan, net, 'p.json');
    expect(choices.productBits?.slice(0, 3)).toEqual([4, 6, 0]);
    expect(choices.productBits).toHaveLength(products.length);
    const again = resolvePlan(planFromChoices('deit-tiny', 'xformer', net, choices), net, 'again');
    expect(again.productBits).toEqual(choices.productBits);
    const wrong = validatePlan({ network: 'deit-tiny', arch: 'xformer', layers: { 'blocks.0.attn.scores': { wbits: 4 } } }, 'w.json');
    expect(() => resolvePlan(wrong, net, 'w.json')).toThrow(PlanError);
    expect(() => resolvePlan(wrong, net, 'w.json')).toThrow(/multiplies two activations/);
  });

  test('rule 2: Q and K are stored at Q.K^T\'s bits, V and the softmax rows at A.V\'s; by default at the projection\'s abits', () => {
    const flow = analyzeDataflow(net);
    const abits = new Array<number>(n).fill(8);
    abits[net.weightedIndices.indexOf(indexOf('blocks.0.attn.proj'))] = 5;
    const defaults = operandBits(flow, abits);
    const bitsOf = (bits: readonly number[], name: string): number => storedTensorBits(flow, indexOf(name), bits);
    for (const name of ['blocks.0.attn.q', 'blocks.0.attn.k', 'blocks.0.attn.v', 'blocks.0.attn.softmax']) expect(bitsOf(defaults, name)).toBe(5);
    const own = new Array<number>(products.length).fill(0);
    own[0] = 4; // blocks.0 Q.K^T
    own[1] = 6; // blocks.0 A.V
    const bits = operandBits(flow, abits, own);
    expect(bitsOf(bits, 'blocks.0.attn.q')).toBe(4);
    expect(bitsOf(bits, 'blocks.0.attn.k')).toBe(4);
    expect(bitsOf(bits, 'blocks.0.attn.v')).toBe(6);
    expect(bitsOf(bits, 'blocks.0.attn.softmax')).toBe(6);
    // The projection still reads A.V's output at its own abits.
    expect(bitsOf(bits, 'blocks.0.attn.context')).toBe(5);
  });

  test('the MAC array charges passes and energy at the product bits; rewritten crossbars their cells; model and simulator agree', async () => {
    // A 4-bit array: 8-bit operands take 2 x 2 passes, 4-bit ones 1.
    const arch = applySetOverrides(presetArch('xformer'), ['attention.macArray.bits=4']);
    const scores = net.layers[products[0] ?? -1];
    if (scores === undefined) throw new Error('no product');
    expect(productWork(arch, scores, 8, 8)?.workPerImage).toBe(4 * scores.macs);
    expect(productWork(arch, scores, 4, 4)?.workPerImage).toBe(scores.macs);
    const base = { wbits: new Array<number>(n).fill(8), abits: new Array<number>(n).fill(8), replicas: new Array<number>(n).fill(1) };
    const low = { ...base, productBits: new Array<number>(products.length).fill(4) };
    const ctx = prepareModel(arch, net);
    const m8 = evaluateModel(ctx, base);
    const m4 = evaluateModel(ctx, low);
    expect(m4.energyBreakdownPj.attention).toBeCloseTo(m8.energyBreakdownPj.attention / 4, 3);
    expect(m4.bottleneckCycles).toBeLessThan(m8.bottleneckCycles);
    const s4 = await simulate(arch, net, low, { images: 2 });
    expect(s4.energyPj.attention / 2).toBeCloseTo(m4.energyBreakdownPj.attention, -3);
    expect(Math.abs(s4.latencyCycles / m4.latencyCycles - 1)).toBeLessThan(0.1);
    const crossbar = applySetOverrides(presetArch('xformer'), ['attention.unit=crossbar']);
    const flow = analyzeDataflow(net, dataflowCosts(crossbar));
    expect(flow.layers[products[0] ?? -1]?.digitalOps).toBe(0);
    const c8 = productWork(crossbar, scores, 8, 8);
    const c4 = productWork(crossbar, scores, 4, 4);
    expect(c4?.cellsWrittenPerImage).toBeLessThan(c8?.cellsWrittenPerImage ?? 0);
  }, 120000);
});
