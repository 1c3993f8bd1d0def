import { resolvePlan, validatePlan } from '../arch/plan';
import { CandidateEvaluator } from '../optimizer/search/evaluator';
import { setup } from '../scripts/search-study';
import { LaidOutCosts } from '../scripts/search-study/layout';
import { RESNET50_RL1 } from './helpers/resnet50-rl1-plan';

// The search study scores each plan as optimize delivers it, after the layout step (docs/validation.md s91).
describe('search study: plans scored after the layout step', () => {
  it("ResNet-50's RL seed 1 plan: 196,000 cycles as searched, 157,200 laid out; the known plan unchanged", async () => {
    const p = setup('resnet50');
    const plan = resolvePlan(validatePlan(RESNET50_RL1, 'rl1'), p.net, 'rl1');
    const evaluator = new CandidateEvaluator(p.ctx, p.oracle, p.settings);
    const c = await evaluator.evaluate([...plan.wbits], [...plan.abits]);
    // The evaluator's exact replication gives the plan's own replicas back (the bits are within the budget).
    expect(c.replicas).toEqual(plan.replicas);
    expect(p.baseImagesPerS / c.cost).toBeCloseTo(5102.0, 1);
    const laid = new LaidOutCosts(p.ctx, p.settings);
    const cost = laid.cost(c);
    // s91: replicas for 157,200 cycles, compute-bound (6361.3 img/s; simulated 157,204).
    expect(p.baseImagesPerS / cost).toBeCloseTo(6361.3, 1);
    expect(cost / c.cost).toBeCloseTo(157_200 / 196_000, 9);
    expect(laid.improved).toBe(1);
    // Once per distinct plan.
    expect(laid.cost(c)).toBe(cost);
    expect(laid.improved).toBe(1);
  });
});
