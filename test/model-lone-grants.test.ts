/**
 * Channel credits in the single-image recurrence (docs/hardware-model.md rule 7, "Grants in the lone image";
 * optimizer/model/lone-grants.ts): a stored row is sent once its reader tile has a slot for it. Without them the
 * model's lone-image latency of a credit-bound packing was short: ISAAC ResNet-50's replication-only plan (the
 * metamorphic suite's, 77 tiles) 5,481,933 cycles against the simulator's 7,019,515 (-21.9%).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { planTerms } from '../optimizer/model/evaluate';
import { prepareInjection } from '../optimizer/model/injection';
import { startRowTimes } from '../optimizer/model/row-times';
import { holdForGrants, loneGrants, type LoneGrants } from '../optimizer/model/lone-grants';
import { simulate } from '../sim';
import { zoo } from './helpers/model-fixtures';

describe('grants in the lone image', () => {
  const net = zoo('resnet50');
  // The suite's replication-only plan on ISAAC (scripts/metamorphic/suite.ts suitePlans): the baseline's 77 tiles,
  // conv1 x4, layer1.1.conv1 and layer1.2.conv1 x2, 8 bits.
  const arch = { ...presetArch('isaac'), chip: { ...presetArch('isaac').chip, tiles: 77 } };
  const choices = baselineChoices(net.weightedIndices.length);
  choices.replicas[0] = 4;
  choices.replicas[5] = 2;
  choices.replicas[8] = 2;

  test('layer1.0 output on tile 2: 3 slots shared by layer1.1.conv1 and the add fused into layer1.1.conv3', () => {
    const ctx = prepareModel(arch, net);
    const t = planTerms(ctx, choices);
    const layer = (name: string) => ctx.layers.find((l) => l.name === name);
    const relu3 = layer('layer1.0.relu3');
    const conv1 = layer('layer1.1.conv1');
    const conv3 = layer('layer1.1.conv3');
    expect(relu3 && conv1 && conv3).toBeDefined();
    if (relu3 === undefined || conv1 === undefined || conv3 === undefined) return;
    expect(t.placement.layerTiles[conv1.index]).toEqual([2]);
    expect(t.placement.layerTiles[conv3.index]).toEqual([2]);
    // conv3's data inputs: conv2's output (window 1) and the skip (window 2, for the fused add); the channel holds the
    // widest window plus the lookahead, 3 rows, and tile 2 has no spare row of the skip (56 x 256 x 8 bits).
    expect(t.placement.windowRows[conv3.index]).toEqual([1, 2]);
    expect(ctx.creditLoop.freeBits[2]).toBeLessThan(56 * 256 * 8);
    prepareInjection(ctx, ctx.traffic, ctx.injection);
    startRowTimes(ctx);
    const grants = loneGrants(ctx, t.placement, t.mappings, choices, t.traffic, t.storedBits);
    const on: number[][] = [];
    for (let g = grants.first[relu3.index] as number; g >= 0; g = grants.next[g] as number) on.push(Array.from(grants.on[g] as Int32Array));
    // Row i (i >= 3) is let in once row i - 3 is let go: by conv1's row i - 3 (a 1x1 conv), which waits on row i - 3;
    // by the add's row i - 3, which waits on conv3's row i - 3, conv2's (a 3x3 window) and so conv1's row i - 2.
    const expected = (lag: number) => Array.from({ length: 56 }, (_, i) => (i < 3 ? -1 : i - lag));
    expect(on.sort((a, b) => (a[3] as number) - (b[3] as number))).toEqual([expected(3), expected(2)]);
  });

  test('the credit-bound packing: layer1.0 sends its rows when the simulator does (they waited for grants)', async () => {
    const ctx = prepareModel(arch, net);
    const model = evaluateModel(ctx, choices);
    expect(model.tilesUsed).toBe(77);
    const trace = path.join(os.tmpdir(), `lone-grants-${process.pid}.csv`);
    const sim = await simulate(arch, net, choices, { images: 1, traceFile: trace });
    // The simulator's send of each row of layer1.0's output (conv3's, its add and ReLU fused): the first piece's NoC start.
    const sent: number[] = [];
    // And the MVMs of layer1.0.conv3's row 0 (their end lets the skip's row 0 go) and of the downsample's row 4.
    let conv3Row0End = NaN;
    let downsampleRow4Start = NaN;
    for (const line of fs.readFileSync(trace, 'utf8').split('\n')) {
      const c = line.split(',');
      if (c[0] === 'mvm' && c[1] === 'layer1.0.conv3' && c[4] === '0') conv3Row0End = Number(c[6]);
      if (c[0] === 'mvm' && c[1] === 'layer1.0.downsample.0' && c[4] === '4') downsampleRow4Start = Number(c[5]);
      if (c[0] !== 'noc' || c[1] !== 'layer1.0.conv3') continue;
      const row = Number(c[4]);
      sent[row] = Math.min(sent[row] ?? Infinity, Number(c[5]));
    }
    fs.rmSync(trace, { force: true });
    const relu3 = ctx.layers.find((l) => l.name === 'layer1.0.relu3');
    expect(relu3).toBeDefined();
    if (relu3 === undefined) return;
    // Rows 3-12 wait for the add fused into layer1.1.conv3 to let rows go (3 slots); the model's sent rows within 1%
    // (main, without grants: row 3 7% early, row 12 16%).
    for (let i = 3; i <= 12; i++) expect([i, Math.abs((ctx.rowScratch[relu3.rowOffset + i] ?? 0) / (sent[i] ?? 1) - 1) < 0.01]).toEqual([i, true]);
    // The skip (layer1.0.downsample.0, on tile 1 with conv3, whose fused add reads it through 3 slots) is held by a
    // reader made before it: its row 3 is in once conv3's row 0 ends, which the simulator's trace shows as the
    // downsample's row 4 starting then (325,420 cycles; its unit waits while row 3's send does). s67's model took
    // the grant's chain from the downsample's own rows (none: conv3 does not read them) and sent row 3 at its end,
    // 310,862 (-4.5%); now conv3's row 0 end itself, 325,374.
    const downsample = ctx.layers.find((l) => l.name === 'layer1.0.downsample.0');
    expect(downsample).toBeDefined();
    if (downsample === undefined) return;
    expect(downsampleRow4Start).toBe(conv3Row0End);
    expect(Math.abs((ctx.rowScratch[downsample.rowOffset + 3] ?? 0) / conv3Row0End - 1)).toBeLessThan(0.01);
    // The lone latency: simulated 7,019,515 cycles, the model 6,527,459 (5,481,933 without grants, -21.9%); the rest is
    // the back-pressure the model leaves out (docs/validation.md, "Grants in the lone image (session 67)").
    expect(Math.abs(model.latencyCycles / sim.latencyCycles - 1)).toBeLessThan(0.08);
  }, 60_000);

  test('a held send holds its unit: row i is made no sooner than row i - 2 is sent plus the row time', () => {
    // By hand: six rows made 100 apart (pace 100, a row's fixed time 150); one grant holds row 2 to row 0's send +
    // 1,000 and row 3 to row 1's. Rows 2 and 3 are sent at 1,100 and 1,200; row 4 starts once row 2 is sent, so it is
    // made at 1,100 + 150 = 1,250 (not 500), and row 5 at max(1,200 + 150, 1,250 + 100) = 1,350 (not 600).
    const grants: LoneGrants = {
      held: Int32Array.from([1]),
      first: Int32Array.from([0]),
      next: Int32Array.from([-1]),
      on: [Int32Array.from([-1, -1, 0, 1, -1, -1])],
      chainCycles: Float64Array.from([1000]),
      lagRows: Int32Array.from([2]),
      readerLayer: Int32Array.from([-1]),
      readerRows: [undefined],
      count: 1,
    };
    const finish = Float64Array.from([100, 200, 300, 400, 500, 600]);
    holdForGrants({ index: 0, rowOffset: 0, outRows: 6 }, grants, finish, 100, 150, []);
    expect(Array.from(finish)).toEqual([100, 200, 1100, 1200, 1250, 1350]);
  });
});
