import { describeModelSimGaps, renderOptimizeTable } from '../scripts/commands/optimize';
import type { VariantRow } from '../optimizer/lrmp';

function row(variant: VariantRow['variant'], modelImgPerS: number, simImgPerS?: number): VariantRow {
  const r: VariantRow = {
    variant,
    label: variant,
    method: 'test',
    choices: { wbits: [8], abits: [8], replicas: [1] },
    bottleneckCycles: 1,
    throughputImagesPerS: modelImgPerS,
    latencyCycles: 1,
    latencyS: 1e-9,
    throughputGain: 1,
    latencyGain: 1,
    dropPct: 0,
    areaMm2: 1,
    tilesUsed: 1,
  };
  if (simImgPerS !== undefined) r.simulated = { throughputImagesPerS: simImgPerS, latencyCycles: 1, throughputGain: 1, latencyGain: 1 };
  return r;
}

describe('optimize report: model versus simulator', () => {
  it('says nothing when every simulated row is within 10% of the model', () => {
    expect(describeModelSimGaps([row('baseline', 100, 100), row('LRMP (RL)', 1000, 905), row('replication only', 50)])).toBeUndefined();
  });

  it('names each row beyond 10%, with its signed gap', () => {
    const text = describeModelSimGaps([row('baseline', 100, 100), row('replication only', 956.6, 715.6), row('LRMP (RL)', 3739.5, 3132.6), row('LRMP (exact joint)', 100, 111)]);
    // (715.6 / 956.6 - 1) = -25.2%; (3132.6 / 3739.5 - 1) = -16.2%; +11.0%.
    expect(text).toContain('replication only (-25.2%)');
    expect(text).toContain('LRMP (RL) (-16.2%)');
    expect(text).toContain('LRMP (exact joint) (+11.0%)');
    expect(text).not.toContain('baseline');
    expect(text).toContain('Known gaps');
  });

  it('words each sign for what it is: a row faster in the simulator is not said to lose throughput there', () => {
    const faster = describeModelSimGaps([row('LRMP (exact joint)', 100, 111)]) ?? '';
    expect(faster).toContain('above the model');
    expect(faster).toContain('LRMP (exact joint) (+11.0%)');
    expect(faster).not.toMatch(/lose throughput|below the model/);
    const slower = describeModelSimGaps([row('LRMP (RL)', 100, 80)]) ?? '';
    expect(slower).toContain('below the model');
    expect(slower).toContain('lose throughput');
    expect(slower).not.toContain('above the model');
    // Both signs in one run: each row under its own sentence.
    const both = describeModelSimGaps([row('replication only', 100, 80), row('LRMP (exact joint)', 100, 111)]) ?? '';
    expect(both.indexOf('replication only')).toBeLessThan(both.indexOf('above the model'));
    expect(both.indexOf('LRMP (exact joint)')).toBeGreaterThan(both.indexOf('above the model'));
  });
});

describe('optimize report: units', () => {
  test('a tiny network keeps significant digits in the latency column', () => {
    const base = { ...row('baseline', 6710), latencyS: 156.6e-6 };
    const lrmp = { ...row('LRMP (RL)', 258519), latencyS: 6.941e-6 };
    const text = renderOptimizeTable({
      network: 'tiny', arch: 'puma', objective: 'throughput', accuracyBudgetPct: 1, seed: 1, rows: [base, lrmp], notes: [],
      budget: { cores: 8, tiles: 1, areaMm2: 23.57, source: 'baseline' }, chosenLabel: 'LRMP (RL)', wallS: 1,
      replicationCheck: { backend: 'jslp', agreesWithExact: true, milpMs: 3 },
    } as unknown as Parameters<typeof renderOptimizeTable>[0]);
    expect(text).toMatch(/latency us/);
    expect(text).toMatch(/\b156\.6\b/);
    expect(text).toMatch(/\b6\.941\b/);
    expect(text).not.toMatch(/0\.007\b/);
  });
});

describe('optimize report: the search gap beside a swapped RL row', () => {
  const render = (rl: VariantRow) =>
    renderOptimizeTable({
      network: 'tiny', arch: 'puma', objective: 'throughput', accuracyBudgetPct: 1, seed: 1, rows: [row('baseline', 100), rl], notes: [],
      budget: { cores: 8, tiles: 1, areaMm2: 23.57, source: 'baseline' }, chosenLabel: rl.label, wallS: 1,
      replicationCheck: { backend: 'jslp', agreesWithExact: true, milpMs: 3 },
      searchGap: { bestVariant: 'LRMP (RL)', rlGapPct: 0 },
    } as unknown as Parameters<typeof renderOptimizeTable>[0]);

  test("says the gap is the search's own best plan when the table shows another RL candidate", () => {
    // r96: MobileNetV2 showed 'LRMP (RL, candidate 4)' below RL + polish and 'LRMP (RL) found the best plan' under it.
    const swapped = render({ ...row('LRMP (RL)', 5874.1, 5874.1), label: 'LRMP (RL, candidate 4)' });
    expect(swapped).toMatch(/found the best plan of any method in this run .*\(The search's own best plan, by the model; the table's LRMP \(RL, candidate 4\) is the simulator's choice among its candidates\.\)/);
    expect(render(row('LRMP (RL)', 5882.4, 5882.4))).not.toMatch(/search's own best plan/);
  });
});
