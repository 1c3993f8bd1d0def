import { adcCost, rowGroups, rowsPerRead } from '../arch/adc';
import { applySetOverrides } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { mvmCycles } from '../arch/timing';

const puma = presetArch('puma');
const withBits = (bits: number) => applySetOverrides(puma, [`adc.bits=${bits}`]);

describe('ADC resolution: row parallelism (worked by hand)', () => {
  test('8 bits resolve all 128 rows of 2-bit cells with 1-bit inputs (ISAAC encoding: 128 x 3 / 2 + 1 = 193 levels <= 256)', () => {
    expect(rowsPerRead(puma)).toBe(128);
    expect(rowGroups(puma, 128)).toBe(1);
  });

  test('6 bits: floor(63 / 1.5) = 42 rows per read, so 128 rows take 4 reads per input bit', () => {
    expect(rowsPerRead(withBits(6))).toBe(42);
    expect(rowGroups(withBits(6), 128)).toBe(4);
    expect(rowGroups(withBits(6), 40)).toBe(1);
    // (8 bits x 4 reads + 2 fill) sweeps of 100 cycles.
    expect(mvmCycles(withBits(6), 128, 8)).toBe(3400);
  });

  test('4 bits: floor(15 / 1.5) = 10 rows per read', () => {
    expect(rowsPerRead(withBits(4))).toBe(10);
    expect(rowGroups(withBits(4), 128)).toBe(13);
  });
});

describe('ADC cost follows the published curve (ISAAC, as carried in Accelergy)', () => {
  test.each([
    [4, 0.79, 361e-6],
    [6, 1.2, 627e-6],
    [8, 1.67, 1200e-6],
    [10, 2.38, 3002e-6],
  ])('%i bits: %f pJ per conversion, %f mm2', (bits, energyPj, areaMm2) => {
    const cost = adcCost(withBits(bits));
    expect(cost.energyPjPerConversion).toBeCloseTo(energyPj, 6);
    expect(cost.areaMm2).toBeCloseTo(areaMm2, 9);
  });

  test('between published points the cost interpolates; a 7-bit ADC costs between the 6- and 8-bit ones', () => {
    const seven = adcCost(withBits(7)).energyPjPerConversion;
    expect(seven).toBeGreaterThan(1.2);
    expect(seven).toBeLessThan(1.67);
  });
});
