import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duplicateKeyAt, jsonErrorOffset, lineAndColumn } from '../json-locate';
import { loadArch } from '../arch/load';
import { applySetOverride } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { validateArchSpec } from '../arch/validate';
import { InputFileError, UnknownNameError, ValidationError } from '../errors';
import { thrown } from './helpers/thrown';


/** A preset as a plain JSON value that a test may break. */
function pumaJson(): Record<string, Record<string, unknown>> {
  return JSON.parse(JSON.stringify(presetArch('puma'))) as Record<string, Record<string, unknown>>;
}

const dir = mkdtempSync(join(tmpdir(), 'lrmp-arch-validate-'));

describe('validateArchSpec', () => {
  test('a negative crossbar size names crossbar.rows, the value and what is allowed', () => {
    const spec = pumaJson();
    spec['crossbar']!['rows'] = -128;
    const error = thrown(() => validateArchSpec(spec, 'my.json'));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ source: 'my.json', field: 'crossbar.rows', found: '-128', allowed: 'an integer from 1 to 4096' });
  });

  test('a fractional count is rejected', () => {
    const spec = pumaJson();
    spec['tile']!['cores'] = 7.5;
    expect(thrown(() => validateArchSpec(spec, 'x'))).toMatchObject({ field: 'tile.cores', found: '7.5' });
  });

  test('a wrong type (string for a number, number for a boolean) names the field', () => {
    const spec = pumaJson();
    spec['crossbar']!['cols'] = '128';
    expect(thrown(() => validateArchSpec(spec, 'x'))).toMatchObject({ field: 'crossbar.cols', found: 'the string "128"' });
    const other = pumaJson();
    other['crossbar']!['differentialWeights'] = 1;
    expect(thrown(() => validateArchSpec(other, 'x'))).toMatchObject({ field: 'crossbar.differentialWeights', allowed: 'true or false' });
  });

  test('a missing field is reported as missing', () => {
    const spec = pumaJson();
    delete spec['adc']!['bits'];
    expect(thrown(() => validateArchSpec(spec, 'x'))).toMatchObject({ field: 'adc.bits', found: 'missing' });
  });

  test('a negative energy is rejected, a zero area is allowed', () => {
    const spec = pumaJson();
    spec['adc']!['energyPjPerConversion'] = -1;
    expect(thrown(() => validateArchSpec(spec, 'x'))).toMatchObject({ field: 'adc.energyPjPerConversion' });
    const zero = pumaJson();
    zero['adc']!['areaMm2'] = 0;
    expect(validateArchSpec(zero, 'x').adc.areaMm2).toBe(0);
  });

  test('an unknown key is rejected with the nearest known key suggested', () => {
    const spec = pumaJson();
    spec['crossbar']!['rowz'] = 256;
    const error = thrown(() => validateArchSpec(spec, 'x.json'));
    expect(error).toMatchObject({ field: 'crossbar.rowz', found: 'an unknown key' });
    expect(error.message).toContain("did you mean 'rows'?");
    const top = pumaJson() as Record<string, unknown>;
    top['clockGhz'] = 1;
    expect(thrown(() => validateArchSpec(top, 'x')).message).toContain("did you mean 'clockGHz'?");
  });

  test('a second key for the same concept is not accepted (one key per concept)', () => {
    const spec = pumaJson() as Record<string, unknown>;
    spec['architecture'] = 'puma';
    expect(thrown(() => validateArchSpec(spec, 'x'))).toMatchObject({ field: 'architecture', found: 'an unknown key' });
  });

  test('a group given as a scalar is rejected', () => {
    const spec = pumaJson() as Record<string, unknown>;
    spec['noc'] = 4;
    expect(thrown(() => validateArchSpec(spec, 'x'))).toMatchObject({ field: 'noc', found: '4' });
  });

  test('more ADCs per crossbar than columns is rejected', () => {
    const spec = pumaJson();
    spec['adc']!['perCrossbar'] = 129;
    expect(thrown(() => validateArchSpec(spec, 'x'))).toMatchObject({ field: 'adc.perCrossbar' });
  });
});

