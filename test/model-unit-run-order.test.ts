/**
 * The digital unit's service order across a crossbar layer (docs/hardware-model.md rule 7, "Layers sharing a unit
 * one after another"; optimizer/model/unit-run.ts): a LayerNorm, a linear layer and a softmax on one tile, the
 * softmax's rows queueing at the unit the LayerNorm uses. Served first come, first served, the softmax's first row
 * goes ahead of the LayerNorm's last, which reaches the unit after it; the model once served the LayerNorm's rows
 * first (the linear layer between them broke the run) and paced them by both layers' ops. A toy by hand against the
 * model and the simulator's trace; then a residual add and the ReLU fused after it into one conv, one job at the unit.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applySetOverride, uncontendedArch } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { offChipBitsPerCycle } from '../arch/timing';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { planTerms } from '../optimizer/model/evaluate';
import { rowFixedCycles, rowPacedCycles } from '../optimizer/model/latency';
import { stageNocTerms } from '../optimizer/model/lone-sends';
import { referenceRowLatency } from '../optimizer/model/latency-reference';
import { simulate } from '../sim';
import { resolveNetwork } from '../workloads/shapes';
import type { ConvLayer, Network } from '../workloads/types';

const linear = (name: string, input: string): ConvLayer => ({ kind: 'conv', name, inputs: [input], outChannels: 64, kernel: [1, 1], stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1, bias: true });

describe('the digital unit serves rows in the order they reach it, across a crossbar layer', () => {
  test('toy: a LayerNorm, a linear layer, a softmax on one unit, a linear layer after; by hand, model and simulator', async () => {
    // 4 tokens of 64 features on one tile with a 1-op-per-cycle unit: a (LayerNorm, 448 cycles a row) gets a token
    // every 640 cycles from off-chip; c (linear) reads a; b (softmax of c, 768 cycles a row) queues at a's unit;
    // e (linear) reads b.
    const spec: Network = {
      name: 'toy-unit-order',
      input: { channels: 64, height: 4, width: 1 },
      inputLayout: 'sequence',
      layers: [
        { kind: 'norm', name: 'a', inputs: ['input'], fn: 'layer', groups: 1, affine: true },
        linear('c', 'a'),
        { kind: 'softmax', name: 'b', inputs: ['c'], axis: 'channels', log: false },
        linear('e', 'b'),
      ],
    };
    const net = resolveNetwork(spec);
    let arch = uncontendedArch(presetArch('xformer'));
    for (const set of ['tile.digital.opsPerCycle=1', 'chip.tiles=1', 'offChip.bandwidthGBps=0.1']) arch = applySetOverride(arch, set);
    const ctx = prepareModel(arch, net);
    const choices = { wbits: [8, 8], abits: [8, 8], replicas: [1, 1] };
    const t = planTerms(ctx, choices);
    expect(t.placement.layerTiles).toEqual([[0], [0], [0], [0]]);
    const fixed = (index: number) => rowFixedCycles(ctx, t.placement, t.mappings, choices, t.traffic, t.storedBits, ctx.layers[index]!);
    expect(t.inputBits / 4 / offChipBitsPerCycle(arch)).toBe(640);
    const a = 64 * 7;
    const b = 64 * 12;
    const leadA = fixed(0) - a; // the token's write and NoC crossing, 2.0022
    const leadB = fixed(2) - b; // 0.0004
    expect(leadA).toBeGreaterThan(0);
    expect(leadA).toBeLessThan(3);
    expect(leadB).toBeGreaterThanOrEqual(0);
    expect(leadB).toBeLessThan(1);
    // c and e: one MVM a row, 1,064 cycles with the input's write, a row every 1,000 cycles at most.
    const c = fixed(1);
    const pace = rowPacedCycles(ctx.layers[1]!, t.stages[1], stageNocTerms(t.stages), undefined);
    expect(Math.round(c)).toBe(1064);
    expect(Math.round(pace)).toBe(1000);
    expect(fixed(3)).toBeCloseTo(c, 6);
    // By hand, the unit first come, first served. a's rows reach it at 640 (i + 1) + leadA: 642, 1282, 1922, 2562.
    //   a0 642 -> 1090, a1 1282 -> 1730, a2 1922 -> 2370; c0 = 1090 + 1064 = 2154, c1 = max(1730 + 1064, c0 + 1000)
    //   = 3154, c2 = 4154. b0 reaches the unit at 2154, behind a2 (there since 1922): 2370 -> 3138. a3 reaches it at
    //   2562, behind b0: 3138 -> 3586; c3 = max(3586 + 1064, c2 + 1000) = 5154. b1 (3154) 3586 -> 4354, b2 (4154)
    //   4354 -> 5122, b3 (5154) 5154 -> 5922. e_i = max(b_i + 1064, e_{i-1} + 1000): 4202, 5418, 6418, 7418.
    // The unit serves a0 a1 a2 b0 a3 b1 b2 b3. Served a's rows first (a3 2562 -> 3010) and with a's rows paced by a's
    // and b's ops together (1,216 cycles a row), the model gave 7,761 cycles, 4.5% above the simulated 7,427.
    const arrivalA = (i: number) => 640 * (i + 1) + leadA;
    const a0 = arrivalA(0) + a;
    const a1 = arrivalA(1) + a;
    const a2 = arrivalA(2) + a;
    const c0 = a0 + c;
    const c1 = Math.max(a1 + c, c0 + pace);
    const c2 = Math.max(a2 + c, c1 + pace);
    const b0 = Math.max(c0 + leadB, a2) + b;
    const a3 = Math.max(arrivalA(3), b0) + a;
    const c3 = Math.max(a3 + c, c2 + pace);
    const b1 = Math.max(c1 + leadB, a3) + b;
    const b2 = Math.max(c2 + leadB, b1) + b;
    const b3 = Math.max(c3 + leadB, b2) + b;
    const bEnds = [b0, b1, b2, b3];
    const eEnds: number[] = [];
    bEnds.forEach((end, i) => eEnds.push(Math.max(end + c, i === 0 ? 0 : (eEnds[i - 1] as number) + pace)));
    expect([a0, a1, a2, a3].map(Math.round)).toEqual([1090, 1730, 2370, 3586]);
    expect(bEnds.map(Math.round)).toEqual([3138, 4354, 5122, 5922]);
    expect(eEnds.map(Math.round)).toEqual([4202, 5418, 6418, 7418]);
    // The model (its rows) and its plain reference.
    const model = evaluateModel(ctx, choices);
    const rows = (index: number) => Array.from(ctx.rowScratch.subarray(ctx.layers[index]!.rowOffset, ctx.layers[index]!.rowOffset + 4));
    rows(0).forEach((x, i) => expect(x).toBeCloseTo([a0, a1, a2, a3][i] as number, 6));
    rows(2).forEach((x, i) => expect(x).toBeCloseTo(bEnds[i] as number, 6));
    rows(3).forEach((x, i) => expect(x).toBeCloseTo(eEnds[i] as number, 6));
    expect(model.latencyCycles).toBe(Math.ceil(eEnds[3] as number));
    const ref = referenceRowLatency(ctx, t.placement, t.mappings, choices, t.stages, t.traffic, t.inputBits, t.storedBits);
    ref.rowFinish.get(2)?.forEach((x, i) => expect(x).toBeCloseTo(bEnds[i] as number, 6));
    ref.rowFinish.get(3)?.forEach((x, i) => expect(x).toBeCloseTo(eEnds[i] as number, 6));
    // The simulator's trace: the unit serves a0 a1 a2 b0 a3 b1 b2 b3, each row within 10 cycles of the hand figure (a
    // token enters at 644, not 642, and each hand-over takes a cycle); the latency within 0.2% (7,427).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-unit-order-'));
    try {
      const file = path.join(dir, 'trace.csv');
      const sim = await simulate(arch, net, choices, { images: 1, traceFile: file });
      const jobs = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.split(',')).filter((f) => f[0] === 'digital');
      const order = [...jobs].sort((x, y) => Number(x[6]) - Number(y[6])).map((f) => `${f[1]}${f[4]}`);
      expect(order).toEqual(['a0', 'a1', 'a2', 'b0', 'a3', 'b1', 'b2', 'b3']);
      const end = (layer: string, i: number) => Number(jobs.find((f) => f[1] === layer && f[4] === String(i))?.[6]);
      for (let i = 0; i < 4; i++) {
        expect(Math.abs(end('a', i) - ([a0, a1, a2, a3][i] as number))).toBeLessThan(10);
        expect(Math.abs(end('b', i) - (bEnds[i] as number))).toBeLessThan(10);
      }
      expect(Math.abs(sim.latencyCycles / model.latencyCycles - 1)).toBeLessThan(0.002);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
