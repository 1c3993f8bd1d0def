import { attentionProductMacs, TRANSFORMER_CONFIGS, transformerParams } from '../workloads/zoo/transformer-configs';

// Published totals (timm / Hugging Face model cards, rounded in the papers): ViT-B/16 86.6 M, DeiT-Tiny 5.7 M,
// DeiT-S 22.1 M, BERT-base 110 M (with embeddings), GPT-2 small 124 M.
describe('transformer parameter arithmetic against published totals', () => {
  test.each(TRANSFORMER_CONFIGS.map((c) => [c.name, c] as const))('%s', (_name, config) => {
    expect(transformerParams(config).total).toBe(config.published.params);
  });

  test('ViT-B/16 by hand: patch conv, 12 blocks of 7,087,872, head', () => {
    const vit = TRANSFORMER_CONFIGS.find((c) => c.name === 'vit-b16');
    if (vit === undefined) throw new Error('no vit-b16');
    const p = transformerParams(vit);
    expect(p.patchEmbed).toBe(3 * 16 * 16 * 768 + 768); // 590,592
    expect(p.attentionProjections + p.mlp + p.blockNorms).toBe(7_087_872);
    expect(p.embeddings).toBe(768 + 197 * 768); // class token + 197 position embeddings
    expect(p.head).toBe(768 * 1000 + 1000);
    // Rounded as the paper prints it.
    expect(Math.round(p.total / 1e5) / 10).toBe(86.6);
  });

  test('BERT-base: the embedding tables are 21.8% of the 110 M and are lookups, not MVMs', () => {
    const bert = TRANSFORMER_CONFIGS.find((c) => c.name === 'bert-base');
    if (bert === undefined) throw new Error('no bert-base');
    const p = transformerParams(bert);
    expect(p.embeddings).toBe((30522 + 512 + 2) * 768); // 23,835,648
    expect(p.embeddings / p.total).toBeCloseTo(0.2177, 3);
  });

  test('attention products: ViT-B/16 has 715 M MACs, GPT-2 prefill of 128 tokens the causal half', () => {
    const byName = (name: string) => TRANSFORMER_CONFIGS.find((c) => c.name === name);
    const vit = byName('vit-b16');
    const gpt2 = byName('gpt2');
    if (vit === undefined || gpt2 === undefined) throw new Error('missing config');
    // 12 blocks x 2 products x 12 heads x 197^2 pairs x 64 = 715,327,488.
    expect(attentionProductMacs(vit)).toBe(715_327_488);
    // 12 x 2 x 12 x (128 x 129 / 2) x 64.
    expect(attentionProductMacs(gpt2)).toBe(12 * 2 * 12 * 8256 * 64);
  });
});
