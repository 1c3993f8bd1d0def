import { ShapeError, ValidationError, InputFileError } from '../errors';
import { parseNeurosimCsv, resolveNetwork, zooNetwork } from '../workloads';
import type { ResolvedNetwork } from '../workloads';
import { NETWORK_VGG8_SHA256, networkVgg8Csv, sha256 } from './helpers/neurosim-vgg8';

// DNN+NeuroSim V1.3's VGG-8 as its NetWork_VGG8.csv describes it, written out from the model definition
// (models/VGG.py): IFM_H, IFM_W, IFM_C, K_H, K_W, OFM_C, followedByMaxPool, stride. The first fc appears as a
// 4x4 kernel over the 4x4x512 map.
const VGG8_ROWS = [
  '32,32,3,3,3,128,0,1',
  '32,32,128,3,3,128,1,1',
  '16,16,128,3,3,256,0,1',
  '16,16,256,3,3,256,1,1',
  '8,8,256,3,3,512,0,1',
  '8,8,512,3,3,512,1,1',
  '4,4,512,4,4,1024,0,1',
  '1,1,1024,1,1,10,0,1',
];

function weightedSummary(r: ResolvedNetwork) {
  return r.weightedIndices.map((i) => {
    const l = r.layers[i];
    if (!l) throw new Error('missing layer');
    const layer = l.layer;
    return {
      kind: layer.kind,
      inShape: l.inShapes[0],
      outShape: l.outShape,
      params: l.params,
      macs: l.macs,
      kernel: layer.kind === 'conv' ? layer.kernel : null,
      stride: layer.kind === 'conv' ? layer.stride : null,
    };
  });
}