describe('--set errors', () => {
  const puma = presetArch('puma');

  test('an unknown path suggests the nearest full path', () => {
    const error = thrown(() => applySetOverride(puma, 'crossbar.rowz=256'));
    expect(error).toMatchObject({ source: '--set', field: 'crossbar.rowz' });
    expect(error.message).toContain("did you mean 'crossbar.rows'?");
  });

  test('a group path (not a field) is rejected', () => {
    expect(thrown(() => applySetOverride(puma, 'crossbar=4'))).toBeInstanceOf(ValidationError);
  });

  test('a malformed assignment, a non-number and Infinity are rejected', () => {
    expect(thrown(() => applySetOverride(puma, 'crossbar.rows'))).toBeInstanceOf(ValidationError);
    expect(thrown(() => applySetOverride(puma, 'crossbar.rows=abc'))).toMatchObject({ field: 'crossbar.rows', found: "'abc'" });
    expect(thrown(() => applySetOverride(puma, 'clockGHz=Infinity'))).toMatchObject({ field: 'clockGHz' });
    expect(thrown(() => applySetOverride(puma, 'crossbar.differentialWeights=yes'))).toMatchObject({ allowed: 'true or false' });
  });

  test('a value out of range is caught by re-validation', () => {
    expect(thrown(() => applySetOverride(puma, 'crossbar.rows=0'))).toMatchObject({ field: 'crossbar.rows', found: '0' });
  });
});

describe('file errors', () => {
  test('malformed JSON names the file, line and column', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{\n  "base": "puma",\n  "crossbar": { "rows": 256, }\n}\n');
    const error = thrown(() => loadArch({ arch: file }));
    expect(error).toBeInstanceOf(InputFileError);
    // The stray comma is followed by a space; the scanner stops at the '}' (line 3, column 30: two spaces, 27 characters, the space).
    expect(error.message).toContain(file);
    expect(error.message).toContain('line 3, column 30');
  });

  test('truncated JSON reports the end of input', () => {
    const file = join(dir, 'truncated.json');
    writeFileSync(file, '{"base": "puma",\n"crossbar": {');
    expect(thrown(() => loadArch({ arch: file })).message).toMatch(/truncated\.json: malformed JSON at the end of the file \(truncated\?\)/);
  });

  test('a key given twice in one object is an error naming it and where it comes again (JSON.parse kept the last)', () => {
    const file = join(dir, 'twice.json');
    writeFileSync(file, '{"base": "puma",\n "crossbar": {"rows": 64},\n "crossbar": {"cols": 64}}');
    expect(thrown(() => loadArch({ arch: file })).message).toBe(`${file}: the key "crossbar" appears twice in one object (again at line 3, column 2); JSON keeps only the last, so give each key once.`);
    // Keys compare decoded; the same key in sibling objects (array items, groups) is no duplicate.
    expect(duplicateKeyAt('{"ab": 1, "a\\u0062": 2}')).toEqual({ key: 'ab', offset: 10 });
    expect(duplicateKeyAt('{"a": [{"k": 1}, {"k": "k"}], "b": {"k": {"k": 1}}, "c": ["a", "a"]}')).toBeUndefined();
    expect(duplicateKeyAt(JSON.stringify(presetArch('isaac'), null, 2))).toBeUndefined();
    expect(duplicateKeyAt('{"s": "\\"x\\", ", "x": 1, "x": 2}')?.key).toBe('x');
  });

  test('the JSON scanner agrees with JSON.parse on valid text', () => {
    const text = JSON.stringify(presetArch('isaac'), null, 2);
    expect(jsonErrorOffset(text)).toBeUndefined();
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });

  test('a missing file is an InputFileError; a bare unknown name is an UnknownNameError', () => {
    expect(thrown(() => loadArch({ arch: join(dir, 'nope.json') }))).toBeInstanceOf(InputFileError);
    expect(thrown(() => loadArch({ arch: 'pumaa' }))).toBeInstanceOf(UnknownNameError);
    expect(thrown(() => loadArch({ arch: 'puma', overrideFiles: [join(dir, 'gone.json')] }))).toBeInstanceOf(InputFileError);
  });

  test('an unknown base preset names the base field', () => {
    const file = join(dir, 'badbase.json');
    writeFileSync(file, '{"base": "isaak"}');
    expect(thrown(() => loadArch({ arch: file }))).toMatchObject({ source: file, field: 'base', found: "'isaak'" });
  });
});
