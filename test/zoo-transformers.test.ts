import { networkToJson, parseNetworkJson, resolveNetwork, zooNetwork } from '../workloads';
import { TRANSFORMER_CONFIGS, attentionProductMacs } from '../workloads/zoo/transformer-configs';

// The layer graphs of the zoo's transformers, held against the published totals and the configs' arithmetic.
describe('zoo transformers', () => {
  test.each(TRANSFORMER_CONFIGS.map((c) => [c.name, c] as const))('%s resolves to its published parameter count', (name, config) => {
    const r = resolveNetwork(zooNetwork(name));
    expect(r.totalParams).toBe(config.published.params);
    // Weighted layers: q, k, v, proj, fc1, fc2 per block, plus the patch conv and head (ViT) or the pooler (BERT).
    const extra = config.source.kind === 'patches' ? 2 : config.head === 'pooler' ? 1 : 0;
    expect(r.weightedIndices.length).toBe(6 * config.blocks + extra);
    // Parameters on crossbars exclude the embedding tables / class token / position embeddings.
    const constant = r.network.constantParams ?? 0;
    const weighted = r.weightedIndices.reduce((sum, i) => sum + (r.layers[i]?.params ?? 0), 0);
    const norms = r.layers.filter((l) => l.layer.kind === 'norm').reduce((sum, l) => sum + l.params, 0);
    expect(weighted + norms + constant).toBe(config.published.params);
  });

  test('attention products in the graph: encoder T^2 pairs (ViT on its 196 patch rows), GPT-2 causal T(T+1)/2', () => {
    const macsOf = (name: string): number =>
      resolveNetwork(zooNetwork(name)).layers.filter((l) => l.layer.kind === 'matmul').reduce((sum, l) => sum + l.macs, 0);
    const vit = TRANSFORMER_CONFIGS.find((c) => c.name === 'vit-b16');
    const gpt2 = TRANSFORMER_CONFIGS.find((c) => c.name === 'gpt2');
    const bert = TRANSFORMER_CONFIGS.find((c) => c.name === 'bert-base');
    if (!vit || !gpt2 || !bert) throw new Error('missing config');
    // 196 patch tokens (no class-token row in the graph): 12 x 2 x 12 x 196^2 x 64.
    expect(macsOf('vit-b16')).toBe(attentionProductMacs({ ...vit, tokens: 196 }));
    expect(macsOf('vit-b16')).toBe(12 * 2 * 12 * 196 * 196 * 64);
    expect(macsOf('bert-base')).toBe(attentionProductMacs(bert));
    expect(macsOf('gpt2')).toBe(12 * 2 * 12 * ((128 * 129) / 2) * 64);
  });

  test('the causal flag and constantParams survive the JSON form', () => {
    const net = zooNetwork('gpt2');
    const again = parseNetworkJson(networkToJson(net), 'gpt2.json');
    expect(again.constantParams).toBe(net.constantParams);
    const scores = again.layers.find((l) => l.name === 'blocks.0.attn.scores');
    expect(scores).toMatchObject({ kind: 'matmul', heads: 12, transB: true, causal: true });
    expect(resolveNetwork(again).totalParams).toBe(124_439_808);
  });
});