describe('NeuroSim CSV import', () => {
  test('VGG-8 CSV gives the zoo vgg8 weighted layers, with or without a header', () => {
    const expected = weightedSummary(resolveNetwork(zooNetwork('vgg8')));
    const plain = parseNeurosimCsv(`${VGG8_ROWS.join('\n')}\n`, 'NetWork_VGG8.csv');
    expect(plain.name).toBe('NetWork_VGG8');
    const withHeader = parseNeurosimCsv(
      ['IFM_H,IFM_W,IFM_C,K_H,K_W,OFM_C,followedByMaxPool,stride', ...VGG8_ROWS].join('\r\n'),
      'vgg8.csv',
    );
    for (const n of [plain, withHeader]) {
      const r = resolveNetwork(n);
      expect(weightedSummary(r)).toEqual(expected);
      expect(r.totalParams).toBe(12_973_440);
      expect(r.layers[r.layers.length - 1]?.outShape).toEqual({ channels: 10, height: 1, width: 1 });
    }
    // Layer names follow the row number: conv1..conv6, fc7, fc8.
    expect(resolveNetwork(plain).weightedIndices.map((i) => plain.layers[i]?.name)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'conv6', 'fc7', 'fc8']);
  });

  test('strided and even-kernel convs keep the NeuroSim "same" convention', () => {
    // 224 with a 7x7 stride-2 conv and pad 3: floor((224 + 6 - 7) / 2) + 1 = 112; a 2x2 pool gives 56.
    // A 4x4 kernel pads 1 above and 2 below (3 in total), so 56 stays 56.
    const n = parseNeurosimCsv('224,224,3,7,7,64,1,2\n56,56,64,4,4,64,0,1\n56,56,64,1,1,10,0,1\n', 'r.csv');
    const r = resolveNetwork(n);
    expect(r.layers.find((l) => l.layer.name === 'conv1')?.outShape).toEqual({ channels: 64, height: 112, width: 112 });
    const c2 = n.layers.find((l) => l.name === 'conv2');
    expect(c2?.kind === 'conv' && c2.pad).toEqual([1, 1, 2, 2]);
    expect(r.layers.find((l) => l.layer.name === 'conv3')?.outShape).toEqual({ channels: 10, height: 56, width: 56 });
  });

  test('a row whose IFM does not match the previous output names both lines', () => {
    const rows = [...VGG8_ROWS];
    rows[2] = '32,32,128,3,3,256,0,1'; // line 3 forgets line 2's max pool
    const error = (() => {
      try {
        parseNeurosimCsv(rows.join('\n'), 'vgg8.csv');
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toBe('vgg8.csv line 3: IFM 128x32x32 (CxHxW) does not match the output of line 2, 128x16x16.');
    // With a header, line numbers count it.
    expect(() => parseNeurosimCsv(['IFM_H,IFM_W,IFM_C,K_H,K_W,OFM_C,followedByMaxPool,stride', ...rows].join('\n'), 'h.csv')).toThrow(/h\.csv line 4:/);
  });

  test('bad cells and rows name the line and column', () => {
    expect(() => parseNeurosimCsv('32,32,3,3,3,128,0,1\n16,16,128,3,x,256,0,1\n', 'a.csv')).toThrow(ValidationError);
    expect(() => parseNeurosimCsv('32,32,3,3,3,128,0,1\n16,16,128,3,x,256,0,1\n', 'a.csv')).toThrow(/a\.csv: field 'line 2, K_W' is "x"/);
    expect(() => parseNeurosimCsv('32,32,3,3,3,128,2,1\n', 'a.csv')).toThrow(/line 1, followedByMaxPool.*from 0 to 1/);
    expect(() => parseNeurosimCsv('32,32,3,3,3,128,0\n', 'a.csv')).toThrow(/line 1.*7 column/);
    expect(() => parseNeurosimCsv('IFM_H,IFM_W\n\n', 'a.csv')).toThrow(InputFileError);
    expect(() => parseNeurosimCsv('1,1,8,1,1,4,1,1\n', 'a.csv')).toThrow(/line 1: followedByMaxPool = 1/);
  });

  test('non-numeric lines before the first row are headers; after it, a garbled row is named, not skipped', () => {
    // A title line and a column-name line (both imported before the header check was tightened to one line).
    const two = parseNeurosimCsv('VGG8 network\nIFM_H,IFM_W,IFM_C,K_H,K_W,OFM_C,pool,stride\n32,32,3,3,3,16,0,1\n', 'two.csv');
    expect(two.layers.filter((l) => l.kind === 'conv')).toHaveLength(1);
    expect(parseNeurosimCsv('# c\nIFM_H,IFM_W,IFM_C,K_H,K_W,OFM_C,pool,stride\n32,32,3,3,3,16,0,1\n', 'a.csv').layers.length).toBeGreaterThan(0);
    // After a data row, a ';'-separated row is one cell: named with its line and column count.
    expect(() => parseNeurosimCsv('32,32,3,3,3,16,0,1\n32;32;16;3;3;16;0;1\n', 'a.csv')).toThrow(/^a\.csv: field 'line 2' is 1 column\(s\); allowed: 8 columns/);
    expect(() => parseNeurosimCsv('32,32,3,3,3,16,0,1\nIFM_H,IFM_W,IFM_C,K_H,K_W,OFM_C,pool,stride\n', 'a.csv')).toThrow(/field 'line 2, IFM_H' is "IFM_H"/);
    // No row at all: the lines taken as headers are quoted, and ';' is called out.
    expect(() => parseNeurosimCsv('# NeuroSim\n32;32;3;3;3;16;0;1\n', 'a.csv')).toThrow(
      /no layer rows; line 2 \("32;32;3;3;3;16;0;1"\) was read as a header, having no comma-separated number; ';' is not a separator/,
    );
    expect(() => parseNeurosimCsv('IFM_H,IFM_W,IFM_C,K_H,K_W,OFM_C,pool,stride\n32;32;3;3;3;16;0;1\n', 'a.csv')).toThrow(
      /no layer rows; line 1 \("IFM_H,IFM_W,IFM_C,K_H,K_W,OFM_C,pool,stride"\), line 2 \("32;32;3;3;3;16;0;1"\) were read as headers/,
    );
    expect(() => parseNeurosimCsv('"32","32","3","3","3","16","0","1"\n', 'a.csv')).toThrow(InputFileError);
    expect(() => parseNeurosimCsv('\n', 'a.csv')).toThrow(/^a\.csv: no layer rows \(expected/);
  });
});

describe("NeuroSim's own NetWork_VGG8.csv, byte for byte as DNN+NeuroSim V1.3 ships it", () => {
  // Regenerated from its layer table (test/helpers/neurosim-vgg8.ts; NeuroSim is CC BY-NC 4.0, so its file is not
  // committed): CRLF line ends, no header, the first fc written flattened (1,1,8192,...).
  const file = 'NetWork_VGG8.csv';

  test('analyzes to the zoo VGG-8 parameter count and layer shapes', () => {
    const text = networkVgg8Csv();
    expect(sha256(text)).toBe(NETWORK_VGG8_SHA256);
    expect(text).toContain('1,1,8192,1,1,1024,0,1\r\n');
    const net = resolveNetwork(parseNeurosimCsv(text, file));
    const zoo = resolveNetwork(zooNetwork('vgg8'));
    expect(net.totalParams).toBe(zoo.totalParams);
    expect(net.totalParams).toBe(12973440);
    expect(weightedSummary(net).map((w) => [w.inShape, w.outShape, w.params])).toEqual(weightedSummary(zoo).map((w) => [w.inShape, w.outShape, w.params]));
  });

  test('a flattened fc row whose channels are not the previous map flattened names both lines', () => {
    const text = ['32,32,3,3,3,8,1,1', '1,1,2000,1,1,10,0,1'].join('\r\n');
    expect(() => parseNeurosimCsv(text, 'bad.csv')).toThrow(/bad\.csv line 2: IFM 2000x1x1 .* output of line 1, 8x16x16/);
  });
});
