/**
 * Layers sharing one digital unit one after another in the single-image recurrence (docs/hardware-model.md rule 7,
 * optimizer/model/unit-run.ts): the unit serves their rows in the order they reach it, across the layers, and the
 * order decides when a consumer downstream gets them. A toy by hand against the model and the simulator's trace.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applySetOverride, uncontendedArch } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { offChipBitsPerCycle } from '../arch/timing';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { planTerms } from '../optimizer/model/evaluate';
import { rowFixedCycles, rowLatencyCycles, rowPacedCycles } from '../optimizer/model/latency';
import { stageNocTerms } from '../optimizer/model/lone-sends';
import { referenceRowLatency } from '../optimizer/model/latency-reference';
import { simulate } from '../sim';
import { resolveNetwork } from '../workloads/shapes';
import { uniformChoices, zoo } from './helpers/model-fixtures';
import { baselineChoices } from '../arch/plan';

describe('a run of layers sharing one digital unit', () => {
  test('toy: a LayerNorm and a softmax on one unit, FIFO, then a linear layer; by hand, model and simulator', async () => {
    // 4 tokens of 64 features, all on one tile with a 1-op-per-cycle unit. a (LayerNorm, 7 ops an element: 448 cycles
    // a row) gets a token every 640 cycles from off-chip; b (softmax of a, 12 ops an element: 768) follows on the
    // same unit; c (a linear layer, no ops on the unit) takes b's rows at its own pace.
    const net = resolveNetwork({
      name: 'toy-unit-run',
      input: { channels: 64, height: 4, width: 1 },
      inputLayout: 'sequence',
      layers: [
        { kind: 'norm', name: 'a', inputs: ['input'], fn: 'layer', groups: 1, affine: true },
        { kind: 'softmax', name: 'b', inputs: ['a'], axis: 'channels', log: false },
        { kind: 'conv', name: 'c', inputs: ['b'], outChannels: 64, kernel: [1, 1], stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1, bias: true },
      ],
    });
    let arch = uncontendedArch(presetArch('xformer'));
    for (const set of ['tile.digital.opsPerCycle=1', 'chip.tiles=1', 'offChip.bandwidthGBps=0.1']) arch = applySetOverride(arch, set);
    const ctx = prepareModel(arch, net);
    const choices = uniformChoices(net);
    const t = planTerms(ctx, choices);
    expect(t.placement.layerTiles).toEqual([[0], [0], [0]]);
    const fixed = (index: number) => rowFixedCycles(ctx, t.placement, t.mappings, choices, t.traffic, t.storedBits, ctx.layers[index]!);
    const inputRow = t.inputBits / 4 / offChipBitsPerCycle(arch);
    expect(inputRow).toBe(640);
    const a = 64 * 7;
    const b = 64 * 12;
    // A row's fixed time is its ops after writing its input row (a's: the token's NoC crossing from router 0 too).
    const leadA = fixed(0) - a; // 2.0022
    const leadB = fixed(1) - b; // 0.0004
    expect(leadA).toBeGreaterThan(0);
    expect(leadA).toBeLessThan(3);
    // c: one MVM a row (1,064 cycles with its input's write), one row every 1,000 cycles (its compute; the next row's
    // read overlaps it: rule 5's read-ahead, so no port wait is exposed).
    const c = fixed(2);
    const cPace = rowPacedCycles(ctx.layers[2]!, t.stages[2], stageNocTerms(t.stages), undefined);
    expect(Math.round(cPace)).toBe(1000);
    expect(c).toBeGreaterThan(cPace);
    // By hand (to the 0.01), the unit first come, first served. a's rows reach it at 640 (i + 1) + 2.00: 642, 1282,
    // 1922, 2562; b's row i when a's row i ends.
    //   a0 642 -> 1090; b0 (reaches at 1090) -> 1858; a1 (1282) -> 2306;
    //   a2 (1922, ahead of b1 which reaches at 2306) -> 2754; b1 -> 3522;
    //   a3 (2562, ahead of b2 which reaches at 2754) -> 3970; b2 -> 4738; b3 (3970) -> 5506.
    // c's row i ends at max(b_i + 1064, c_{i-1} + 1000): 2922, 4586, 5802, 6802. Served as if a and b took turns
    // (a's rows paced by both layers' ops, b's rows seeing only a's earlier rows: the recurrence before unit-run.ts)
    // b's rows came out at 1984, 3200, 4416, 5632 and c ended at 6696, 1.7% below the simulated 6,810.
    const a0 = inputRow + leadA + a;
    const b0 = a0 + leadB + b;
    const a1 = b0 + a;
    const a2 = a1 + a;
    const b1 = a2 + b;
    const a3 = b1 + a;
    const b2 = a3 + b;
    const b3 = b2 + b;
    const bEnds = [b0, b1, b2, b3];
    const cEnds: number[] = [];
    bEnds.forEach((end, i) => cEnds.push(Math.max(end + c, i === 0 ? 0 : (cEnds[i - 1] as number) + cPace)));
    expect(cEnds.map(Math.round)).toEqual([2922, 4586, 5802, 6802]);
    const ref = referenceRowLatency(ctx, t.placement, t.mappings, choices, t.stages, t.traffic, t.inputBits, t.storedBits);
    // a's row 2 ends where its ops do or one input row after a1, whichever is later (its rows' pace, rule 7).
    expect(ref.rowFinish.get(0)?.map((x) => Math.round(x))).toEqual([a0, a1, Math.max(a2, a1 + inputRow), a3].map(Math.round));
    ref.rowFinish.get(1)?.forEach((x, i) => expect(x).toBeCloseTo(bEnds[i] as number, 6));
    ref.rowFinish.get(2)?.forEach((x, i) => expect(x).toBeCloseTo(cEnds[i] as number, 6));
    // The fast recurrence and the evaluation: the same latency.
    const fast = rowLatencyCycles(ctx, t.placement, t.mappings, choices, t.stages, t.traffic, t.inputBits, t.storedBits);
    expect(fast).toBe(Math.ceil(cEnds[3] as number));
    expect(evaluateModel(ctx, choices).latencyCycles).toBe(fast);
    // The simulator's trace: the unit serves a0 b0 a1 a2 b1 a3 b2 b3; b's rows within 10 cycles of the hand figures (its
    // token enters at 644, not 642, and each hand-over takes a cycle), the latency within 0.2% (6,810).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-unit-run-'));
    try {
      const file = path.join(dir, 'trace.csv');
      const sim = await simulate(arch, net, choices, { images: 1, traceFile: file });
      const jobs = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.split(',')).filter((f) => f[0] === 'digital');
      const order = [...jobs].sort((x, y) => Number(x[6]) - Number(y[6])).map((f) => `${f[1]}${f[4]}`);
      expect(order).toEqual(['a0', 'b0', 'a1', 'a2', 'b1', 'a3', 'b2', 'b3']);
      for (let i = 0; i < 4; i++) {
        const end = Number(jobs.find((f) => f[1] === 'b' && f[4] === String(i))?.[6]);
        expect(Math.abs(end - (bEnds[i] as number))).toBeLessThan(10);
      }
      expect(Math.abs(sim.latencyCycles / fast - 1)).toBeLessThan(0.002);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GPT-2 (prefill 128) on PUMA, uncontended: lone latency within 1% of the simulator', async () => {
    // Each block's scores, softmax and context share one tile's unit; block 0's scores rows reach it first. Served as
    // if the three took turns, the model was 20.5% below the simulated 968,557 cycles (770,419); now 968,300.
    const net = zoo('gpt2');
    const arch = uncontendedArch({ ...presetArch('puma'), chip: { tiles: 218 } });
    const choices = baselineChoices(net.weightedIndices.length);
    const model = evaluateModel(prepareModel(arch, net), choices).latencyCycles;
    const sim = await simulate(arch, net, choices, { images: 1 });
    expect(Math.abs(model / sim.latencyCycles - 1)).toBeLessThan(0.01);
  }, 120_000);
});
