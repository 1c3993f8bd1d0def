import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputFileError, ShapeError, UnknownNameError, ValidationError } from '../errors';
import { loadNetwork, networkToJson, parseNetworkJson, resolveNetwork, zooNames, zooNetwork } from '../workloads';
import { thrown as catchError } from './helpers/thrown';

const SRC = 'my-net.json';

/** A small valid document; `layers` can be replaced per test. */
function doc(layers: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ name: 'tiny', input: { channels: 3, height: 8, width: 8 }, layers, ...extra });
}


describe('JSON round trip', () => {
  test.each(zooNames())('%s survives export and import exactly', (name) => {
    const network = zooNetwork(name);
    const text = networkToJson(network);
    const back = parseNetworkJson(text, `${name}.json`);
    expect(back).toEqual(network);
    expect(networkToJson(back)).toBe(text);
  });

  test('sensitivities and accuracy survive too', () => {
    const network = parseNetworkJson(
      doc([{ name: 'c', kind: 'conv', outChannels: 4, kernel: 3 }], { sensitivities: { c: { weight: 1.5, activation: 0.25 } }, floatAccuracyPct: 90.5 }),
      SRC,
    );
    expect(parseNetworkJson(networkToJson(network), SRC)).toEqual(network);
    expect(network.sensitivities).toEqual({ c: { weight: 1.5, activation: 0.25 } });
  });
});

describe('JSON defaults and short forms', () => {
  test('the example in workloads/README.md parses', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'workloads', 'README.md'), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const r = resolveNetwork(parseNetworkJson(example ?? '', 'README.md'));
    // conv1 3*16*9 + bn 32 + conv2 16*16*9 + fc 16*10 + 10
    expect(r.totalParams).toBe(432 + 32 + 2304 + 170);
  });

  test('conv defaults: stride 1, pad 0, dilation 1, groups 1, bias true (PyTorch)', () => {
    const n = parseNetworkJson(doc([{ name: 'c', kind: 'conv', outChannels: 4, kernel: 3 }]), SRC);
    expect(n.layers[0]).toEqual({
      name: 'c', kind: 'conv', inputs: [], outChannels: 4, kernel: [3, 3], stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1, bias: true,
    });
    const fc = parseNetworkJson(doc([{ name: 'f', kind: 'fc', outFeatures: 2 }]), SRC);
    expect(fc.layers[0]).toEqual({ name: 'f', kind: 'fc', inputs: [], outFeatures: 2, bias: true });
  });

  test('pairs and pad quads', () => {
    const n = parseNetworkJson(
      doc([
        { name: 'a', kind: 'conv', outChannels: 4, kernel: [3, 1], stride: [1, 2], pad: [1, 0] },
        { name: 'b', kind: 'conv', outChannels: 4, kernel: 2, pad: [0, 1, 1, 0] },
      ]),
      SRC,
    );
    const [a, b] = n.layers;
    expect(a?.kind === 'conv' && [a.kernel, a.stride, a.pad]).toEqual([[3, 1], [1, 2], [1, 0, 1, 0]]);
    expect(b?.kind === 'conv' && b.pad).toEqual([0, 1, 1, 0]);
  });

  test('pool stride defaults to the kernel; global pool needs no kernel; eltwise op defaults to add', () => {
    const n = parseNetworkJson(
      doc([
        { name: 'p', kind: 'pool', op: 'max', kernel: 2 },
        { name: 'c', kind: 'conv', outChannels: 3, kernel: 1, inputs: ['p'] },
        { name: 'sum', kind: 'eltwise', inputs: ['p', 'c'] },
        { name: 'g', kind: 'pool', op: 'avg', global: true },
      ]),
      SRC,
    );
    expect(n.layers[0]).toMatchObject({ stride: [2, 2], pad: [0, 0, 0, 0], global: false, ceilMode: false });
    expect(n.layers[2]).toMatchObject({ op: 'add' });
    expect(resolveNetwork(n).layers[3]?.outShape).toEqual({ channels: 3, height: 1, width: 1 });
  });
});

