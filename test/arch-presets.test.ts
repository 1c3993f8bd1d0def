import {
  areaBreakdownMm2,
  breakdownTotal,
  chipAreaMm2,
  chipPowerMw,
  coreAreaMm2,
  corePowerMw,
  crossbarUnitAreaMm2,
  peakGopsPerMm2,
  peakGopsPerW,
  peakOpsPerSecond,
  tileAreaMm2,
  tilePowerMw,
} from '../arch/area';
import { applySetOverride } from '../arch/overrides';
import { isaacSpec } from '../arch/presets/isaac';
import { PUMA_PUBLISHED } from '../arch/presets/puma';
import { listPresets, presetArch, presetNames } from '../arch/presets';
import { archsCommand } from '../scripts/commands/listings';
import { mvmCycles } from '../arch/timing';
import { validateArchSpec } from '../arch/validate';
import { UnknownNameError } from '../errors';

/** |derived / published - 1| <= tolerance. */
function expectWithin(derived: number, published: number, tolerance: number): void {
  expect(Math.abs(derived / published - 1)).toBeLessThanOrEqual(tolerance);
}

describe('preset registry', () => {
  test('lists isaac, puma and xformer with descriptions and citations', () => {
    expect(presetNames()).toEqual(['isaac', 'puma', 'xformer']);
    for (const info of listPresets()) {
      expect(info.description.length).toBeGreaterThan(10);
      expect(info.citation).toMatch(/20(16|19)/);
    }
  });

  test("'lrmp archs' prints each whole chip's peak efficiency with the paper's beside it", () => {
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      archsCommand({ format: 'table' });
    } finally {
      spy.mockRestore();
    }
    const text = out.join('');
    expect(text).toMatch(/^isaac .* 85\.4 +484 \(paper 479\) +628 \(paper 645\) /m);
    expect(text).toMatch(/^puma .* 118 +339 \(paper 577\) +489 \(paper 837\) /m);
    expect(text).toContain('834 GOPS/s/W');
    expect(listPresets().find((p) => p.name === 'puma')?.published).toMatchObject({ gopsPerMm2: 577, gopsPerW: 837 });
  });

  test('every preset passes its own validation', () => {
    for (const name of presetNames()) expect(validateArchSpec(presetArch(name), name)).toEqual(presetArch(name));
  });

  test('presetArch hands out fresh copies and the shared preset object is frozen', () => {
    const a = presetArch('isaac');
    a.crossbar.rows = 1;
    expect(presetArch('isaac').crossbar.rows).toBe(128);
    expect(Object.isFrozen(isaacSpec)).toBe(true);
    expect(Object.isFrozen(isaacSpec.crossbar)).toBe(true);
    expect(() => {
      (isaacSpec.crossbar as { rows: number }).rows = 5;
    }).toThrow(TypeError);
  });

  test('an unknown preset is an UnknownNameError listing the known ones', () => {
    expect(() => presetArch('isac')).toThrow(UnknownNameError);
    expect(() => presetArch('isac')).toThrow(/isaac, puma, xformer/);
  });
});

// ISAAC Table II (ISCA 2016) totals. Tolerance 0.5%: the table prints 3 significant digits; every component it
// lists is modelled, so a larger gap would be a preset error.
describe('isaac reproduces ISAAC-CE Table II', () => {
  const isaac = presetArch('isaac');

  test('crossbar unit by hand: xbar + ADC + 128 DACs + 128 S&H + half a shift-add', () => {
    const byHand = 2.5e-5 + 0.0012 + 128 * 1.67e-7 + (128 * 0.00004) / 1024 + 0.5 * 0.00006;
    expect(crossbarUnitAreaMm2(isaac)).toBeCloseTo(byHand, 12);
  });

  test('12 IMAs: 0.157 mm2 and 289 mW', () => {
    expectWithin(12 * coreAreaMm2(isaac), 0.157, 0.005);
    expectWithin(12 * corePowerMw(isaac), 289, 0.005);
  });

  test('tile: 0.372 mm2 and 330 mW', () => {
    expectWithin(tileAreaMm2(isaac), 0.372, 0.005);
    expectWithin(tilePowerMw(isaac), 330, 0.005);
  });

  test('168 tiles: 62.5 mm2 and 55.4 W; with HyperTransport 85.4 mm2 and 65.8 W', () => {
    expectWithin(chipAreaMm2(isaac) - isaac.offChip.areaMm2, 62.5, 0.005);
    expectWithin(chipPowerMw(isaac) - isaac.offChip.powerMw, 55400, 0.005);
    expectWithin(chipAreaMm2(isaac), 85.4, 0.005);
    expectWithin(chipPowerMw(isaac), 65800, 0.005);
  });

  test('area breakdown sums to the chip area and scales with tiles', () => {
    expect(breakdownTotal(areaBreakdownMm2(isaac))).toBeCloseTo(chipAreaMm2(isaac), 9);
    expect(chipAreaMm2(isaac, 10)).toBeCloseTo(10 * tileAreaMm2(isaac) + 22.88, 9);
  });

  test('peak 16-bit ops by hand: 16128 crossbars x 128x16 weights x 2 ops per 16 x 100 ns', () => {
    const byHand = (168 * 12 * 8 * 128 * 16 * 2) / (16 * 100e-9);
    expect(peakOpsPerSecond(isaac)).toBeCloseTo(byHand, -6);
  });

  // Residual +1.0%: 41.29 TOPS / 85.4 mm2 = 483.5; the published 478.95 implies 86.2 mm2 (or 40.9 TOPS), which
  // its own Table II does not give. We keep Table II and allow 1.5%.
  test('peak GOPS/s/mm2 within 1.5% of the published 478.95 (derived 483.5, cause of the gap not found)', () => {
    expectWithin(peakGopsPerMm2(isaac), 478.95, 0.015);
  });

  // Residual -2.7%: 41.29 TOPS / 65.8 W (Table II total) = 627.5; the published 644.8 implies 64.0 W.
  test('peak GOPS/s/W within 3% of the published 644.8 (derived 627.5 from the Table II 65.8 W total)', () => {
    expectWithin(peakGopsPerW(isaac), 644.8, 0.03);
    expect(peakGopsPerW(isaac)).toBeLessThan(644.8);
  });
});

