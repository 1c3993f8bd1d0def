/**
 * The lone image's outbound NoC term (docs/hardware-model.md rule 7, "Sends apart in the lone image";
 * optimizer/model/lone-sends.ts): a layer's row pace counts its tiles' injection links less the sends of tensors a lone
 * image makes apart from its rows in time. xformer DeiT-S at validate's replicated mixed plan: main's model paced
 * blocks.0.attn.k at the whole tile's sends (972 cycles a row, its last row 200,697 against the simulator's 168,521)
 * and its lone latency was 2,561,188 cycles against 2,341,953 simulated (-8.56%).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { presetArch } from '../arch/presets';
import type { PlanChoices } from '../arch/plan';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { planTerms } from '../optimizer/model/evaluate';
import { simulate } from '../sim';
import { baselineChoices } from '../arch/plan';
import { zoo } from './helpers/model-fixtures';

const has = (bits: Uint32Array, at: number, j: number): boolean => (((bits[at + (j >>> 5)] as number) >>> (j & 31)) & 1) === 1;

describe('sends apart in the lone image', () => {
  const net = zoo('deit-s');
  const arch = presetArch('xformer');
  // lrmp validate's replicated-mixed plan for DeiT-S on xformer (bottleneck-greedy.ts replicatedMixedChoices): 6 bits
  // but the first and last layers' 8, patch_embed x2.
  const n = net.weightedIndices.length;
  const bits = Array.from({ length: n }, (_, i) => (i === 0 || i === n - 1 ? 8 : 6));
  const choices: PlanChoices = { wbits: [...bits], abits: [...bits], replicas: Array.from({ length: n }, (_, i) => (i === 0 ? 2 : 1)) };

  test('apart: an attention block keys before Q.K^T and the MLP after it; not the next block, nor Q and K', () => {
    const ctx = prepareModel(arch, net);
    const index = (name: string): number => ctx.layers.findIndex((l) => l.name === name);
    const apart = (a: string, b: string): boolean => has(ctx.loneApart.bits, index(a) * ctx.loneApart.words, index(b));
    expect(apart('blocks.0.attn.k', 'blocks.0.attn.scores')).toBe(true);
    expect(apart('blocks.0.attn.k', 'blocks.0.mlp.fc1')).toBe(true);
    expect(apart('blocks.0.mlp.fc1', 'blocks.0.attn.k')).toBe(true);
    expect(apart('blocks.0.attn.q', 'blocks.0.attn.k')).toBe(false);
    // Block 1's Q, K, V take block 0's MLP rows as they come: the same stretch of time.
    expect(apart('blocks.0.mlp.fc1', 'blocks.1.attn.k')).toBe(false);
    expect(apart('blocks.0.attn.proj', 'blocks.0.mlp.fc1')).toBe(false);
  });

  test('blocks.0.attn.k on tile 2 runs at its crossbars pace, as simulated', async () => {
    const ctx = prepareModel(arch, net);
    const t = planTerms(ctx, choices);
    const k = ctx.layers.find((l) => l.name === 'blocks.0.attn.k');
    expect(k).toBeDefined();
    if (k === undefined) return;
    expect(t.placement.layerTiles[k.index]).toEqual([2]);
    // Tile 2's link per image, a row of 384 elements at 6 bits = 72 flits + 9 headers = 81 cycles a copy, 196 rows:
    // K to Q.K^T's tile 1 (81), the projection to tiles 3 and 4 (2 x 81), norm2 to tile 3 (81), and fc1's piece of
    // 1,536 elements (288 + 36 = 324) to tiles 3 and 4: 196 x 972 = 190,512. K's own copy alone: 196 x 81 = 15,876.
    const stage = t.stages[k.index];
    expect(stage?.nocOutCycles).toBeCloseTo(196 * 972, 6);
    const model = evaluateModel(ctx, choices);
    expect(ctx.loneTerms.nocOut[k.index]).toBeCloseTo(196 * 81, 6);
    // Its pace is then its crossbars' (one MVM a row, 800 cycles: 156,800 a image): the last row 195 x 800 after the first.
    const first = ctx.rowScratch[k.rowSource] as number;
    const last = ctx.rowScratch[k.rowSource + 195] as number;
    expect(last - first).toBeCloseTo(195 * 800, 6);
    const trace = path.join(os.tmpdir(), `lone-sends-${process.pid}.csv`);
    const sim = await simulate(arch, net, choices, { images: 1, traceFile: trace });
    let simLast = 0;
    for (const line of fs.readFileSync(trace, 'utf8').split('\n')) {
      const c = line.split(',');
      if (c[0] === 'mvm' && c[1] === 'blocks.0.attn.k' && Number(c[4]) === 195) simLast = Math.max(simLast, Number(c[6]));
    }
    fs.rmSync(trace, { force: true });
    // Simulated 168,521 (main's model 200,697, +19%); the lone latency 2,341,953 simulated (main's model -8.56%).
    expect(Math.abs(last / simLast - 1)).toBeLessThan(0.01);
    expect(Math.abs(sim.latencyCycles / model.latencyCycles - 1)).toBeLessThan(0.02);
  }, 60_000);

  test('ViT-B/16: the links into blocks.2.attn.proj less block 1\'s copies, made before its keys', async () => {
    const vit = zoo('vit-b16');
    // lrmp validate's baseline on xformer: 8 bits, r = 1, the preset's 256 tiles (165 used).
    const plan = baselineChoices(vit.weightedIndices.length);
    const ctx = prepareModel(arch, vit);
    const t = planTerms(ctx, plan);
    const proj = ctx.layers.find((l) => l.name === 'blocks.2.attn.proj');
    expect(proj).toBeDefined();
    if (proj === undefined) return;
    expect(t.placement.layerTiles[proj.index]).toEqual([31, 32]);
    // A copy of a 768-element row at 8 bits: 192 flits + 24 headers = 216 flits, 196 rows: 42,336 flits per image.
    // The busiest link into its tiles (on block 1's output's way to tile 31, for the add fused into the projection)
    // carries 30 such copies: block 1's projection rows to fc2's tiles 24-28 (5) and fc1's, 4 x wider (20), block 1's
    // output to tile 31 (1) and block 2's norm1 to tiles 28-31 (4).
    const copy = 196 * 216;
    expect(t.stages[proj.index]?.meshLinkCycles).toBeCloseTo(30 * copy, 6);
    const model = evaluateModel(ctx, plan);
    expect(model.tilesUsed).toBe(165);
    // All of them are made before block 2's Q.K^T has its keys: apart. The busiest link left is on the way from the
    // context's tile 29 to tile 32, carrying its copy there, the projection's 5 to fc2's tiles and norm2's 6 to fc1's.
    expect(ctx.loneTerms.meshLink[proj.index]).toBeCloseTo(12 * copy, 6);
    // main's model 15,817,950 cycles against 15,040,750 simulated (-4.91%).
    const sim = await simulate(arch, vit, plan, { images: 1 });
    expect(Math.abs(sim.latencyCycles / model.latencyCycles - 1)).toBeLessThan(0.01);
  }, 120_000);
});
