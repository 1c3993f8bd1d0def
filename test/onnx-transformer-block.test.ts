/**
 * A pre-LN transformer block in the form PyTorch's exporter writes it (opset 17: LayerNormalization, MatMul + Add
 * linears, Reshape/Transpose into heads, MatMul for Q.K^T with K transposed, Div by sqrt(d_head), Softmax, MatMul
 * with V, GELU as Div/Erf/Add/Mul/Mul) imports to the layers the zoo builds for the same block.
 */
import { importOnnx, encodeModel } from '../workloads/onnx';
import { resolveNetwork } from '../workloads/shapes';
import type { ResolvedNetwork } from '../workloads/types';
import { transformerNetwork } from '../workloads/zoo/transformers';
import type { TransformerConfig } from '../workloads/zoo/transformer-configs';
import { floatTensor, int, int64Tensor, ints, OnnxGraphBuilder } from './helpers/onnx-builder';

const T = 8;
const D = 32;
const H = 2;
const DH = D / H;
const MLP = 64;

function exportedBlock(): ResolvedNetwork {
  const g = new OnnxGraphBuilder(false);
  g.input('x', [1, T, D]);
  const ln = (name: string, x: string) => g.node('LayerNormalization', `/${name}/LayerNormalization`, [x, g.weight(`${name}.weight`, [D]), g.weight(`${name}.bias`, [D])], [int('axis', -1)]);
  const linear = (name: string, x: string, k: number, n: number) =>
    g.node('Add', `/${name}/Add`, [g.node('MatMul', `/${name}/MatMul`, [x, g.weight(`${name}.weight`, [k, n])]), g.weight(`${name}.bias`, [n])]);
  const heads = (name: string, x: string, perm: number[]) =>
    g.node('Transpose', `/${name}/Transpose`, [g.node('Reshape', `/${name}/Reshape`, [x, g.constant(`/${name}/shape`, int64Tensor('', [4], [1, T, H, DH]))])], [ints('perm', perm)]);
  const n1 = ln('norm1', 'x');
  const q = heads('q', linear('attn.q', n1, D, D), [0, 2, 1, 3]);
  const k = heads('k', linear('attn.k', n1, D, D), [0, 2, 3, 1]); // K^T
  const v = heads('v', linear('attn.v', n1, D, D), [0, 2, 1, 3]);
  const scores = g.node('Div', '/attn/Div', [g.node('MatMul', '/attn/MatMul', [q, k]), g.constant('/attn/sqrt', floatTensor('', [], [Math.sqrt(DH)]))]);
  const probs = g.node('Softmax', '/attn/Softmax', [scores], [int('axis', -1)]);
  const context = g.node('MatMul', '/attn/MatMul_1', [probs, v]);
  const merged = g.node('Reshape', '/attn/Reshape', [g.node('Transpose', '/attn/Transpose', [context], [ints('perm', [0, 2, 1, 3])]), g.constant('/attn/shape', int64Tensor('', [3], [1, T, D]))]);
  const r1 = g.node('Add', '/add1/Add', [linear('attn.proj', merged, D, D), 'x']);
  const h = linear('mlp.fc1', ln('norm2', r1), D, MLP);
  // nn.GELU exported: 0.5 * h * (1 + erf(h / sqrt(2))).
  const erf = g.node('Erf', '/gelu/Erf', [g.node('Div', '/gelu/Div', [h, g.constant('/gelu/sqrt2', floatTensor('', [], [Math.SQRT2]))])]);
  const one = g.node('Add', '/gelu/Add', [erf, g.constant('/gelu/one', floatTensor('', [], [1]))]);
  const gelu = g.node('Mul', '/gelu/Mul_1', [g.node('Mul', '/gelu/Mul', [h, one]), g.constant('/gelu/half', floatTensor('', [], [0.5]))]);
  const r2 = g.node('Add', '/add2/Add', [linear('mlp.fc2', gelu, MLP, D), r1]);
  g.output(ln('norm', r2));
  return resolveNetwork(importOnnx(encodeModel(g.model(17, 'block')), { source: 'block.onnx' }));
}

/** The zoo's builder for one pre-LN encoder block of the same sizes, then its final LayerNorm. */
function zooBlock(): ResolvedNetwork {
  const config: TransformerConfig = {
    name: 'block', description: '', attention: 'encoder', blocks: 1, dModel: D, heads: H, dMlp: MLP, tokens: T,
    source: { kind: 'embeddings', vocab: 0, maxPositions: 0, tokenTypes: 0 }, head: 'none', published: { params: 0, source: '' },
  };
  return resolveNetwork(transformerNetwork(config));
}

const summary = (net: ResolvedNetwork) => ({
  params: net.totalParams,
  weighted: net.weightedIndices.map((i) => {
    const l = net.layers[i];
    return { params: l?.params, macs: l?.macs, out: l?.outShape };
  }),
  products: net.layers.filter((l) => l.layer.kind === 'matmul').map((l) => ({ layer: l.layer, macs: l.macs, out: l.outShape })),
  norms: net.layers.filter((l) => l.layer.kind === 'norm').map((l) => l.params),
  softmax: net.layers.filter((l) => l.layer.kind === 'softmax').map((l) => l.outShape),
});

describe('a transformer block exported by PyTorch imports to the zoo block', () => {
  test('same weighted layers, attention products, norms and softmax', () => {
    const imported = summary(exportedBlock());
    const zoo = summary(zooBlock());
    // By hand: 4 x (32 x 32 + 32) + (32 x 64 + 64) + (64 x 32 + 32) + 3 LayerNorms x 64 = 8,672.
    expect(zoo.params).toBe(4 * (D * D + D) + (D * MLP + MLP) + (MLP * D + D) + 3 * 2 * D);
    expect(imported.params).toBe(zoo.params);
    expect(imported.weighted).toEqual(zoo.weighted);
    expect(imported.norms).toEqual(zoo.norms);
    expect(imported.softmax).toEqual(zoo.softmax);
    // Q.K^T with K transposed and A.V, 2 heads, T x T x d_head MACs each per head: 2 x 8 x 8 x 16 = 2,048.
    expect(imported.products.map((p) => [p.layer.kind === 'matmul' && p.layer.heads, p.layer.kind === 'matmul' && p.layer.transB, p.macs, p.out])).toEqual(
      zoo.products.map((p) => [p.layer.kind === 'matmul' && p.layer.heads, p.layer.kind === 'matmul' && p.layer.transB, p.macs, p.out]),
    );
    expect(zoo.products.map((p) => p.macs)).toEqual([H * T * T * DH, H * T * T * DH]);
  });
});
