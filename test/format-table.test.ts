import { formatNumber, timeUnitFor } from '../scripts/format/table';

describe('table number format', () => {
  it('keeps the magnitude of numbers that round to trailing zeros', () => {
    expect(formatNumber(3739.5)).toBe('3740');
    expect(formatNumber(1200.4)).toBe('1200');
    expect(formatNumber(100.04)).toBe('100');
    expect(formatNumber(10.04)).toBe('10');
  });

  it('trims zeros only after a decimal point', () => {
    expect(formatNumber(12.5)).toBe('12.5');
    expect(formatNumber(0.25)).toBe('0.25');
    expect(formatNumber(1.5004)).toBe('1.5');
    expect(formatNumber(42)).toBe('42');
  });

  it('writes huge, tiny and non-finite values plainly', () => {
    expect(formatNumber(25_000_000.5)).toBe('2.50e+7');
    expect(formatNumber(5e-4)).toBe('5.00e-4');
    expect(formatNumber(Number.NaN)).toBe('-');
  });
});

describe('time unit of a column', () => {
  it("picks the unit that keeps the smallest value at or above 0.1, so a tiny network's latency keeps its digits", () => {
    // lenet5-mnist's optimize rows: 156.6 us baseline, 6.94 us for LRMP (was printed 0.157 and 0.007 ms).
    expect(timeUnitFor([156.6e-6, 6.941e-6])).toEqual({ unit: 'us', scale: 1e6 });
    expect(formatNumber(6.941e-6 * 1e6, 4)).toBe('6.941');
    // ResNet-18's: 13.37 ms baseline, 0.2112 ms for LRMP.
    expect(timeUnitFor([13.372e-3, 211.2e-6])).toEqual({ unit: 'ms', scale: 1e3 });
    expect(formatNumber(211.2e-6 * 1e3, 4)).toBe('0.2112');
    expect(timeUnitFor([0.05e-3, 30e-3])).toEqual({ unit: 'us', scale: 1e6 });
    expect(timeUnitFor([2.5, 0.12])).toEqual({ unit: 's', scale: 1 });
    expect(timeUnitFor([30e-9])).toEqual({ unit: 'ns', scale: 1e9 });
    expect(timeUnitFor([0, Number.NaN])).toEqual({ unit: 's', scale: 1 });
  });
});