describe('puma', () => {
  const puma = presetArch('puma');

  test("16-bit MVM: PUMA's 100-cycle sweep x (16 + 2) = 1800 cycles", () => {
    expect(mvmCycles(puma, 128, 16)).toBe(1800);
  });

  test('with one conversion per cycle (1 GS/s at 1 GHz): (16 + 2) x 128 = 2304 cycles', () => {
    const slowAdc = applySetOverride(puma, 'adc.sampleRateGsps=1');
    expect(mvmCycles(slowAdc, 128, 16)).toBe(2304);
  });

  test('crossbar unit by hand from puma-simulator constants.py', () => {
    const byHand = 2.5e-5 + 0.0012 + 128 * 1.67e-7 + 128 * (0.00004 / 8 / 128) + 0.00006;
    expect(crossbarUnitAreaMm2(puma)).toBeCloseTo(byHand, 12);
  });

  test('peak 16-bit ops by hand: 17664 crossbars x 128x16 weights x 2 ops per 1800 ns', () => {
    const byHand = (138 * 8 * 16 * 128 * 16 * 2) / 1800e-9;
    expect(peakOpsPerSecond(puma)).toBeCloseTo(byHand, -6);
  });

  // PUMA's 577 GOPS/s/mm2 and 837 GOPS/s/W against this preset's 339 and 489: the reason is in arch/presets/puma.ts
  // (PUMA_PUBLISHED): peak ops agree, PUMA's cost model counts 4 ADCs per core where its timing needs 16, and no
  // off-chip interface.
  test("with PUMA's own released cost model the preset's peak ops give 837 GOPS/s/W within 0.5%", () => {
    const tiles = puma.chip.tiles;
    const { simulatorTile, simulatorRouter } = PUMA_PUBLISHED;
    const watts = (tiles * simulatorTile.powerMw + (tiles / puma.noc.concentration) * simulatorRouter.powerMw) / 1000;
    const gopsPerW = peakOpsPerSecond(puma) / 1e9 / watts;
    expect(Math.abs(gopsPerW / PUMA_PUBLISHED.gopsPerW - 1)).toBeLessThan(0.005);
    // Its area is 8% off the published figure (624 vs 577): not reproducible from the released code.
    const area = tiles * simulatorTile.areaMm2 + (tiles / puma.noc.concentration) * simulatorRouter.areaMm2;
    expect(peakOpsPerSecond(puma) / 1e9 / area / PUMA_PUBLISHED.gopsPerMm2).toBeCloseTo(1.082, 2);
  });

  test('the ADC count is the largest difference: 12 more ADCs per core, 16 as the timing needs, cost 192 mW per tile', () => {
    const perTileMw = puma.tile.cores * (puma.core.crossbars - PUMA_PUBLISHED.simulatorAdcsPerCore) * puma.adc.powerMw;
    expect(perTileMw).toBe(192);
    const withAdcs = PUMA_PUBLISHED.simulatorTile.powerMw + perTileMw;
    // Counted with the ADCs the timing needs, PUMA's own tile gives ~538 GOPS/s/W, near this preset's 489 (560
    // without the off-chip interface, which the preset counts and PUMA does not).
    const watts = (puma.chip.tiles * withAdcs + (puma.chip.tiles / 4) * PUMA_PUBLISHED.simulatorRouter.powerMw) / 1000;
    expect(peakOpsPerSecond(puma) / 1e9 / watts).toBeCloseTo(538, -1);
    const withoutOffChip = peakOpsPerSecond(puma) / 1e9 / ((chipPowerMw(puma) - puma.offChip.powerMw) / 1000);
    expect(withoutOffChip).toBeCloseTo(560, -1);
    expect(peakGopsPerW(puma)).toBeCloseTo(489, -1);
    expect(peakGopsPerMm2(puma)).toBeCloseTo(339, -1);
  });
});
