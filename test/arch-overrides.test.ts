import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crossbarUnitAreaMm2 } from '../arch/area';
import { loadArch } from '../arch/load';
import { applySetOverride, applySetOverrides, mergeOverrideJson } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { ValidationError } from '../errors';

const dir = mkdtempSync(join(tmpdir(), 'lrmp-arch-overrides-'));

function writeJson(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe('applySetOverride', () => {
  test('returns a new spec with the parsed number and leaves the input alone', () => {
    const puma = presetArch('puma');
    const bigger = applySetOverride(puma, 'crossbar.rows=256');
    expect(bigger.crossbar.rows).toBe(256);
    expect(puma.crossbar.rows).toBe(128);
    expect(bigger).not.toBe(puma);
  });

  test('parses booleans, strings and decimals', () => {
    const spec = applySetOverrides(presetArch('isaac'), [
      'crossbar.differentialWeights=true',
      'name=isaac-256',
      'adc.sampleRateGsps=2.56',
    ]);
    expect(spec.crossbar.differentialWeights).toBe(true);
    expect(spec.name).toBe('isaac-256');
    expect(spec.adc.sampleRateGsps).toBe(2.56);
  });

  test('the area model follows an override: 256 rows add 128 DACs and double the array', () => {
    const isaac = presetArch('isaac');
    const wide = applySetOverride(isaac, 'crossbar.rows=256');
    expect(crossbarUnitAreaMm2(wide) - crossbarUnitAreaMm2(isaac)).toBeCloseTo(128 * 1.67e-7 + 2.5e-5, 15);
  });

  test('the source is carried into errors', () => {
    expect(() => applySetOverride(presetArch('puma'), 'crossbar.rows=-1', 'sweep.json')).toThrow(/^sweep\.json: field 'crossbar\.rows'/);
  });

  test('an out-of-range value is shown as typed, not as the double it rounds to', () => {
    const puma = presetArch('puma');
    expect(() => applySetOverride(puma, 'crossbar.rows=9007199254740993')).toThrow("--set: field 'crossbar.rows' is 9007199254740993; allowed: an integer from 1 to 4096.");
    expect(() => applySetOverride(puma, 'clockGHz=1e-400')).toThrow("field 'clockGHz' is 1e-400; allowed:");
    expect(applySetOverride(puma, 'crossbar.rows=4096').crossbar.rows).toBe(4096);
  });
});

describe('mergeOverrideJson', () => {
  test('deep-merges a partial object and keeps untouched siblings', () => {
    const puma = presetArch('puma');
    const merged = mergeOverrideJson(puma, { crossbar: { rows: 64 }, noc: { router: { powerMw: 1 } } }, 'p.json');
    expect(merged.crossbar.rows).toBe(64);
    expect(merged.crossbar.cols).toBe(128);
    expect(merged.noc.router.powerMw).toBe(1);
    expect(merged.noc.router.areaMm2).toBe(puma.noc.router.areaMm2);
    expect(puma.crossbar.rows).toBe(128);
  });

  test('re-validates: a misspelt nested key is reported with its full path', () => {
    expect(() => mergeOverrideJson(presetArch('puma'), { tile: { edram: { capacityKB: 128 } } }, 'p.json')).toThrow(
      /field 'tile\.edram\.capacityKB' is an unknown key; allowed: did you mean 'capacityKb'\?/,
    );
  });

  test('a non-object override is rejected', () => {
    expect(() => mergeOverrideJson(presetArch('puma'), [1, 2], 'p.json')).toThrow(ValidationError);
  });
});

describe('loadArch', () => {
  test('a preset name loads the preset', () => {
    expect(loadArch({ arch: 'isaac' })).toEqual(presetArch('isaac'));
  });

  test('a complete JSON file loads as is', () => {
    const spec = { ...presetArch('puma'), name: 'my-chip' };
    expect(loadArch({ arch: writeJson('full.json', spec) })).toEqual(spec);
  });

  test('an incomplete file without base names the first missing field', () => {
    expect(() => loadArch({ arch: writeJson('partial.json', { name: 'x' }) })).toThrow(/field 'clockGHz' is missing/);
  });

  test('"base" starts from a preset and overrides only the given fields', () => {
    const file = writeJson('based.json', { base: 'puma', name: 'puma-4t', chip: { tiles: 4 } });
    const spec = loadArch({ arch: file });
    expect(spec).toEqual({ ...presetArch('puma'), name: 'puma-4t', chip: { tiles: 4 } });
  });

  test('override files apply in order, then --set last', () => {
    const first = writeJson('o1.json', { chip: { tiles: 10 }, clockGHz: 2 });
    const second = writeJson('o2.json', { chip: { tiles: 20 } });
    const spec = loadArch({ arch: 'puma', overrideFiles: [first, second], sets: ['chip.tiles=30'] });
    expect(spec.chip.tiles).toBe(30);
    expect(spec.clockGHz).toBe(2);
  });

  test('"base" is only for the architecture file, not override files', () => {
    const file = writeJson('o3.json', { base: 'isaac' });
    expect(() => loadArch({ arch: 'puma', overrideFiles: [file] })).toThrow(/field 'base' is an unknown key/);
  });
});
