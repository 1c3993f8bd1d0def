/**
 * One small ONNX graph per operator family of the importer, built with the test builder; every shape, parameter
 * total and row need below is worked out by hand in the comments.
 */
import { analyzeDataflow, dataflowCosts, digitalReadsPerElement, ownRowTables, type LayerFlow } from '../arch/dataflow';
import { presetArch } from '../arch/presets';
import { encodeModel, importOnnx } from '../workloads/onnx';
import { resolveNetwork } from '../workloads/shapes';
import type { Layer, Network, ResolvedNetwork } from '../workloads/types';
import { float, floatTensor, graphAttr, int, int64Tensor, ints, OnnxGraphBuilder, str } from './helpers/onnx-builder';

const INT8 = 3;

function build(dims: number[], body: (g: OnnxGraphBuilder) => string, opset = 17, extra?: (g: OnnxGraphBuilder) => void, values?: Record<string, number[]>): Network {
  const g = new OnnxGraphBuilder(false);
  g.input('x', dims);
  extra?.(g);
  g.output(body(g));
  return importOnnx(encodeModel(g.model(opset, 'families')), { source: 'f.onnx', ...(values ? { inputValues: values } : {}) });
}

const kinds = (net: Network): string[] => net.layers.map((l) => l.kind);
const only = <K extends Layer['kind']>(net: Network, kind: K): Extract<Layer, { kind: K }>[] =>
  net.layers.filter((l): l is Extract<Layer, { kind: K }> => l.kind === kind);
const last = (r: ResolvedNetwork) => r.layers[r.layers.length - 1];

