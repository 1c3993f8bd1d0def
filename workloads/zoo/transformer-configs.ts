/**
 * The transformers of the zoo as configurations, with their parameter arithmetic. The layer graphs are built from
 * these (workloads/zoo/transformers.ts); the arithmetic is written out here so a test can hold both against the
 * published totals independently.
 */

/** Where a transformer's tokens come from. */
export type TokenSource =
  /** Non-overlapping square patches of an image, embedded by a conv, behind a class token (ViT, DeiT). */
  | { kind: 'patches'; imageSize: number; patch: number; channels: number; classes: number }
  /** Token ids looked up in embedding tables (lookups, not MVMs: they occupy no crossbars). */
  | { kind: 'embeddings'; vocab: number; maxPositions: number; tokenTypes: number };

export interface TransformerConfig {
  name: string;
  description: string;
  /** Encoder: every token attends to every token. Decoder: token t attends to tokens 0..t (causal). */
  attention: 'encoder' | 'decoder';
  blocks: number;
  dModel: number;
  heads: number;
  dMlp: number;
  /** Tokens per sequence (ViT: patches + class token; text: the stated sequence length). */
  tokens: number;
  source: TokenSource;
  /** Classifier after the last block (ViT, DeiT: 1000 ImageNet classes); BERT: the pooler; GPT-2: none. */
  head: 'classifier' | 'pooler' | 'none';
  /** Published parameter total and where it comes from. */
  published: { params: number; source: string };
}

const vit = (name: string, description: string, dModel: number, heads: number, published: TransformerConfig['published']): TransformerConfig => ({
  name,
  description,
  attention: 'encoder',
  blocks: 12,
  dModel,
  heads,
  dMlp: 4 * dModel,
  tokens: (224 / 16) ** 2 + 1,
  source: { kind: 'patches', imageSize: 224, patch: 16, channels: 3, classes: 1000 },
  head: 'classifier',
  published,
});

export const TRANSFORMER_CONFIGS: readonly TransformerConfig[] = [
  vit('vit-b16', 'ViT-B/16 (Dosovitskiy et al., ICLR 2021), 224x224, 197 tokens (196 patch rows in the graph)', 768, 12, {
    params: 86_567_656,
    source: 'timm vit_base_patch16_224 (86.6 M in the paper)',
  }),
  vit('deit-tiny', 'DeiT-Tiny (Touvron et al., ICML 2021), 224x224, 197 tokens (196 patch rows in the graph)', 192, 3, {
    params: 5_717_416,
    source: 'timm deit_tiny_patch16_224 (5.7 M in the paper, Table 1)',
  }),
  vit('deit-s', 'DeiT-S (Touvron et al., ICML 2021), 224x224, 197 tokens (196 patch rows in the graph)', 384, 6, {
    params: 22_050_664,
    source: 'timm deit_small_patch16_224 (22 M in the paper, Table 1)',
  }),
  {
    name: 'bert-base',
    description: 'BERT-base (Devlin et al., NAACL 2019) encoder, sequence length 128',
    attention: 'encoder',
    blocks: 12,
    dModel: 768,
    heads: 12,
    dMlp: 3072,
    tokens: 128,
    source: { kind: 'embeddings', vocab: 30522, maxPositions: 512, tokenTypes: 2 },
    head: 'pooler',
    published: { params: 109_482_240, source: 'Hugging Face bert-base-uncased BertModel (110 M in the paper)' },
  },
  {
    name: 'gpt2',
    description: 'GPT-2 small (Radford et al., 2019) decoder, prefill of 128 tokens',
    attention: 'decoder',
    blocks: 12,
    dModel: 768,
    heads: 12,
    dMlp: 3072,
    tokens: 128,
    source: { kind: 'embeddings', vocab: 50257, maxPositions: 1024, tokenTypes: 0 },
    // The language-model head is tied to the token embedding table: no parameters of its own, and prefill's
    // answer is the last block's output (the next-token logits are one more MVM per generated token).
    head: 'none',
    published: { params: 124_439_808, source: 'Hugging Face gpt2 GPT2Model (124 M; the LM head is tied to wte)' },
  },
];

/** Parameters by part: the weighted ones (on crossbars) and the ones in lookups, norms and learned tokens. */
export interface TransformerParams {
  /** Embedding tables (text) or class token + position embeddings (ViT): no MVMs. */
  embeddings: number;
  /** Patch-embedding conv (ViT): weighted. */
  patchEmbed: number;
  /** Per block: Q/K/V and output projections (weights + biases). */
  attentionProjections: number;
  /** Per block: the two MLP layers (weights + biases). */
  mlp: number;
  /** Per block: two LayerNorms (scale + shift). */
  blockNorms: number;
  /** Final LayerNorm (ViT, GPT-2) or the embedding LayerNorm (BERT). */
  otherNorms: number;
  /** Classifier (ViT) or pooler (BERT). */
  head: number;
  total: number;
}

/** Parameter arithmetic of a configuration (every linear layer has a bias, as in timm and Hugging Face). */
export function transformerParams(c: TransformerConfig): TransformerParams {
  const d = c.dModel;
  const linear = (inputs: number, outputs: number): number => inputs * outputs + outputs;
  const attentionProjections = linear(d, 3 * d) + linear(d, d);
  const mlp = linear(d, c.dMlp) + linear(c.dMlp, d);
  const blockNorms = 2 * 2 * d;
  let embeddings: number;
  let patchEmbed = 0;
  let otherNorms: number;
  let head = 0;
  if (c.source.kind === 'patches') {
    const s = c.source;
    patchEmbed = s.channels * s.patch * s.patch * d + d;
    embeddings = d + c.tokens * d; // class token + one position embedding per token
    otherNorms = 2 * d; // final LayerNorm
    head = linear(d, s.classes);
  } else {
    const s = c.source;
    embeddings = (s.vocab + s.maxPositions + s.tokenTypes) * d;
    otherNorms = 2 * d; // BERT: LayerNorm after the embeddings; GPT-2: ln_f
    if (c.head === 'pooler') head = linear(d, d);
  }
  const total = embeddings + patchEmbed + c.blocks * (attentionProjections + mlp + blockNorms) + otherNorms + head;
  return { embeddings, patchEmbed, attentionProjections, mlp, blockNorms, otherNorms, head, total };
}

/** Multiply-accumulates of one sequence's attention products (Q.K^T and A.V, all heads, all blocks). */
export function attentionProductMacs(c: TransformerConfig): number {
  const dHead = c.dModel / c.heads;
  // Keys per query: T in an encoder; t + 1 for query t in a decoder, T(T + 1)/2 over the sequence.
  const pairs = c.attention === 'encoder' ? c.tokens * c.tokens : (c.tokens * (c.tokens + 1)) / 2;
  return c.blocks * 2 * c.heads * pairs * dHead;
}
