/**
 * An initializer's data against its dims when the importer's lean read skips the payload (float_data, double_data,
 * uint64_data: workloads/onnx/payload-counts.ts scans their counts from the wire), and sub-byte types in int32_data.
 */
import { encodeModel, importOnnx } from '../workloads/onnx';

const valueInfo = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });

/** x (1x4x8x8) -> Conv with weight W (8x4x3x3) given as `weight` -> y; `extra` initializers ride along unused. */
function model(weight: Record<string, unknown>, extra: Record<string, unknown>[] = []): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      node: [{ opType: 'Conv', name: 'c', input: ['x', 'W'], output: ['y'], attribute: [] }],
      initializer: [{ name: 'W', dims: [8, 4, 3, 3], dataType: 1, ...weight }, ...extra],
      input: [valueInfo('x', [1, 4, 8, 8])],
      output: [{ name: 'y' }],
    },
  });
}

const importOf = (bytes: Uint8Array) => () => importOnnx(bytes, { source: 'm.onnx' });

describe('initializer data against dims, payloads the lean read skips', () => {
  test('float_data with the 288 values of 8x4x3x3 imports; 287 is refused, naming the initializer', () => {
    expect(importOf(model({ floatData: new Array<number>(288).fill(0.5) }))().layers).toHaveLength(1);
    expect(importOf(model({ floatData: new Array<number>(287).fill(0.5) }))).toThrow(/initializer 'W'' is dims \[8, 4, 3, 3\] \(288 elements\) with 287 data values/);
  });

  test('double_data and uint64_data counted too; a tensor with no data at all reads as dims only', () => {
    expect(importOf(model({ dataType: 11, doubleData: new Array<number>(288).fill(0.25) }))().layers).toHaveLength(1);
    expect(importOf(model({ dataType: 11, doubleData: new Array<number>(290).fill(0.25) }))).toThrow(/with 290 data values/);
    // uint64 varints of 1 and 300 (one and two bytes on the wire): 288 values either way.
    const u = (v: number) => model({}, [{ name: 'U', dims: [288], dataType: 13, uint64Data: new Array<number>(288).fill(v) }]);
    expect(importOf(u(1))().layers).toHaveLength(1);
    expect(importOf(u(300))().layers).toHaveLength(1);
    expect(importOf(model({}, [{ name: 'U', dims: [289], dataType: 13, uint64Data: new Array<number>(288).fill(300) }]))).toThrow(/initializer 'U''.*288 data values/);
    expect(importOf(model({}))().layers).toHaveLength(1);
  });

  test('INT2 and UINT2 pack four values per int32_data entry (onnx.proto), INT4 two', () => {
    const packed = (dataType: number, dims: number, entries: number) => model({}, [{ name: 'Q', dims: [dims], dataType, int32Data: new Array<number>(entries).fill(0) }]);
    expect(importOf(packed(26, 8, 2))().layers).toHaveLength(1);
    expect(importOf(packed(25, 9, 3))().layers).toHaveLength(1);
    expect(importOf(packed(22, 8, 4))().layers).toHaveLength(1);
    expect(importOf(packed(26, 8, 8))).toThrow(/initializer 'Q'' is dims \[8\] \(8 elements\) with 8 data values/);
  });
});

describe('small constants in float_data are read (onnx.helper.make_tensor writes them so by default)', () => {
  test('Resize scales [1, 1, 2, 2] in float_data: a 2x upsample of the 8x8 map (r94 P1: was "an unreadable constant")', () => {
    const resize = (scales: Record<string, unknown>) =>
      encodeModel({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'g',
          node: [{ opType: 'Resize', name: 'rs', input: ['x', '', 'sc'], output: ['y'], attribute: [{ name: 'mode', type: 3, s: Buffer.from('nearest') }] }],
          initializer: [{ name: 'sc', dims: [4], dataType: 1, ...scales }],
          input: [valueInfo('x', [1, 4, 8, 8])],
          output: [{ name: 'y' }],
        },
      });
    const net = importOf(resize({ floatData: [1, 1, 2, 2] }))();
    const raw = importOf(resize({ rawData: new Uint8Array(new Float32Array([1, 1, 2, 2]).buffer) }))();
    expect(net.layers).toEqual(raw.layers);
    expect(net.layers).toHaveLength(1);
    // Doubles too, and a count that disagrees with dims is still refused.
    expect(importOf(resize({ dataType: 11, doubleData: [1, 1, 2, 2] }))().layers).toEqual(raw.layers);
    expect(importOf(resize({ floatData: [1, 2, 2] }))).toThrow(/initializer 'sc'' is dims \[4\] \(4 elements\) with 3 data values/);
  });
});
