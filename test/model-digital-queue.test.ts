/**
 * The single-image recurrence's digital-unit queue (docs/hardware-model.md rule 7, optimizer/model/digital-queue.ts):
 * a row's digital ops wait at its tile's unit for the earlier layers' rows that reached it first. The queue's
 * arithmetic by hand; a toy where a LayerNorm fed from off-chip fills the unit before a softmax's first row arrives,
 * against the simulator's trace; GPT-2 small (where the queue was missing: model 7.1% below) against the simulator.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applySetOverride, uncontendedArch } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { addRowJobs, busyUntil, newDigitalQueues, queuedJobs, setPending } from '../optimizer/model/digital-queue';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { planTerms } from '../optimizer/model/evaluate';
import { rowFixedCycles } from '../optimizer/model/latency';
import { referenceRowLatency } from '../optimizer/model/latency-reference';
import { offChipBitsPerCycle } from '../arch/timing';
import { simulate } from '../sim';
import { resolveNetwork } from '../workloads/shapes';
import type { Layer } from '../workloads/types';
import { uniformChoices, zoo } from './helpers/model-fixtures';

describe('digital-unit queue of the single-image recurrence', () => {
  test('FIFO busy-until by hand, a later layer merged in arrival order', () => {
    const q = newDigitalQueues();
    // Layer A: rows arriving at 0, 10, 20, 30, 15 cycles each: the unit is busy until 15, 30, 45, 60.
    q.jobTiles.push(3);
    setPending(q, [0, 10, 20, 30]);
    addRowJobs(q, 15);
    expect(queuedJobs(q, 3).end).toEqual([15, 30, 45, 60]);
    expect(busyUntil(q, 3, -1)).toBe(0); // nothing arrived yet
    expect(busyUntil(q, 3, 12)).toBe(30); // rows 0 and 1 were there first
    expect(busyUntil(q, 3, 30)).toBe(60); // a tie goes to the earlier layer
    expect(busyUntil(q, 7, 100)).toBe(0); // another tile's unit is idle
    // Layer B: rows at 12 and 50, 5 cycles each, join in arrival order: 0, 10, 12, 20, 30, 50.
    setPending(q, [12, 50]);
    addRowJobs(q, 5);
    expect(queuedJobs(q, 3).arrival).toEqual([0, 10, 12, 20, 30, 50]);
    // 15, 30, then B's row 30 -> 35, A's 35 -> 50, 50 -> 65, B's 65 -> 70.
    expect(queuedJobs(q, 3).end).toEqual([15, 30, 35, 50, 65, 70]);
  });

  test('toy: a softmax behind a LayerNorm backlog on one tile, by hand and against the simulator', async () => {
    // 8 tokens of 64 features on one tile with a 1-op-per-cycle digital unit: the LayerNorm (7 ops per element,
    // 448 cycles a row) gets a row every 10 cycles from off-chip; q's first row (one MVM) reaches the softmax
    // (12 ops per element, 768 cycles a row) while 7 LayerNorm rows still wait.
    const lin = (name: string, inputs: string[]): Layer => ({
      kind: 'conv', name, inputs, outChannels: 64, kernel: [1, 1], stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1, bias: true,
    });
    const net = resolveNetwork({
      name: 'toy-digital-queue',
      input: { channels: 64, height: 8, width: 1 },
      inputLayout: 'sequence',
      layers: [
        { kind: 'norm', name: 'ln', inputs: ['input'], fn: 'layer', groups: 1, affine: true },
        lin('q', ['input']),
        { kind: 'softmax', name: 'sm', inputs: ['q'], axis: 'channels', log: false },
        lin('p', ['sm']),
      ],
    });
    let arch = uncontendedArch(presetArch('xformer'));
    for (const set of ['tile.digital.opsPerCycle=1', 'chip.tiles=1']) arch = applySetOverride(arch, set);
    const ctx = prepareModel(arch, net);
    const choices = uniformChoices(net);
    const t = planTerms(ctx, choices);
    expect(t.placement.layerTiles).toEqual([[0], [0], [0], [0]]);
    const ref = referenceRowLatency(ctx, t.placement, t.mappings, choices, t.stages, t.traffic, t.inputBits, t.storedBits);
    const fixed = (index: number) => rowFixedCycles(ctx, t.placement, t.mappings, choices, t.traffic, t.storedBits, ctx.layers[index]!);
    // LayerNorm row i reaches the unit at (i + 1) x the input row time + its transfer; 448 cycles each, back to back.
    const inputRow = t.inputBits / 8 / offChipBitsPerCycle(arch);
    expect(inputRow).toBe(10);
    const lnOps = 64 * 7;
    const smOps = 64 * 12;
    // A row's fixed time is its transfer (a router, a few flits) and its ops.
    expect(fixed(0) - lnOps).toBeGreaterThan(0);
    expect(fixed(0) - lnOps).toBeLessThan(inputRow);
    let busy = 0;
    for (let i = 0; i < 8; i++) busy = Math.max(busy, (i + 1) * inputRow + fixed(0) - lnOps) + lnOps;
    // The softmax's first row arrives after q's first row (well after the last LayerNorm row's 80 cycles), so it
    // ends the unit's backlog plus its own 768 cycles.
    const smRow0 = (ref.rowFinish.get(2) ?? [])[0] ?? 0;
    const qRow0 = (ref.rowFinish.get(1) ?? [])[0] ?? 0;
    expect(qRow0).toBeGreaterThan(8 * inputRow);
    expect(qRow0 + fixed(2)).toBeLessThan(busy + smOps);
    expect(smRow0).toBeCloseTo(busy + smOps, 6);
    // The simulator's trace: the softmax's row 0 ends within 0.1% of that.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-dq-'));
    try {
      const file = path.join(dir, 'trace.csv');
      await simulate(arch, net, choices, { images: 1, traceFile: file });
      const row = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.split(',')).find((c) => c[0] === 'digital' && c[1] === 'sm' && c[4] === '0');
      expect(Math.abs(Number(row?.[6]) / smRow0 - 1)).toBeLessThan(0.001);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GPT-2 small (prefill 128), uncontended: lone latency within 5% of the simulator', async () => {
    const net = zoo('gpt2');
    const base = presetArch('xformer');
    const arch = uncontendedArch({ ...base, chip: { tiles: Math.max(base.chip.tiles, 200) } });
    const choices = uniformChoices(net);
    const model = evaluateModel(prepareModel(arch, net), choices);
    const sim = await simulate(arch, net, choices, { images: 1 });
    // Without the queue: model 215,853 cycles, simulated 232,384 (-7.1%).
    expect(Math.abs(model.latencyCycles / sim.latencyCycles - 1)).toBeLessThan(0.05);
  });
});
