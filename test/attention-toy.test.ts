/**
 * The attention dependency worked by hand on a toy: 4 tokens of 4 features, 2 heads of 2, encoder and decoder
 * (docs/hardware-model.md rule 8). Row needs, MACs, the MAC-array stage term and energy by hand; the order of
 * rows in the simulator's trace shows the dependency played out.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ownRowTables } from '../arch/dataflow';
import { applySetOverride } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { simulate } from '../sim';
import { resolveNetwork } from '../workloads/shapes';
import type { Layer, Network, ResolvedNetwork } from '../workloads/types';
import { uniformChoices } from './helpers/model-fixtures';

const linear = (name: string, inputs: string[]): Layer => ({
  kind: 'conv', name, inputs, outChannels: 4, kernel: [1, 1], stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1, bias: true,
});

function toy(causal: boolean): Network {
  const scores: Layer = { kind: 'matmul', name: 'scores', inputs: ['q', 'k'], heads: 2, transB: true };
  const context: Layer = { kind: 'matmul', name: 'context', inputs: ['softmax', 'v'], heads: 2, transB: false };
  if (causal) (scores.causal = true), (context.causal = true);
  return {
    name: causal ? 'toy-decoder' : 'toy-encoder',
    input: { channels: 4, height: 4, width: 1 },
    inputLayout: 'sequence',
    layers: [
      linear('q', ['input']),
      linear('k', ['input']),
      linear('v', ['input']),
      scores,
      { kind: 'softmax', name: 'softmax', inputs: ['scores'], axis: 'channels', log: false },
      context,
      linear('proj', ['context']),
    ],
  };
}

const layer = (net: ResolvedNetwork, name: string) => {
  const found = net.layers.find((l) => l.layer.name === name);
  if (found === undefined) throw new Error(name);
  return found;
};

// xformer with an 8-MAC array so the products' cycles are easy to count.
const arch = applySetOverride(presetArch('xformer'), 'attention.macArray.macsPerCycle=8');

describe('attention on a toy of 4 tokens and 2 heads', () => {
  test('row needs: an encoder row needs every key and value, a decoder row the ones up to it', () => {
    const enc = resolveNetwork(toy(false));
    const dec = resolveNetwork(toy(true));
    for (const name of ['scores', 'context']) {
      // Input 0 (Q, or the softmax rows): row i needs row i.
      expect([...ownRowTables(layer(enc, name), 0).need]).toEqual([0, 1, 2, 3]);
      // Input 1 (K, or V): encoder rows 0..3 for every row; decoder rows 0..i.
      expect([...ownRowTables(layer(enc, name), 1).need]).toEqual([3, 3, 3, 3]);
      expect([...ownRowTables(layer(enc, name), 1).low]).toEqual([0, 0, 0, 0]);
      expect([...ownRowTables(layer(dec, name), 1).need]).toEqual([0, 1, 2, 3]);
      expect([...ownRowTables(layer(dec, name), 1).low]).toEqual([0, 0, 0, 0]);
    }
    // Scores out: 2 heads x 4 keys per token; context out: 2 heads x 2 features.
    expect(layer(enc, 'scores').outShape).toEqual({ channels: 8, height: 4, width: 1 });
    expect(layer(enc, 'context').outShape).toEqual({ channels: 4, height: 4, width: 1 });
    // MACs: encoder 4 queries x 2 heads x 4 keys x 2 features = 64; decoder (1 + 2 + 3 + 4) x 2 x 2 = 40.
    expect(layer(enc, 'scores').macs).toBe(64);
    expect(layer(enc, 'context').macs).toBe(64);
    expect(layer(dec, 'scores').macs).toBe(40);
    expect(layer(dec, 'context').macs).toBe(40);
  });

  test('model: both products share their tile MAC array; cycles and energy by hand', () => {
    for (const [causal, macs] of [[false, 64], [true, 40]] as const) {
      const net = resolveNetwork(toy(causal));
      const result = evaluateModel(prepareModel(arch, net), uniformChoices(net));
      const scores = result.layers[layer(net, 'scores').index];
      const context = result.layers[layer(net, 'context').index];
      expect(result.placement.layerTiles[layer(net, 'scores').index]).toEqual(result.placement.layerTiles[layer(net, 'context').index]);
      // One array of 8 MACs/cycle, 8-bit operands (one pass): (64 + 64) / 8 = 16 cycles, decoder (40 + 40) / 8 = 10.
      expect(scores?.attentionCycles).toBe((2 * macs) / 8);
      expect(context?.attentionCycles).toBe((2 * macs) / 8);
      // No products left on the digital unit; energy 2 x MACs x 0.16356 pJ.
      expect(result.energyBreakdownPj.attention).toBeCloseTo(2 * macs * arch.attention.macArray.energyPjPerMac, 9);
    }
  });

  test('simulator: an encoder row waits for the last key, a decoder row only for its own', async () => {
    const rowsOf = async (causal: boolean) => {
      const net = resolveNetwork(toy(causal));
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-toy-')), 'trace.csv');
      await simulate(arch, net, uniformChoices(net), { images: 1, traceFile: file });
      const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      // Columns: kind, layer, replica, image, row, start_cycle, end_cycle, ...
      const at = (name: string, row: number) => {
        const found = lines.find((c) => c[1] === name && Number(c[4]) === row);
        if (found === undefined) throw new Error(`${name} row ${row} not traced`);
        return { start: Number(found[5]), end: Number(found[6]) };
      };
      return at;
    };
    const enc = await rowsOf(false);
    // Encoder: scores row 0 starts only after key row 3 is computed; context row 0 after value row 3.
    expect(enc('scores', 0).start).toBeGreaterThan(enc('k', 3).end);
    expect(enc('context', 0).start).toBeGreaterThan(enc('v', 3).end);
    const dec = await rowsOf(true);
    // Decoder: scores row 0 needs key row 0 only: it starts before key row 3 is done; row 3 after it.
    expect(dec('scores', 0).start).toBeLessThan(dec('k', 3).end);
    expect(dec('scores', 3).start).toBeGreaterThan(dec('k', 3).end);
    expect(dec('context', 0).start).toBeLessThan(dec('v', 3).end);
  });

  test('model and simulator agree on the toys within 5% uncontended', async () => {
    const ample = applySetOverride(applySetOverride(arch, 'noc.linkFlitsPerCycle=10000'), 'tile.edram.accessesPerCycle=10000');
    for (const causal of [false, true]) {
      const net = resolveNetwork(toy(causal));
      const choices = uniformChoices(net);
      const model = evaluateModel(prepareModel(ample, net), choices);
      const sim = await simulate(ample, net, choices, { images: 8 });
      expect(Math.abs(model.latencyCycles / sim.latencyCycles - 1)).toBeLessThan(0.05);
      expect(Math.abs(model.bottleneckCycles / sim.intervalCycles - 1)).toBeLessThan(0.05);
    }
  });
});
