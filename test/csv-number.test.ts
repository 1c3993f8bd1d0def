import { parse } from 'csv-parse/sync';
import { CSV_SIGNIFICANT_DIGITS, csvNumber } from '../csv-number';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { loadInputs } from '../scripts/commands/inputs';
import { renderAnalysis } from '../scripts/commands/analyze';
import { toCsv } from '../scripts/commands/output';

/** Significant digits of a decimal cell (exponent and leading zeros not counted). */
function significantDigits(cell: string): number {
  const mantissa = cell.replace(/^-/, '').split(/e/i)[0] ?? '';
  return mantissa.replace('.', '').replace(/^0+/, '').length;
}

describe('CSV numbers', () => {
  test('floating-point noise is cut, integers and real digits are kept', () => {
    expect(csvNumber(13.388046000000001)).toBe('13.388046');
    expect(csvNumber(12513894.399999999)).toBe('12513894.4');
    expect(csvNumber(0.1 + 0.2)).toBe('0.3');
    expect(csvNumber(14356892)).toBe('14356892');
    expect(csvNumber(2 ** 53)).toBe('9007199254740992');
    expect(csvNumber(-0)).toBe('0');
    expect(csvNumber(1 / 3)).toBe('0.333333333333');
    expect(csvNumber(3.2e-9)).toBe('3.2e-9');
    expect(csvNumber(0.02189905121145938)).toBe('0.0218990512115');
    expect(toCsv(['a', 'b'], [['x', 13.388046000000001]])).toBe('a,b\nx,13.388046\n');
  });

  test("analyze's CSV of ResNet-18 has no noisy cell and every cell equals the JSON figure to 12 digits", () => {
    const inputs = loadInputs({ network: 'resnet18', arch: 'puma' });
    const result = evaluateModel(prepareModel(inputs.arch, inputs.net), inputs.choices);
    const rows = parse(renderAnalysis(inputs, result, 'csv'), { columns: true }) as Array<Record<string, string>>;
    const json = JSON.parse(renderAnalysis(inputs, result, 'json')) as { layers: Array<{ layer: string; shareOfBottleneck: number }> };
    let numeric = 0;
    for (const row of rows) {
      for (const cell of Object.values(row)) {
        if (cell === '' || Number.isNaN(Number(cell))) continue;
        numeric++;
        if (!Number.isInteger(Number(cell))) expect(significantDigits(cell)).toBeLessThanOrEqual(CSV_SIGNIFICANT_DIGITS);
      }
    }
    expect(numeric).toBeGreaterThan(500);
    // Before the rounding, cells printed 17-digit noise such as 12513894.399999999 (conv layers' edram_cycles).
    const share = rows.map((r) => Number(r['share']));
    json.layers.forEach((l, i) => expect(share[i]).toBeCloseTo(l.shareOfBottleneck, 11));
  });
});
