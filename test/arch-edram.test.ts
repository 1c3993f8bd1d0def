import { chipAreaMm2, chipPowerMw, tileAreaMm2 } from '../arch/area';
import { edramCost } from '../arch/edram';
import { edramEnergyPj } from '../arch/energy';
import { applySetOverride, uncontendedArch } from '../arch/overrides';
import { presetArch, presetNames } from '../arch/presets';
import { runCli } from './helpers/run-cli';

// eDRAM cost follows tile.edram.capacityKb (arch/edram.ts): checked against PUMA's published table, and a user's
// sweep over capacity pays for the extra eDRAM.
describe('eDRAM area, power and access energy follow its capacity', () => {
  test("PUMA's preset at 128 KB gives constants.py's 128 KB entry (0.121 mm2, 25.35 pJ, 25.35 / 2 + 0.77 mW)", () => {
    const cost = edramCost(applySetOverride(presetArch('puma'), 'tile.edram.capacityKb=128'));
    expect(cost.areaMm2).toBeCloseTo(0.121, 12);
    expect(cost.energyPjPerAccess).toBeCloseTo(25.35, 12);
    expect(cost.powerMw).toBeCloseTo(25.35 / 2 + 0.77, 12);
  });

  test('at its reference capacity a preset keeps its published figures (ISAAC Table II: 64 KB 0.083 mm2, 20.7 mW)', () => {
    const isaac = presetArch('isaac');
    expect(edramCost(isaac)).toEqual({ areaMm2: 0.083, powerMw: 20.7, energyPjPerAccess: isaac.tile.edram.energyPjPerAccess });
  });

  test.each(presetNames())('%s: doubling capacity raises chip area, peak power and energy per access; halving lowers them', (name) => {
    const base = presetArch(name);
    const kb = base.tile.edram.capacityKb;
    const double = applySetOverride(base, `tile.edram.capacityKb=${2 * kb}`);
    const half = applySetOverride(base, `tile.edram.capacityKb=${kb / 2}`);
    expect(chipAreaMm2(double)).toBeGreaterThan(chipAreaMm2(base));
    expect(chipAreaMm2(half)).toBeLessThan(chipAreaMm2(base));
    expect(chipPowerMw(double)).toBeGreaterThan(chipPowerMw(base));
    expect(edramEnergyPj(double, 1)).toBeGreaterThan(edramEnergyPj(base, 1));
    // The tile grows by exactly its eDRAM's growth: capacity enters cost in one place.
    expect(tileAreaMm2(double) - tileAreaMm2(base)).toBeCloseTo(edramCost(double).areaMm2 - edramCost(base).areaMm2, 12);
  });

  test('moving the reference capacity with the figures quoted there changes nothing', () => {
    const puma = presetArch('puma');
    const at128 = edramCost(applySetOverride(puma, 'tile.edram.capacityKb=128'));
    let rebased = applySetOverride(puma, 'tile.edram.costCapacityKb=128');
    for (const [field, value] of Object.entries(at128)) rebased = applySetOverride(rebased, `tile.edram.${field}=${value}`);
    for (const kb of [16, 64, 512]) {
      const a = edramCost(applySetOverride(puma, `tile.edram.capacityKb=${kb}`));
      const b = edramCost(applySetOverride(rebased, `tile.edram.capacityKb=${kb}`));
      for (const key of ['areaMm2', 'powerMw', 'energyPjPerAccess'] as const) expect(b[key]).toBeCloseTo(a[key], 9);
    }
  });

  test('the uncontended chip (ample eDRAM for timing) keeps the cost of the arch it came from', () => {
    const isaac = presetArch('isaac');
    expect(edramCost(uncontendedArch(isaac))).toEqual(edramCost(isaac));
  });

  test('analyze on ResNet-20: chip area and eDRAM energy rise with tile.edram.capacityKb (32, 64, 256 KB)', () => {
    const figures = [32, 64, 256].map((kb) => {
      const run = runCli(['analyze', '--network', 'resnet20', '--set', `tile.edram.capacityKb=${kb}`, '--format', 'json']);
      expect(run.status).toBe(0);
      const doc = JSON.parse(run.stdout) as { physical: { chip: { areaMm2: number } }; energyBreakdownPj: { edram: number } };
      return { area: doc.physical.chip.areaMm2, edram: doc.energyBreakdownPj.edram };
    });
    expect(figures[0]!.area).toBeLessThan(figures[1]!.area);
    expect(figures[1]!.area).toBeLessThan(figures[2]!.area);
    expect(figures[0]!.edram).toBeLessThan(figures[1]!.edram);
    expect(figures[1]!.edram).toBeLessThan(figures[2]!.edram);
  });

  test('a bad reference capacity is a user error naming the field: exit 2, no stack trace', () => {
    for (const value of ['0', '-64', 'abc']) {
      const run = runCli(['analyze', '--network', 'resnet20', '--set', `tile.edram.costCapacityKb=${value}`]);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/tile\.edram\.costCapacityKb/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
