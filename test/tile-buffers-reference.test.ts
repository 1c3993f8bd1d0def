/**
 * Placement's speed-first line-buffer accounting (arch/tile-buffers.ts TileBuffers: per-tensor lists of reader tile
 * ranges, running sums, a reused measurement) against its plain reference (arch/tile-buffers-reference.ts: per
 * tile, tensor -> widest window) on the zoo: both get the same seeded sequence of fits / worstAfter / commit /
 * borrow calls (readers in network order over tile ranges near a moving frontier, each plan's paced windows) and
 * must answer alike, then hold the same bits on every tile.
 */
import seedrandom from 'seedrandom';
import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import type { ArchSpec } from '../arch/types';
import { planPace } from '../arch/pace';
import { newPlacementScratch, TileBuffers } from '../arch/tile-buffers';
import { ReferenceTileBuffers } from '../arch/tile-buffers-reference';
import { analyzeDataflow, dataflowCosts } from '../arch/dataflow';
import { mapLayer } from '../arch/mapping';
import type { PlanChoices } from '../arch/plan';
import type { ResolvedNetwork } from '../workloads/types';
import { mixedReplicatedChoices, zoo } from './helpers/model-fixtures';
import { parseNetworkJson } from '../workloads/json';
import { resolveNetwork } from '../workloads/shapes';

function drive(arch: ArchSpec, net: ResolvedNetwork, choices: PlanChoices, seed: string): { calls: number; refused: number } {
  const name = net.network.name;
  const flow = analyzeDataflow(net, dataflowCosts(arch));
  const mappings = net.weightedIndices.map((layer, pos) => mapLayer(arch, net.layers[layer]!, choices.wbits[pos] ?? 8, choices.abits[pos] ?? 8));
  const scratch = newPlacementScratch(net, flow);
  const pace = planPace(arch, net, flow, mappings, choices.replicas, scratch, choices.productBits);
  const capacityBits = arch.tile.edram.capacityKb * 8192;
  const fast = new TileBuffers(capacityBits, scratch, pace.operandBits, pace.windowRows);
  const ref = new ReferenceTileBuffers(capacityBits, net, flow, pace.operandBits, pace.windowRows);
  const random = seedrandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  let frontier = 0;
  let calls = 0;
  let refused = 0;
  for (const l of flow.layers) {
    if (l.role !== 'weighted' && l.role !== 'digital') continue;
    // Readers mostly join the frontier tile or the next ones, sometimes an earlier tile (digital layers on their anchor's).
    const first = random() < 0.2 ? pick(frontier + 1) : frontier + pick(2);
    const last = first + (l.role === 'weighted' ? pick(4) : 0);
    const fits = fast.fits(l.index, first, last);
    const worst = fast.worstAfter(l.index, first, last);
    const refFits = ref.fits(l.index, first, last);
    const refWorst = ref.worstAfter(l.index, first, last);
    if (fits !== refFits || worst !== refWorst) expect([name, l.index, fits, worst]).toEqual([name, l.index, refFits, refWorst]);
    calls += 2;
    if (!fits) refused++;
    if (!fits && fast.isFresh(last + 1) && ref.isFresh(last + 1) && random() < 0.5) {
      // Too big for the tiles tried: like placement's spill, a fresh tile borrows the next ones' eDRAM.
      const lent = 1 + pick(3);
      fast.borrow(last + 1, lent);
      ref.borrow(last + 1, lent);
      fast.commit(l.index, last + 1, last + 1);
      ref.commit(l.index, last + 1, last + 1);
      frontier = last + lent + 2;
    } else if (random() < 0.9) {
      fast.commit(l.index, first, last);
      ref.commit(l.index, first, last);
      frontier = Math.max(frontier, last);
    }
  }
  for (let t = 0; t <= frontier + 4; t++) {
    expect([name, t, fast.used(t), fast.capacity(t), fast.isFresh(t)]).toEqual([name, t, ref.used(t), ref.capacity(t), ref.isFresh(t)]);
  }
  expect(fast.shares(frontier + 4)).toEqual(ref.shares(frontier + 4));
  return { calls, refused };
}

describe('line buffers: the fast per-tile accounting matches its plain reference', () => {
  const nets: [string, string][] = [
    ...['resnet18', 'resnet50', 'vgg16', 'mobilenetv2', 'alexnet', 'resnet20', 'vgg8', 'lenet5-mnist'].map((n): [string, string] => [n, 'puma']),
    ...['deit-tiny', 'deit-s', 'vit-b16', 'bert-base', 'gpt2'].map((n): [string, string] => [n, 'xformer']),
  ];
  let refused = 0;
  // Three call sequences per plan for the CNNs, one for the (larger) transformers.
  it.each(nets)('%s on %s (baseline and a replicated mixed plan)', (name, preset) => {
    const arch = presetArch(preset);
    const net = zoo(name);
    const n = net.weightedIndices.length;
    for (const choices of [baselineChoices(n), mixedReplicatedChoices(n)]) {
      for (const seed of preset === 'puma' ? ['a', 'b', 'c'] : ['a']) refused += drive(arch, net, choices, `${name}:${seed}`).refused;
    }
  });
  it('some readers did not fit (the capacity checks were exercised)', () => {
    expect(refused).toBeGreaterThan(0);
  });
});

describe('line buffers: a layer reading one tensor twice', () => {
  // M-LSD's decoder: a 3x3 conv of a concat with a residual add of the same concat fused into it, so the conv reads
  // each of the concat's tensors twice (windows 3 and 1). A tensor's rows are held once on a tile, in the wider
  // window (the simulator keeps one channel per tensor and tile); the fast accounting had charged both reads.
  const net = resolveNetwork(
    parseNetworkJson(
      JSON.stringify({
        name: 'twice',
        input: { channels: 8, height: 16, width: 16 },
        layers: [
          { name: 'a', kind: 'conv', outChannels: 8, kernel: 3, pad: 1 },
          { name: 'b', kind: 'conv', outChannels: 8, kernel: 3, pad: 1, inputs: ['input'] },
          { name: 'cat', kind: 'concat', inputs: ['a', 'b'] },
          { name: 'c', kind: 'conv', outChannels: 16, kernel: 3, pad: 1 },
          { name: 'add', kind: 'eltwise', op: 'add', inputs: ['c', 'cat'] },
        ],
      }),
      'twice',
    ),
  );
  it('matches the reference', () => {
    const c = net.layers.findIndex((l) => l.layer.name === 'c');
    expect(analyzeDataflow(net).layers[c]?.dataInputs.length).toBe(4);
    for (const seed of ['a', 'b', 'c']) drive(presetArch('puma'), net, baselineChoices(net.weightedIndices.length), `twice:${seed}`);
  });
});
