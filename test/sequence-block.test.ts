/**
 * Sequence blocking (docs/hardware-model.md rule 8; workloads/sequence-block.ts): B tokens per pipeline row. Shapes,
 * row needs at block granularity (encoder and decoder), MACs unchanged, model against simulator, errors, and the
 * setting from the CLI.
 */
import { ownRowTables } from '../arch/dataflow';
import { productDims } from '../arch/attention';
import { applySetOverride } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { ValidationError } from '../errors';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { simulate } from '../sim';
import { resolveNetwork } from '../workloads/shapes';
import type { Layer, Network, ResolvedNetwork } from '../workloads/types';
import { zooNetwork } from '../workloads/zoo';
import { uniformChoices } from './helpers/model-fixtures';
import { runCli } from './helpers/run-cli';

const linear = (name: string, inputs: string[]): Layer => ({
  kind: 'conv', name, inputs, outChannels: 4, kernel: [1, 1], stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1, bias: true,
});

/** 8 tokens of 4 features, 2 heads of 2; `block` tokens per row. */
function toy(causal: boolean, block: number): Network {
  const scores: Layer = { kind: 'matmul', name: 'scores', inputs: ['q', 'k'], heads: 2, transB: true };
  const context: Layer = { kind: 'matmul', name: 'context', inputs: ['softmax', 'v'], heads: 2, transB: false };
  if (causal) (scores.causal = true), (context.causal = true);
  return {
    name: causal ? 'toy-decoder' : 'toy-encoder',
    input: { channels: 4, height: 8, width: 1 },
    inputLayout: 'sequence',
    sequenceBlock: block,
    layers: [
      linear('q', ['input']),
      linear('k', ['input']),
      linear('v', ['input']),
      scores,
      { kind: 'softmax', name: 'softmax', inputs: ['scores'], axis: 'channels', log: false },
      context,
      { kind: 'norm', name: 'norm', inputs: ['context'], fn: 'layer', groups: 1, affine: true },
      linear('proj', ['norm']),
    ],
  };
}

const layer = (net: ResolvedNetwork, name: string) => {
  const found = net.layers.find((l) => l.layer.name === name);
  if (found === undefined) throw new Error(name);
  return found;
};

describe('sequence blocking: B tokens per pipeline row', () => {
  test('shapes: F x T/B x B for every token tensor; MACs and MVMs per image unchanged', () => {
    for (const causal of [false, true]) {
      const one = resolveNetwork(toy(causal, 1));
      const four = resolveNetwork(toy(causal, 4));
      expect(four.network.input).toEqual({ channels: 4, height: 2, width: 4 });
      expect(layer(four, 'q').outShape).toEqual({ channels: 4, height: 2, width: 4 });
      expect(layer(four, 'scores').outShape).toEqual({ channels: 16, height: 2, width: 4 });
      for (const l of one.layers) expect(layer(four, l.layer.name).macs).toBe(l.macs);
      // Keys of Q.K^T and values of A.V: all 8 tokens, in 2 rows of 4.
      expect(productDims(layer(four, 'scores'))).toMatchObject({ heads: 2, k: 2, n: 8, rows: 2, cols: 4, bRows: 8 });
      expect(productDims(layer(four, 'context'))).toMatchObject({ heads: 2, k: 8, n: 2, rows: 2, cols: 4, bRows: 8 });
    }
  });

  test('row needs at block granularity: an encoder block waits for every key block, a decoder block b for blocks 0..b', () => {
    const enc = resolveNetwork(toy(false, 2));
    const dec = resolveNetwork(toy(true, 2));
    for (const name of ['scores', 'context']) {
      expect([...ownRowTables(layer(enc, name), 0).need]).toEqual([0, 1, 2, 3]);
      expect([...ownRowTables(layer(enc, name), 1).need]).toEqual([3, 3, 3, 3]);
      expect([...ownRowTables(layer(dec, name), 1).need]).toEqual([0, 1, 2, 3]);
    }
  });

  test('resolving a blocked network\'s own description again gives the same shapes (optimize\'s workers do)', () => {
    for (const net of [resolveNetwork(toy(true, 4)), resolveNetwork({ ...zooNetwork('deit-tiny'), sequenceBlock: 14 })]) {
      const again = resolveNetwork(net.network);
      expect(again.network.input).toEqual(net.network.input);
      expect(again.layers.map((l) => [l.inShapes, l.outShape, l.macs])).toEqual(net.layers.map((l) => [l.inShapes, l.outShape, l.macs]));
    }
  });

  test('ViT: the patch tokens are blocked after the reshape; the patch embedding keeps its image', () => {
    const vit = resolveNetwork({ ...zooNetwork('deit-tiny'), sequenceBlock: 14 });
    expect(layer(vit, 'patch_embed').outShape).toEqual({ channels: 192, height: 14, width: 14 });
    expect(layer(vit, 'tokens').outShape).toEqual({ channels: 192, height: 14, width: 14 });
    expect(layer(vit, 'blocks.0.attn.scores').outShape).toEqual({ channels: 3 * 196, height: 14, width: 14 });
    expect(layer(vit, 'pool').outShape).toEqual({ channels: 192, height: 1, width: 1 });
  });

  test('model and simulator agree on the blocked toys within 5% uncontended; blocking changes the timing', async () => {
    const arch = applySetOverride(applySetOverride(applySetOverride(presetArch('xformer'), 'attention.macArray.macsPerCycle=8'), 'noc.linkFlitsPerCycle=10000'), 'tile.edram.accessesPerCycle=10000');
    for (const causal of [false, true]) {
      const latencies: number[] = [];
      for (const block of [1, 2, 4]) {
        const net = resolveNetwork(toy(causal, block));
        const choices = uniformChoices(net);
        const model = evaluateModel(prepareModel(arch, net), choices);
        const sim = await simulate(arch, net, choices, { images: 8 });
        expect(Math.abs(model.latencyCycles / sim.latencyCycles - 1)).toBeLessThan(0.05);
        expect(Math.abs(model.bottleneckCycles / sim.intervalCycles - 1)).toBeLessThan(0.05);
        latencies.push(model.latencyCycles);
      }
      expect(new Set(latencies).size).toBeGreaterThan(1);
    }
  }, 60000);

  test('errors: a block that does not divide the tokens, a network without tokens, a convolution over the tokens', () => {
    expect(() => resolveNetwork(toy(false, 3))).toThrow(ValidationError);
    expect(() => resolveNetwork(toy(false, 3))).toThrow(/a divisor of 8: 1, 2, 4, 8/);
    expect(() => resolveNetwork({ ...zooNetwork('resnet20'), sequenceBlock: 2 })).toThrow(/no token stream/);
    const conv1d = toy(false, 2);
    conv1d.layers.push({ kind: 'conv', name: 'temporal', inputs: ['proj'], outChannels: 4, kernel: [3, 1], stride: [1, 1], pad: [1, 0, 1, 0], dilation: [1, 1], groups: 1, bias: false });
    expect(() => resolveNetwork(conv1d)).toThrow(/'temporal' \(conv\) reads the token stream/);
  });

  test('CLI: --seq-block on analyze; a bad value is one clear line and exit code 2', () => {
    const ok = runCli(['analyze', '-n', 'gpt2', '--seq-block', '16', '-f', 'json']);
    expect(ok.status).toBe(0);
    const bad = runCli(['analyze', '-n', 'gpt2', '--seq-block', '5']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/does not divide the 128 tokens of 'gpt2'.*1, 2, 4, 8, 16, 32, 64, 128/);
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/);
  }, 60000);
});