describe('ONNX operator families', () => {
  test('1-D Conv and MaxPool over [N, C, L]: one time step per row, kernel K x 1', () => {
    const net = build([1, 4, 20], (g) => {
      const c = g.node('Conv', '/c', ['x', g.weight('w', [8, 4, 3]), g.weight('b', [8])], [ints('pads', [1, 1]), ints('strides', [2])]);
      return g.node('MaxPool', '/p', [c], [ints('kernel_shape', [2]), ints('strides', [2])]);
    });
    const r = resolveNetwork(net);
    expect(net.input).toEqual({ channels: 4, height: 20, width: 1 });
    // floor((20 + 2 - 3) / 2) + 1 = 10 steps, then floor((10 - 2) / 2) + 1 = 5.
    expect(only(net, 'conv')[0]).toMatchObject({ kernel: [3, 1], stride: [2, 1], pad: [1, 0, 1, 0] });
    expect(last(r)?.outShape).toEqual({ channels: 8, height: 5, width: 1 });
    expect(r.totalParams).toBe(8 * 4 * 3 + 8);
  });

  test('ConvTranspose with kernel = stride: a 1x1 conv to Cout x 2 x 2, re-cut into rows, then its bias', () => {
    const net = build([1, 8, 5, 5], (g) => g.node('ConvTranspose', '/up', ['x', g.weight('w', [8, 4, 2, 2]), g.weight('b', [4])], [ints('strides', [2, 2])]));
    const r = resolveNetwork(net);
    expect(kinds(net)).toEqual(['conv', 'reshape', 'activation']);
    expect(r.layers[0]?.outShape).toEqual({ channels: 16, height: 5, width: 5 });
    expect(last(r)?.outShape).toEqual({ channels: 4, height: 10, width: 10 });
    // 8 x 4 x 2 x 2 weights and 4 biases; output row i reads input row floor(i / 2).
    expect(r.totalParams).toBe(8 * 4 * 4 + 4);
    expect([...ownRowTables(r.layers[1] as ResolvedNetwork['layers'][number]).need]).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
  });

  test('general ConvTranspose (overlap, gaps, pads, output_padding, dilation, output_shape): 1x1 conv to patches + col2im, against a brute-force scatter', () => {
    // ONNX's definition by brute force: input row j's tap a lands on uncropped output row j*s + a*d; the output ends at
    // the last landing row + 1 + output_padding, minus the pads; a row's inputs are those landing on it.
    const scatter = (inLen: number, k: number, s: number, d: number, lo: number, hi: number, outPad: number) => {
      let last = 0;
      for (let j = 0; j < inLen; j++) for (let a = 0; a < k; a++) last = Math.max(last, j * s + a * d);
      const out = last + 1 + outPad - lo - hi;
      const from: number[][] = Array.from({ length: out }, () => []);
      for (let j = 0; j < inLen; j++) for (let a = 0; a < k; a++) from[j * s + a * d - lo]?.push(j);
      return { out, from };
    };
    const cases = [
      { k: 3, s: 2, d: 1, pads: [1, 1, 1, 1], op: 1 }, // PyTorch's x2 upsampling, kernel 3: 5 -> 10
      { k: 4, s: 2, d: 1, pads: [1, 1, 1, 1], op: 0 }, // DCGAN's kernel 4: 5 -> 10
      { k: 3, s: 1, d: 2, pads: [2, 2, 2, 2], op: 0 }, // dilated, stride 1: 5 -> 5
      { k: 2, s: 3, d: 1, pads: [0, 0, 0, 0], op: 0 }, // gaps between patches: 5 -> 14
    ];
    for (const c of cases) {
      const attrs = [ints('strides', [c.s, c.s]), ints('pads', c.pads), ints('dilations', [c.d, c.d]), ints('output_padding', [c.op, c.op])];
      const net = build([1, 6, 5, 5], (g) => g.node('ConvTranspose', '/up', ['x', g.weight('w', [6, 4, c.k, c.k]), g.weight('b', [4])], attrs));
      const r = resolveNetwork(net);
      const ref = scatter(5, c.k, c.s, c.d, c.pads[0] ?? 0, c.pads[2] ?? 0, c.op);
      expect(kinds(net)).toEqual(['conv', 'col2im', 'activation']);
      expect(last(r)?.outShape).toEqual({ channels: 4, height: ref.out, width: ref.out });
      // Crossbars: the exact weights (6 x 4 x k x k) and MACs (every input pixel's patch: 25 x 6 x 4 x k x k).
      expect(r.totalParams).toBe(6 * 4 * c.k * c.k + 4);
      expect(r.layers[0]?.macs).toBe(25 * 6 * 4 * c.k * c.k);
      const col = r.layers[1] as ResolvedNetwork['layers'][number];
      const { need, low } = ownRowTables(col);
      ref.from.forEach((rows, o) => {
        if (rows.length === 0) return;
        expect([low[o], need[o]]).toEqual([Math.min(...rows), Math.max(...rows)]);
      });
      // One add per patch element on the digital unit.
      expect(analyzeDataflow(r).layers[1]?.digitalOps).toBe(25 * 4 * c.k * c.k);
    }
    // output_shape and SAME padding give the pads: total = 2 x 4 + 2 + 1 - 10 = 1, the odd one at the end (UPPER).
    const shaped = build([1, 6, 5, 5], (g) => g.node('ConvTranspose', '/up', ['x', g.weight('w', [6, 4, 3, 3])], [ints('strides', [2, 2]), ints('output_shape', [10, 10]), str('auto_pad', 'SAME_UPPER')]));
    expect(only(shaped, 'col2im')[0]).toMatchObject({ pad: [0, 0, 1, 1] });
    expect(last(resolveNetwork(shaped))?.outShape).toEqual({ channels: 4, height: 10, width: 10 });
    // 1-D: kernel 5, stride 3 over 7 steps: 3 x 6 + 4 + 1 = 23 rows.
    const oneD = build([1, 2, 7], (g) => g.node('ConvTranspose', '/up', ['x', g.weight('w', [2, 3, 5])], [ints('strides', [3])]));
    expect(last(resolveNetwork(oneD))?.outShape).toEqual({ channels: 3, height: 23, width: 1 });
    expect(() => build([1, 6, 5, 5], (g) => g.node('ConvTranspose', '/up', ['x', g.weight('w', [6, 4, 3, 3])], [ints('strides', [2, 2]), ints('pads', [6, 6, 6, 6])]))).toThrow(/pads/);
  });

  test('MatMul with a constant on a sequence [1, T, F]: a 1x1 conv over T rows, its bias Add folded', () => {
    const net = build([1, 6, 10], (g) => g.node('Add', '/add', [g.node('MatMul', '/mm', ['x', g.weight('w', [10, 7])]), g.weight('b', [7])]));
    const r = resolveNetwork(net);
    expect(net.input).toEqual({ channels: 10, height: 6, width: 1 });
    expect(net.inputLayout).toBe('sequence');
    expect(only(net, 'conv')[0]).toMatchObject({ outChannels: 7, kernel: [1, 1], bias: true });
    expect(r.totalParams).toBe(10 * 7 + 7);
    expect(r.layers[0]?.macs).toBe(6 * 10 * 7);
  });

  test('LSTM (bidirectional) and GRU: gates on crossbars, rows = steps, hand-counted parameters', () => {
    const lstm = build([5, 1, 3], (g) =>
      g.node('LSTM', '/lstm', ['x', g.weight('W', [2, 16, 3]), g.weight('R', [2, 16, 4]), g.weight('B', [2, 32])], [int('hidden_size', 4), str('direction', 'bidirectional')], 3),
    );
    const r = resolveNetwork(lstm);
    // W 2 x 16 x 3 + R 2 x 16 x 4 + B 2 x 32 = 96 + 128 + 64.
    expect(r.totalParams).toBe(288);
    expect(only(lstm, 'conv')[0]?.recurrent).toEqual({ cell: 'lstm', directions: 2 });
    expect(r.layers[0]?.outShape).toEqual({ channels: 8, height: 5, width: 1 });
    // The backward direction starts at the last step: every output step needs the whole sequence.
    expect([...ownRowTables(r.layers[0] as ResolvedNetwork['layers'][number]).need]).toEqual([4, 4, 4, 4, 4]);
    const gru = build([1, 5, 3], (g) => g.node('GRU', '/gru', ['x', g.weight('W', [1, 12, 3]), g.weight('R', [1, 12, 4])], [int('hidden_size', 4), int('layout', 1)]));
    const rg = resolveNetwork(gru);
    expect(rg.totalParams).toBe(12 * 3 + 12 * 4);
    // Forward: step t needs input step t (and its own step t - 1, kept by running steps in order on one replica).
    expect([...ownRowTables(rg.layers[0] as ResolvedNetwork['layers'][number]).need]).toEqual([0, 1, 2, 3, 4]);
  });

  test('quantized graphs: QLinearConv, ConvInteger with DynamicQuantizeLinear, and QDQ weights give 8-bit defaults', () => {
    const qlinear = build([1, 3, 8, 8], (g) => {
      const s = g.constant('/s', floatTensor('', [], [0.1]));
      const z = g.constant('/z', { name: '', dims: [], dataType: INT8, rawData: new Uint8Array([0]) });
      return g.node('QLinearConv', '/qc', ['x', s, z, g.typedWeight('w', [4, 3, 3, 3], INT8, 1), s, z, s, z], [ints('pads', [1, 1, 1, 1])]);
    });
    expect(qlinear.defaultBits).toEqual({ qc: { wbits: 8, abits: 8 } });
    expect(resolveNetwork(qlinear).totalParams).toBe(4 * 3 * 9);
    const dynamic = build([1, 3, 8, 8], (g) => {
      const q = g.node('DynamicQuantizeLinear', '/dq', ['x'], [], 3);
      return g.node('ConvInteger', '/ci', [q, g.typedWeight('w', [4, 3, 1, 1], INT8, 1), '/dq_output_2'], []);
    });
    expect(kinds(dynamic)).toEqual(['activation', 'conv']);
    expect(only(dynamic, 'activation')[0]?.fn).toBe('quantize');
    expect(Object.values(dynamic.defaultBits ?? {})).toEqual([{ wbits: 8, abits: 8 }]);
    const qdq = build([1, 3, 8, 8], (g) => {
      const s = g.constant('/s', floatTensor('', [], [0.1]));
      const w = g.node('DequantizeLinear', '/dqw', [g.typedWeight('w', [4, 3, 1, 1], INT8, 1), s]);
      return g.node('Conv', '/c', ['x', w]);
    });
    expect(Object.values(qdq.defaultBits ?? {})).toEqual([{ wbits: 8, abits: 8 }]);
  });

  test('Resize/Upsample: nearest by scales, linear by sizes, only rows and cols may change', () => {
    const near = build([1, 4, 5, 6], (g) => g.node('Resize', '/r', ['x', '', g.constant('/sc', floatTensor('', [4], [1, 1, 2, 2]))], [str('mode', 'nearest')]));
    expect(resolveNetwork(near).layers[0]?.outShape).toEqual({ channels: 4, height: 10, width: 12 });
    const lin = build([1, 4, 5, 6], (g) => g.node('Resize', '/r', ['x', '', '', g.constant('/sz', int64Tensor('', [4], [1, 4, 15, 9]))], [str('mode', 'linear')]));
    expect(only(lin, 'resize')[0]).toMatchObject({ mode: 'linear', scale: [3, 1.5] });
    expect(resolveNetwork(lin).layers[0]?.outShape).toEqual({ channels: 4, height: 15, width: 9 });
    const up = build([1, 4, 5, 6], (g) => g.node('Upsample', '/u', ['x', g.constant('/sc', floatTensor('', [4], [1, 1, 2, 2]))]), 9);
    expect(resolveNetwork(up).layers[0]?.outShape).toEqual({ channels: 4, height: 10, width: 12 });
    expect(() => build([1, 4, 5, 6], (g) => g.node('Resize', '/r', ['x', '', g.constant('/sc', floatTensor('', [4], [1, 2, 1, 1]))]))).toThrow(/spatial axes only/);
  });

  test('element-wise ops between tensors broadcast; unary functions are activations', () => {
    const net = build([1, 4, 5, 6], (g) => {
      const pooled = g.node('GlobalAveragePool', '/gap', ['x']);
      const scaled = g.node('Add', '/add', ['x', pooled]);
      const rowMask = g.node('ReduceMax', '/rmax', [scaled], [ints('axes', [1])]);
      const m = g.node('Mul', '/mul', [scaled, rowMask]);
      return g.node('Tanh', '/t', [g.node('LeakyRelu', '/lr', [m], [float('alpha', 0.1)])]);
    });
    const r = resolveNetwork(net);
    expect(kinds(net)).toEqual(['pool', 'eltwise', 'reduce', 'eltwise', 'activation', 'activation']);
    // [1,4,1,1] broadcasts per channel; [1,1,5,6] (a max over channels) broadcasts over channels.
    expect(r.layers[2]?.outShape).toEqual({ channels: 1, height: 5, width: 6 });
    expect(r.layers[3]?.outShape).toEqual({ channels: 4, height: 5, width: 6 });
    expect(only(net, 'activation').map((a) => a.fn)).toEqual(['leakyrelu', 'tanh']);
  });

  test('reductions, softmax and norms over a sequence [1, T, F]; the decomposed LayerNorm is one layer', () => {
    const ln = build([1, 6, 10], (g) => g.node('LayerNormalization', '/ln', ['x', g.weight('s', [10]), g.weight('b', [10])], [int('axis', -1)]));
    expect(only(ln, 'norm')[0]).toMatchObject({ fn: 'layer', affine: true });
    expect(resolveNetwork(ln).totalParams).toBe(20);
    const decomposed = build([1, 6, 10], (g) => {
      const mean = g.node('ReduceMean', '/m', ['x'], [ints('axes', [-1])]);
      const d = g.node('Sub', '/sub', ['x', mean]);
      const p = g.node('Pow', '/pow', [d, g.constant('/two', floatTensor('', [], [2]))]);
      const v = g.node('ReduceMean', '/v', [p], [ints('axes', [-1])]);
      const e = g.node('Add', '/eps', [v, g.constant('/e', floatTensor('', [], [1e-5]))]);
      const n = g.node('Div', '/div', [d, g.node('Sqrt', '/sqrt', [e])]);
      return g.node('Add', '/beta', [g.node('Mul', '/gamma', [n, g.weight('gamma', [10])]), g.weight('beta', [10])]);
    });
    expect(kinds(decomposed)).toEqual(['norm']);
    expect(resolveNetwork(decomposed).totalParams).toBe(20);
    const sm = build([1, 6, 10], (g) => g.node('Softmax', '/sm', [g.node('ReduceSum', '/rs', ['x'], [ints('axes', [1]), int('keepdims', 0)])], [int('axis', -1)]), 11);
    const rs = resolveNetwork(sm);
    // A sum over the 6 steps (the rows) leaves one row of 10; the softmax of opset 11 runs along it.
    expect(rs.layers[0]?.layer).toMatchObject({ kind: 'reduce', axes: ['height'] });
    expect(rs.layers[0]?.outShape).toEqual({ channels: 10, height: 1, width: 1 });
    const inorm = build([1, 4, 5, 6], (g) => g.node('InstanceNormalization', '/in', ['x', g.weight('s', [4]), g.weight('b', [4])]));
    expect(resolveNetwork(inorm).totalParams).toBe(8);
    const gnorm = build([1, 4, 5, 6], (g) => g.node('GroupNormalization', '/gn', ['x', g.weight('s', [4]), g.weight('b', [4])], [int('num_groups', 2)]), 21);
    expect(only(gnorm, 'norm')[0]).toMatchObject({ fn: 'group', groups: 2 });
  });

  test('attention: Q.K^T and P.V as matmuls of two activations, heads from the leading dims', () => {
    const net = build([1, 6, 10], (g) => {
      const split = (name: string): string =>
        g.node('Transpose', `/${name}/t`, [g.node('Reshape', `/${name}/r`, [g.node('MatMul', `/${name}`, ['x', g.weight(`w${name}`, [10, 10])]), g.constant(`/${name}/s`, int64Tensor('', [4], [1, 6, 2, 5]))])], [ints('perm', [0, 2, 1, 3])]);
      const q = split('q');
      const kt = g.node('Transpose', '/kt', [split('k')], [ints('perm', [0, 1, 3, 2])]);
      const p = g.node('Softmax', '/p', [g.node('MatMul', '/qk', [q, kt])], [int('axis', -1)]);
      return g.node('MatMul', '/pv', [p, split('v')]);
    });
    const r = resolveNetwork(net);
    const mm = r.layers.filter((l) => l.layer.kind === 'matmul');
    expect(mm.map((l) => l.layer)).toMatchObject([{ heads: 2, transB: true }, { heads: 2, transB: false }]);
    // Scores: 6 rows x 2 heads x 6 keys over 5 features; context: 6 rows x 2 heads x 5 features over 6 keys.
    expect(mm.map((l) => l.macs)).toEqual([6 * 2 * 6 * 5, 6 * 2 * 5 * 6]);
    expect(mm.map((l) => l.outShape)).toEqual([{ channels: 12, height: 6, width: 1 }, { channels: 10, height: 6, width: 1 }]);
    // The token axis stays the rows through the reshapes and transposes: nothing waits for a whole tensor.
    expect(net.layers.some((l) => l.kind === 'reshape' && l.rows === 'all')).toBe(false);
    expect(r.totalParams).toBe(3 * 100);
    // eDRAM reads on the digital unit (rule 5): each of the 6 output rows reads its row of A and all 6 rows of B, so
    // B's elements are read 6 times per image; A's once. MAC arrays (and rewritten crossbars) hold B: once.
    const flow = analyzeDataflow(r, dataflowCosts(presetArch('puma')));
    for (const l of mm) {
      const lf = flow.layers[l.index] as LayerFlow;
      expect([0, 1].map((k) => digitalReadsPerElement(lf, l, k, 6, dataflowCosts(presetArch('puma'))))).toEqual([1, 6]);
      expect(digitalReadsPerElement(lf, l, 1, 6, dataflowCosts(presetArch('xformer')))).toBe(1);
    }
  });

  test('layout ops: Transpose and Squeeze relabel, Split and Slice are free slices, Concat along the rows', () => {
    const net = build([1, 8, 6], (g) => {
      g.node('Split', '/split', ['x', g.constant('/sizes', int64Tensor('', [2], [3, 3]))], [int('axis', 2)], 2);
      const first = '/split_output_0';
      const second = '/split_output_1';
      const t = g.node('Transpose', '/t', [second], [ints('perm', [0, 2, 1])]);
      const back = g.node('Transpose', '/t2', [t], [ints('perm', [0, 2, 1])]);
      const sl = g.node('Slice', '/sl', [first, g.constant('/st', int64Tensor('', [1], [2])), g.constant('/en', int64Tensor('', [1], [8])), g.constant('/ax', int64Tensor('', [1], [1]))]);
      return g.node('Concat', '/cat', [g.node('Slice', '/sl2', [back, g.constant('/st2', int64Tensor('', [1], [0])), g.constant('/en2', int64Tensor('', [1], [6])), g.constant('/ax2', int64Tensor('', [1], [1]))]), sl], [int('axis', 1)]);
    });
    const r = resolveNetwork(net);
    expect(kinds(net).filter((k) => k !== 'slice')).toEqual(['concat']);
    // 8 steps of 6 features: split into 3 + 3 features; steps 2..7 of the first and 0..5 of the second: 12 steps.
    expect(last(r)?.outShape).toEqual({ channels: 3, height: 12, width: 1 });
    expect(last(r)?.layer).toMatchObject({ kind: 'concat', axis: 'height' });
    const sl = r.layers.find((l) => l.layer.name === 'sl');
    expect([...ownRowTables(sl as ResolvedNetwork['layers'][number]).need]).toEqual([2, 3, 4, 5, 6, 7]);
  });

  test('If with a constant condition (a sample-rate input given) is inlined; a data-dependent If is an error', () => {
    const withIf = (values?: Record<string, number[]>) =>
      build(
        [1, 4, 8, 8],
        (g) => {
          const cond = g.node('Equal', '/eq', ['sr', g.constant('/16k', int64Tensor('', [], [16000]))]);
          const wide = { name: '/wide', opType: 'Conv', input: ['x', 'w16'], output: ['y16'], attribute: [] };
          const narrow = { name: '/narrow', opType: 'Conv', input: ['x', 'w8'], output: ['y8'], attribute: [] };
          g.weight('w16', [16, 4, 1, 1]);
          g.weight('w8', [8, 4, 1, 1]);
          return g.node('If', '/if', [cond], [graphAttr('then_branch', [wide], ['y16']), graphAttr('else_branch', [narrow], ['y8'])]);
        },
        17,
        (g) => g.extraInput('sr', [], 7),
        values,
      );
    expect(resolveNetwork(withIf({ sr: [16000] })).totalParams).toBe(16 * 4);
    expect(resolveNetwork(withIf()).totalParams).toBe(8 * 4);
    expect(() =>
      build([1, 4], (g) => {
        const cond = g.node('Greater', '/gt', [g.node('ReduceSum', '/s', ['x'], [int('keepdims', 0)]), g.constant('/z', floatTensor('', [], [0]))]);
        return g.node('If', '/if', [cond], [graphAttr('then_branch', [], ['x']), graphAttr('else_branch', [], ['x'])]);
      }),
    ).toThrow(/'\/if' \(If\) input 0 \(cond\).*computed from the network input/);
  });

  test('a recurrent state input is a zero constant; an unsupported op still names itself', () => {
    const net = build(
      [1, 5, 3],
      (g) => g.node('GRU', '/gru', ['x', g.weight('W', [1, 12, 3]), g.weight('R', [1, 12, 4]), '', '', 'h0'], [int('hidden_size', 4), int('layout', 1)], 2),
      17,
      (g) => g.extraInput('h0', [1, 'batch', 4]),
    );
    expect(resolveNetwork(net).totalParams).toBe(84);
    expect(() => build([1, 4, 8, 8], (g) => g.node('NonZero', '/nz', ['x']))).toThrow(/'\/nz'.*'NonZero' \(not supported\)/);
  });

  test('Loop with a constant trip count is unrolled; a run-time trip count is an error', () => {
    const loop = (trips: string, g: OnnxGraphBuilder): string => {
      g.weight('w', [4, 4, 1, 1]);
      const bodyNodes = [{ name: '/step', opType: 'Conv', input: ['v_in', 'w'], output: ['v_out'], attribute: [] }, { name: '/keep', opType: 'Identity', input: ['c_in'], output: ['c_out'], attribute: [] }];
      const body = graphAttr('body', bodyNodes, ['c_out', 'v_out']);
      (body['g'] as { input: unknown[] }).input = [{ name: 'i' }, { name: 'c_in' }, { name: 'v_in' }];
      return g.node('Loop', '/loop', [trips, '', 'x'], [body]);
    };
    // Three iterations of a 4 -> 4 1x1 conv sharing its weights: three crossbar layers of 16 weights each (each
    // unrolled layer holds its own copy on crossbars, so the shared weights count once per layer).
    const net = build([1, 4, 6, 6], (g) => loop(g.constant('/m', int64Tensor('', [], [3])), g));
    expect(kinds(net)).toEqual(['conv', 'conv', 'conv']);
    expect(resolveNetwork(net).totalParams).toBe(3 * 16);
    expect(() =>
      build([1, 4, 6, 6], (g) => {
        const m = g.node('Cast', '/m', [g.node('ReduceSum', '/rs', ['x'], [int('keepdims', 0)])], [int('to', 7)]);
        return loop(m, g);
      }),
    ).toThrow(/'\/loop' \(Loop\) inputs 0-1 \(M, cond\).*no constant trip count/);
  });
});
