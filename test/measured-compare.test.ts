import { uniformPlan } from '../arch/plan';
import { createMeasuredOracle, measuredAccuracyReport, topHistoryChoices } from '../optimizer/accuracy/measured';
import { resolveNetwork, zooNetwork } from '../workloads';
import { runCli } from './helpers/run-cli';

describe('proxy-vs-measured report for optimize --accuracy measured', () => {
  test('top history choices: feasible only, best cost first, duplicates once, bits parsed', () => {
    const h = (cost: number, feasible: boolean, w: string, a: string) => ({ cost, feasible, wbits: w, abits: a });
    const top = topHistoryChoices([h(0.5, true, '8 4 8', '8 8 8'), h(0.2, false, '8 2 8', '8 2 8'), h(0.3, true, '8 6 8', '8 5 8'), h(0.3, true, '8 6 8', '8 5 8'), h(0.9, true, '8 8 8', '8 8 8')], 2);
    expect(top).toEqual([
      { label: 'search top-1', wbits: [8, 6, 8], abits: [8, 5, 8] },
      { label: 'search top-2', wbits: [8, 4, 8], abits: [8, 8, 8] },
    ]);
  });

  test('every row, the top candidates and the final plan get a proxy and a measured drop; the plan is measured from the plan', async () => {
    const net = resolveNetwork(zooNetwork('lenet5-mnist'));
    const oracle = createMeasuredOracle(net, { heldOutLimit: 200 });
    const eight = { wbits: [8, 8, 8, 8, 8], abits: [8, 8, 8, 8, 8], replicas: [1, 1, 1, 1, 1] };
    // The final plan is uniform 8/8 while the labelled row says otherwise: the report must follow the plan.
    const text = await measuredAccuracyReport(
      net,
      oracle,
      {
        rows: [{ variant: 'baseline', choices: eight }, { variant: 'LRMP (RL)', choices: { ...eight, wbits: [8, 2, 2, 2, 8] } }],
        history: [{ cost: 0.4, feasible: true, wbits: '8 8 6 8 8', abits: '8 8 8 8 8' }],
        chosen: 'LRMP (RL)',
        plan: uniformPlan('lenet5-mnist', 'puma', { wbits: 8, abits: 8, replicas: 1 }),
        accuracyBudgetPct: 1,
      },
      5,
    );
    const floatPct = oracle.floatAccuracyPct();
    const planDrop = floatPct - oracle.measure({ wbits: eight.wbits, abits: eight.abits });
    expect(text).toMatch(/measured on 200 held-out images/);
    expect(text).toMatch(/^LRMP \(RL\) +\d+\.\d{3} +\d+\.\d{3} +8 2 2 2 8 \/ 8 8 8 8 8$/m);
    expect(text).toMatch(/^search top-1 /m);
    expect(text).toContain(`final plan (LRMP (RL)): measured drop ${planDrop.toFixed(3)} pts, budget 1 pts`);
    // Ternary weights in three layers cost more than 1 point: the RL row's measured drop is far over budget.
    const rlLine = text.split('\n').find((l) => l.startsWith('LRMP (RL)')) ?? '';
    expect(Number(rlLine.split(/\s+/)[3])).toBeGreaterThan(1);
  });

  test('lrmp optimize --accuracy measured on a network without weights is a one-paragraph user error (exit 2)', () => {
    const r = runCli(['optimize', '--network', 'vgg8', '--arch', 'puma', '--accuracy', 'measured', '--episodes', '1', '--no-confirm']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/trained weights/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
