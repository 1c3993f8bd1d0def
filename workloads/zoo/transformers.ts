/**
 * Transformer layer graphs from their configurations (transformer-configs.ts), in the IR's sequence form: a
 * sequence of T tokens of F features is F x T x 1 (a token is a row, docs/hardware-model.md rule 8), a linear
 * layer on it is a 1x1 convolution (one MVM per token), and attention is two products of activations per block
 * (`matmul`: Q.K^T with transB, then A.V) around a softmax over each row's keys.
 *
 * Not in the graph, and why:
 * - Embedding tables (BERT, GPT-2), the class token and the position embeddings (ViT): lookups and constants, not
 *   MVMs; their parameters are `constantParams`. A text network's input is its token embeddings (d x T x 1).
 * - ViT's class token row: the IR has no constant rows, so the graph carries the 196 patch tokens and the
 *   classifier reads their mean (as global-pool ViTs do) instead of the class token: attention runs over 196 keys
 *   instead of 197 (1.0% fewer attention MACs) and the head reads every token rather than one row.
 * - BERT's pooler reads the tokens' mean rather than token 0 (no row slice in the IR), at the same parameters.
 * - GPT-2's language-model head is tied to the token embeddings; prefill's result is the last block's output.
 */
import type { Layer, Network } from '../types';
import { NETWORK_INPUT } from '../types';
import { TRANSFORMER_CONFIGS, transformerParams, type TransformerConfig } from './transformer-configs';

class Graph {
  readonly layers: Layer[] = [];
  private last: string = NETWORK_INPUT;

  private add(layer: Layer): string {
    this.layers.push(layer);
    this.last = layer.name;
    return layer.name;
  }

  get current(): string {
    return this.last;
  }

  /** A linear layer (weights + bias) applied to every token: a 1x1 convolution over the F x T x 1 sequence. */
  linear(name: string, from: string, out: number): string {
    return this.add({
      kind: 'conv', name, inputs: [from], outChannels: out, kernel: [1, 1], stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1, bias: true,
    });
  }

  layerNorm(name: string, from: string): string {
    return this.add({ kind: 'norm', name, inputs: [from], fn: 'layer', groups: 1, affine: true });
  }

  add2(name: string, a: string, b: string): string {
    return this.add({ kind: 'eltwise', name, inputs: [a, b], op: 'add' });
  }

  activation(name: string, from: string, fn: 'gelu' | 'scale' | 'tanh'): string {
    return this.add({ kind: 'activation', name, inputs: [from], fn });
  }

  /** Multi-head self-attention on `x` (already normalised for pre-LN blocks); returns the output projection. */
  attention(prefix: string, x: string, c: TransformerConfig): string {
    const causal = c.attention === 'decoder';
    const q = this.linear(`${prefix}.q`, x, c.dModel);
    const k = this.linear(`${prefix}.k`, x, c.dModel);
    const v = this.linear(`${prefix}.v`, x, c.dModel);
    const scores: Layer = { kind: 'matmul', name: `${prefix}.scores`, inputs: [q, k], heads: c.heads, transB: true };
    if (causal) scores.causal = true;
    this.add(scores);
    this.activation(`${prefix}.scale`, scores.name, 'scale'); // 1 / sqrt(d_head)
    const probs = this.add({ kind: 'softmax', name: `${prefix}.softmax`, inputs: [this.last], axis: 'channels', log: false });
    const context: Layer = { kind: 'matmul', name: `${prefix}.context`, inputs: [probs, v], heads: c.heads, transB: false };
    if (causal) context.causal = true;
    this.add(context);
    return this.linear(`${prefix}.proj`, context.name, c.dModel);
  }

  mlp(prefix: string, x: string, c: TransformerConfig): string {
    const fc1 = this.linear(`${prefix}.fc1`, x, c.dMlp);
    const gelu = this.activation(`${prefix}.gelu`, fc1, 'gelu');
    return this.linear(`${prefix}.fc2`, gelu, c.dModel);
  }

  /** Pre-LN block (ViT, DeiT, GPT-2): x + attn(LN(x)), then + mlp(LN(.)). */
  preLnBlock(i: number, x: string, c: TransformerConfig): string {
    const p = `blocks.${i}`;
    const attn = this.attention(`${p}.attn`, this.layerNorm(`${p}.norm1`, x), c);
    const mid = this.add2(`${p}.add1`, attn, x);
    const mlp = this.mlp(`${p}.mlp`, this.layerNorm(`${p}.norm2`, mid), c);
    return this.add2(`${p}.add2`, mlp, mid);
  }

