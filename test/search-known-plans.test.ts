import { KNOWN_PLANS } from '../scripts/search-study/known-plans';
import { setup } from '../scripts/search-study';
import { CandidateEvaluator } from '../optimizer/search/evaluator';

// The study's held plans must still be plans of their network, within the budget under today's model: a stale
// entry would silently drop out of the best-known and flatter the RL's gap again.
describe('search study known plans', () => {
  for (const [name, plans] of Object.entries(KNOWN_PLANS)) {
    test(`${name}: every held plan fits the network and the study's budget`, async () => {
      const p = setup(name);
      const n = p.net.weightedIndices.length;
      for (const k of plans) {
        expect(k.wbits).toHaveLength(n);
        expect(k.abits).toHaveLength(n);
        const c = await new CandidateEvaluator(p.ctx, p.oracle, p.settings).evaluate([...k.wbits], [...k.abits]);
        expect(c.feasible).toBe(true);
        // Not repaired: the evaluator kept the bits as held.
        expect(c.wbits).toEqual([...k.wbits]);
        expect(c.abits).toEqual([...k.abits]);
        expect(c.dropPct).toBeLessThanOrEqual(p.settings.accuracyBudgetPct);
      }
    });
  }
});
