import { formatNumber } from '../scripts/format/table';

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
