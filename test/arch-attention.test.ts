import { areaBreakdownMm2, chipAreaMm2, tileAreaMm2, tilePowerMw } from '../arch/area';
import { edramCost } from '../arch/edram';
import { applySetOverride } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { validateArchSpec } from '../arch/validate';
import { ValidationError } from '../errors';
import { thrown } from './helpers/thrown';

// The attention hardware of the spec (arch/presets/attention.ts), checked against the figures it cites.
describe('attention hardware in the architecture spec', () => {
  const puma = presetArch('puma');
  const xformer = presetArch('xformer');

  test('the MAC array carries Horowitz (ISSCC 2014) 8-bit MAC figures scaled to 32 nm as PUMA scales its ALU', () => {
    const mac = xformer.attention.macArray;
    // (0.2 pJ multiply + 0.03 pJ add) x 32/45 = 0.16356 pJ; (282 + 36) um2 x 32/45 = 226.1 um2 per MAC.
    expect(mac.energyPjPerMac).toBeCloseTo(0.16356, 4);
    expect(mac.areaMm2).toBeCloseTo(0.05789, 5); // 256 x 226.13 um2
    expect(mac.macsPerCycle).toBe(256);
    expect(mac.bits).toBe(8);
    expect(mac.perTile).toBe(1);
  });

  test('crossbar rewrite figures come from PUMA constants.py (whole 128x128 array write)', () => {
    const rewrite = xformer.attention.rewrite;
    expect(rewrite.writeNsPerRow * 128).toBeCloseTo(351000 / 32, 6); // 10,968.75 ns per array
    expect(rewrite.energyPjPerCellWrite * 128 * 128).toBeCloseTo(676000 / 32, 6); // 21,125 pJ per array
    expect(rewrite).toEqual(puma.attention.rewrite);
  });

  test('xformer is PUMA plus one MAC array per tile and 512 KB eDRAM, in area and peak power', () => {
    const mac = xformer.attention.macArray;
    // PUMA's eDRAM figures scaled to 512 KB by the one capacity rule (arch/edram.ts): area on the line through
    // constants.py's 64 and 128 KB entries, 0.086 + (512 - 64) x (0.121 - 0.086) / 64 mm2.
    expect(xformer.tile.edram).toMatchObject({ ...puma.tile.edram, capacityKb: 512 });
    expect(edramCost(xformer).areaMm2).toBeCloseTo(0.086 + (448 * 0.035) / 64, 12);
    const edramDelta = edramCost(xformer).areaMm2 - puma.tile.edram.areaMm2;
    expect(tileAreaMm2(xformer) - tileAreaMm2(puma)).toBeCloseTo(mac.areaMm2 + edramDelta, 12);
    const edramPowerDelta = edramCost(xformer).powerMw - puma.tile.edram.powerMw;
    expect(tilePowerMw(xformer) - tilePowerMw(puma)).toBeCloseTo(mac.powerMw + edramPowerDelta, 9);
    expect(areaBreakdownMm2(xformer, 10).attentionMac).toBeCloseTo(10 * mac.areaMm2, 12);
    // ISAAC and PUMA have no arrays: their published areas are untouched.
    expect(areaBreakdownMm2(puma).attentionMac).toBe(0);
  });

  test('an array shared by a group of tiles counts its share per tile', () => {
    const shared = applySetOverride(xformer, 'attention.macArray.perTile=0.25');
    const none = applySetOverride(xformer, 'attention.macArray.perTile=0');
    expect(chipAreaMm2(shared, 8) - chipAreaMm2(none, 8)).toBeCloseTo(2 * xformer.attention.macArray.areaMm2, 12);
  });

  test('attention.unit takes digital or crossbar, nothing else', () => {
    expect(applySetOverride(xformer, 'attention.unit=crossbar').attention.unit).toBe('crossbar');
    const error = thrown(() => applySetOverride(xformer, 'attention.unit=analog'));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/attention\.unit/);
    expect(error.message).toMatch(/'digital' or 'crossbar'/);
  });

  test('op counts per element are validated like every other field', () => {
    const spec = structuredClone(xformer) as unknown as { tile: { digital: { opsPerElement: Record<string, unknown> } } };
    spec.tile.digital.opsPerElement.gelu = -1;
    expect(thrown(() => validateArchSpec(spec, 'x.json')).message).toMatch(/tile\.digital\.opsPerElement\.gelu/);
    expect(xformer.tile.digital.opsPerElement).toEqual({ softmax: 12, layerNorm: 7, gelu: 11 });
  });
});