  /** Post-LN block (BERT): LN(x + attn(x)), then LN(. + mlp(.)). */
  postLnBlock(i: number, x: string, c: TransformerConfig): string {
    const p = `blocks.${i}`;
    const attn = this.attention(`${p}.attn`, x, c);
    const mid = this.layerNorm(`${p}.norm1`, this.add2(`${p}.add1`, attn, x));
    const mlp = this.mlp(`${p}.mlp`, mid, c);
    return this.layerNorm(`${p}.norm2`, this.add2(`${p}.add2`, mlp, mid));
  }

  /** Mean over the tokens: F x T x 1 -> F x 1 x 1. */
  tokenMean(name: string, from: string): string {
    return this.add({ kind: 'reduce', name, inputs: [from], op: 'mean', axes: ['height'], groups: 1 });
  }

  fc(name: string, from: string, out: number): string {
    return this.add({ kind: 'fc', name, inputs: [from], outFeatures: out, bias: true });
  }

  reshape(name: string, from: string, channels: number, rows: number): string {
    return this.add({ kind: 'reshape', name, inputs: [from], shape: { channels, height: rows, width: 1 }, rows: 'ordered' });
  }

  conv(name: string, from: string, out: number, kernel: number, stride: number): string {
    return this.add({
      kind: 'conv', name, inputs: [from], outChannels: out, kernel: [kernel, kernel], stride: [stride, stride], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1, bias: true,
    });
  }
}

/** The layer graph of a zoo transformer. */
export function transformerNetwork(c: TransformerConfig): Network {
  const g = new Graph();
  const params = transformerParams(c);
  let network: Network;
  if (c.source.kind === 'patches') {
    const s = c.source;
    const side = s.imageSize / s.patch;
    // Patch embedding: a patch x patch convolution with stride patch; its side x side outputs become tokens.
    const patches = g.conv('patch_embed', NETWORK_INPUT, c.dModel, s.patch, s.patch);
    let x = g.reshape('tokens', patches, c.dModel, side * side);
    for (let i = 0; i < c.blocks; i++) x = g.preLnBlock(i, x, c);
    g.layerNorm('norm', x);
    g.tokenMean('pool', g.current);
    g.fc('head', g.current, s.classes);
    network = { name: c.name, input: { channels: s.channels, height: s.imageSize, width: s.imageSize }, layers: g.layers };
  } else {
    let x: string = NETWORK_INPUT;
    if (c.head === 'pooler') {
      // BERT: LayerNorm after the embedding sum, post-LN blocks, pooler (dense + tanh).
      x = g.layerNorm('embeddings.norm', x);
      for (let i = 0; i < c.blocks; i++) x = g.postLnBlock(i, x, c);
      g.tokenMean('pool', x);
      g.fc('pooler.dense', g.current, c.dModel);
      g.activation('pooler.tanh', g.current, 'tanh');
    } else {
      // GPT-2: pre-LN causal blocks, final LayerNorm.
      for (let i = 0; i < c.blocks; i++) x = g.preLnBlock(i, x, c);
      g.layerNorm('ln_f', x);
    }
    network = { name: c.name, input: { channels: c.dModel, height: c.tokens, width: 1 }, inputLayout: 'sequence', layers: g.layers };
  }
  network.constantParams = params.embeddings;
  return network;
}

function configNamed(name: string): TransformerConfig {
  const c = TRANSFORMER_CONFIGS.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no transformer configuration '${name}'`);
  return c;
}

export const vitB16 = (): Network => transformerNetwork(configNamed('vit-b16'));
export const deitTiny = (): Network => transformerNetwork(configNamed('deit-tiny'));
export const deitS = (): Network => transformerNetwork(configNamed('deit-s'));
export const bertBase = (): Network => transformerNetwork(configNamed('bert-base'));
export const gpt2 = (): Network => transformerNetwork(configNamed('gpt2'));

export const descriptions: Readonly<Record<string, string>> = Object.fromEntries(TRANSFORMER_CONFIGS.map((c) => [c.name, c.description]));