describe('JSON errors', () => {
  const conv = (extra: Record<string, unknown>): unknown => ({ name: 'c', kind: 'conv', outChannels: 4, kernel: 3, ...extra });

  test.each([
    [0, 'an integer from 1 to 65536'],
    [2.5, 'an integer from 1 to 65536'],
    ['3', 'an integer from 1 to 65536'],
    [[3], 'pair'],
    [[3, 3, 3], 'pair'],
  ])('bad kernel %j names the file and field', (kernel, allowed) => {
    const error = catchError(() => parseNetworkJson(doc([{ name: 'ok', kind: 'activation', fn: 'relu' }, conv({ kernel })]), SRC));
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.source).toBe(SRC);
    expect(v.field).toBe('layers[1].kernel');
    expect(v.found).toBe(JSON.stringify(kernel));
    expect(v.allowed).toContain(allowed);
    expect(v.message).toContain('my-net.json');
  });

  test('kernel too large for the input is a ShapeError naming the layer and file', () => {
    expect(() => parseNetworkJson(doc([conv({ kernel: 9 })]), SRC)).toThrow(ShapeError);
    expect(() => parseNetworkJson(doc([conv({ kernel: 9 })]), SRC)).toThrow(/my-net\.json.*'c'/);
  });

  test('missing, unknown and misspelt fields', () => {
    expect(catchError(() => parseNetworkJson(doc([{ name: 'c', kind: 'conv', kernel: 3 }]), SRC))).toMatchObject({ field: 'layers[0].outChannels', found: 'missing' });
    expect(catchError(() => parseNetworkJson(doc([conv({ strides: 2 })]), SRC))).toMatchObject({ field: 'layers[0].strides' });
    expect(catchError(() => parseNetworkJson(doc([{ name: 'x', kind: 'lstm' }]), SRC))).toMatchObject({ field: 'layers[0].kind' });
    expect(catchError(() => parseNetworkJson(doc([conv({ pad: [1, 2, 3] })]), SRC))).toMatchObject({ field: 'layers[0].pad' });
    expect(catchError(() => parseNetworkJson(doc([conv({ bias: 'yes' })]), SRC))).toMatchObject({ field: 'layers[0].bias' });
    expect(catchError(() => parseNetworkJson(doc([{ name: 'p', kind: 'pool', kernel: 2 }]), SRC))).toMatchObject({ field: 'layers[0].op' });
    expect(catchError(() => parseNetworkJson(doc([]), SRC))).toMatchObject({ field: 'layers' });
    expect(catchError(() => parseNetworkJson(JSON.stringify({ name: 'n', input: { channels: 3, height: 0, width: 8 }, layers: [conv({})] }), SRC))).toMatchObject({
      field: 'input.height',
    });
    expect(catchError(() => parseNetworkJson(doc([conv({})], { sensitivities: { nope: { weight: 1, activation: 1 } } }), SRC))).toMatchObject({
      field: 'sensitivities.nope',
    });
  });

  test('unknown input name', () => {
    const error = catchError(() => parseNetworkJson(doc([conv({ inputs: ['conv0'] })]), SRC));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/my-net\.json.*layers\[0\]\.inputs.*'conv0'/);
  });

  test('mismatched add shapes name both layers', () => {
    const text = doc([
      { name: 'left', kind: 'conv', outChannels: 4, kernel: 3, pad: 1 },
      { name: 'right', kind: 'conv', outChannels: 4, kernel: 3, inputs: ['input'] },
      { name: 'add', kind: 'eltwise', op: 'add', inputs: ['left', 'right'] },
    ]);
    const error = catchError(() => parseNetworkJson(text, SRC));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toMatch(/'left' gives 4x8x8 and 'right' gives 4x6x6/);
  });

  test('malformed JSON gives line and column', () => {
    const text = '{\n  "name": "n",\n  "input" {"channels": 3}\n}';
    const error = catchError(() => parseNetworkJson(text, SRC));
    expect(error).toBeInstanceOf(InputFileError);
    // The colon is missing after "input": the parser stops at the '{' on line 3, column 11.
    expect(error.message).toMatch(/my-net\.json: malformed JSON at line 3, column 11/);
    expect(() => parseNetworkJson('[1, 2]', SRC)).toThrow(ValidationError);
  });
});

describe('loadNetwork', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-load-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('zoo names, JSON and CSV files', () => {
    expect(loadNetwork('resnet20').name).toBe('resnet20');
    const jsonFile = path.join(dir, 'r20.json');
    fs.writeFileSync(jsonFile, networkToJson(zooNetwork('resnet20')));
    expect(loadNetwork(jsonFile)).toEqual(zooNetwork('resnet20'));
    const csvFile = path.join(dir, 'Tiny.CSV');
    fs.writeFileSync(csvFile, '8,8,3,3,3,4,1,1\n4,4,4,4,4,10,0,1\n');
    const tiny = loadNetwork(csvFile);
    expect(tiny.name).toBe('Tiny');
    expect(resolveNetwork(tiny).weightedIndices.length).toBe(2);
  });

  test('missing files, unknown names, unsupported types', () => {
    expect(() => loadNetwork(path.join(dir, 'absent.json'))).toThrow(InputFileError);
    expect(() => loadNetwork(path.join(dir, 'absent.json'))).toThrow(/absent\.json: no such file/);
    expect(() => loadNetwork('resnet1000')).toThrow(UnknownNameError);
    expect(() => loadNetwork('resnet1000')).toThrow(/resnet18/);
    expect(() => loadNetwork(path.join(dir, 'model.pb'))).toThrow(/unsupported network file type '\.pb'; supported: \.json, \.csv, \.onnx/);
    // Formats that fix their own input shape refuse an override instead of ignoring it.
    expect(() => loadNetwork('resnet18', { inputShape: [1, 3, 32, 32] })).toThrow(ValidationError);
    expect(() => loadNetwork(path.join(dir, 'r20.json'), { inputShape: [1, 3, 32, 32] })).toThrow(/\.json file, which fixes its own input shape/);
  });
});

describe('JSON syntax error location', () => {
  test.each([
    ['{"a": 1,}', 1, 9],
    ['{"a": 1 "b": 2}', 1, 9],
    ['[1, 2,\n  03]', 2, 4],
    ['{"a": tru}', 1, 7],
    ['{"a": "x\ty"}', 1, 9],
    ['{"a": 1} x', 1, 10],
  ])('%j fails at line %i, column %i', (text, line, column) => {
    expect(() => parseNetworkJson(text, 'f.json')).toThrow(`f.json: malformed JSON at line ${line}, column ${column}`);
  });

  test('truncated input', () => {
    expect(() => parseNetworkJson('{"name": "n", "layers": [', 'f.json')).toThrow(/end of the file \(truncated\?\)/);
  });
});
