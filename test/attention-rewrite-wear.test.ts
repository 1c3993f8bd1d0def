import { evaluateModel, prepareModel } from '../optimizer/model';
import { loadInputs } from '../scripts/commands/inputs';
import { renderAnalysis } from '../scripts/commands/analyze';

/*
 * Issue 15: rewritten-crossbar attention states what it costs, cells programmed, their energy and the endurance
 * they use up, in `analyze` and `simulate` (table and JSON), so an architect can set it against MAC arrays.
 * DeiT-Tiny by hand: 12 blocks, 3 heads of 64 features, 196 token rows. Per block K^T (64 rows of 196 keys) and V
 * (196 rows of 64 values) per head, at 8 bits on 2-bit cells = 4 cells per value: 2 x 3 x 196 x 64 x 4 = 301,056
 * cells, x 12 blocks = 3,612,672 cells per image, 1.29 pJ each (PUMA's 21,125 pJ per 16,384-cell array).
 */
function analyzeJson(set: string[]): { physical: { chip: { rewrite?: Record<string, number> } }; totals: { throughputImagesPerS: number } } {
  const inputs = loadInputs({ network: 'deit-tiny', set });
  return JSON.parse(renderAnalysis(inputs, evaluateModel(prepareModel(inputs.arch, inputs.net), inputs.choices), 'json')) as never;
}

describe('rewritten-crossbar attention: cells, write energy and wear', () => {
  test('DeiT-Tiny on xformer with attention.unit=crossbar: cells by hand, lifetime = endurance / throughput', () => {
    const out = analyzeJson(['attention.unit=crossbar']);
    const r = out.physical.chip.rewrite;
    expect(r).toBeDefined();
    expect(r?.['cellsPerImage']).toBe(3_612_672);
    expect(r?.['energyPj']).toBeCloseTo(3_612_672 * ((676.0 * 1000) / 32 / (128 * 128)), 3);
    expect(r?.['lifetimeInputs']).toBe(1e6);
    const imagesPerS = out.totals.throughputImagesPerS;
    expect(imagesPerS).toBeGreaterThan(0);
    expect(r?.['lifetimeS']).toBeCloseTo(1e6 / imagesPerS, 6);
    // Endurance is a spec field: ten times the writes, ten times the life.
    expect(analyzeJson(['attention.unit=crossbar', 'attention.rewrite.enduranceWrites=1e7']).physical.chip.rewrite?.['lifetimeInputs']).toBe(1e7);
  });

  test('MAC arrays write no cells: no rewrite figures, no line', () => {
    expect(analyzeJson([]).physical.chip.rewrite).toBeUndefined();
    const inputs = loadInputs({ network: 'deit-tiny', set: ['attention.unit=crossbar'] });
    const table = renderAnalysis(inputs, evaluateModel(prepareModel(inputs.arch, inputs.net), inputs.choices), 'table');
    expect(table).toMatch(/^rewrites +3612672 crossbar cells programmed per image .* the chip lasts 1000000 inputs, [\d.]+ min at this throughput \(model throughput\)$/m);
  });
});
