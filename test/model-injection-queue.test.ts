/**
 * Rule 6's injection links in the single-image recurrence (optimizer/model/injection.ts): no multicast, so a stored
 * row leaves its tile once per reader tile, copies one after another in ascending tile order, FIFO behind the tile's
 * other sends. On GPT-2 small with 16 tokens per row (xformer): a copy's delay by hand from the placement, against
 * the simulator's trace, and the lone-image latency against the simulator (charging one copy per row put the model
 * 13.9% below it).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { presetArch } from '../arch/presets';
import { flitsOfBits, meshSize, routerOfTile, routerXY } from '../arch/routing';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { planTerms } from '../optimizer/model/evaluate';
import { inputDelayCycles, prepareInjection } from '../optimizer/model/injection';
import { rowLatencyCycles } from '../optimizer/model/latency';
import { simulate } from '../sim';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { uniformChoices } from './helpers/model-fixtures';

describe('injection-link queue of the single-image recurrence', () => {
  const net = resolveNetwork({ ...zooNetwork('gpt2'), sequenceBlock: 16 });
  const base = presetArch('xformer');
  const arch = { ...base, chip: { tiles: Math.max(base.chip.tiles, 200) } };
  const choices = uniformChoices(net);

  test('GPT-2, 16 tokens per row: the LayerNorm row reaches attn.v behind the copies to lower tiles, by hand and in the simulator', async () => {
    const ctx = prepareModel(arch, net);
    const t = planTerms(ctx, choices);
    const index = (name: string): number => ctx.layers.findIndex((l) => l.name === name);
    const norm = index('blocks.0.norm1');
    const v = index('blocks.0.attn.v');
    const from = t.placement.layerTiles[norm]?.[0] ?? -1;
    const vTile = t.placement.weighted[ctx.layers[v]?.weightedPos ?? -1]?.replicaTiles[0] ?? -1;
    // The row goes to every tile of q, k and v (weighted readers: all their tiles); v's replica reads it on its first.
    const dests = [...new Set(['blocks.0.attn.q', 'blocks.0.attn.k', 'blocks.0.attn.v'].flatMap((n) => t.placement.layerTiles[index(n)] ?? []))].sort((a, b) => a - b);
    const before = dests.filter((d) => d !== from && d <= vTile).length;
    expect(before).toBeGreaterThan(1);
    const rowFlits = flitsOfBits(arch, 16 * 768 * 8);
    expect(rowFlits).toBe(3456);
    const width = meshSize(arch).width;
    const [x0, y0] = routerXY(width, routerOfTile(arch, from));
    const [x1, y1] = routerXY(width, routerOfTile(arch, vTile));
    const routers = Math.abs(x1 - x0) + Math.abs(y1 - y0) + 1;
    const byHand = (before * rowFlits) / arch.noc.linkFlitsPerCycle + routers * arch.noc.routerLatencyCycles;
    rowLatencyCycles(ctx, t.placement, t.mappings, choices, t.stages, t.traffic, t.inputBits, t.storedBits);
    prepareInjection(ctx, ctx.traffic, ctx.injection);
    const model = inputDelayCycles(ctx, t.placement, ctx.traffic, ctx.injection, ctx.layers[v]!, 0);
    expect(model).toBe(byHand);
    // The simulator's trace: row 0's copy to v's tile is in (written to eDRAM) that long after it is sent, plus the write.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-inj-'));
    try {
      const file = path.join(dir, 'trace.csv');
      await simulate(arch, net, choices, { images: 1, traceFile: file });
      const rows = fs.readFileSync(file, 'utf8').split('\n').map((line) => line.split(','));
      const copy = rows.find((c) => c[0] === 'noc' && c[1] === 'blocks.0.norm1' && c[4] === '0' && (c[9] ?? '').startsWith(`"to tile ${vTile}:`));
      const write = (16 * 768 * 8) / (arch.tile.edram.accessBits * arch.tile.edram.accessesPerCycle);
      const simulated = Number(copy?.[6]) - Number(copy?.[5]);
      expect(simulated).toBeGreaterThanOrEqual(byHand);
      expect(simulated).toBeLessThanOrEqual(byHand + write + 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GPT-2, 16 tokens per row: lone latency within 10% of the simulator at preset settings', async () => {
    const model = evaluateModel(prepareModel(arch, net), choices);
    const sim = await simulate(arch, net, choices, { images: 1 });
    // One copy per row charged: model 2,611,902 cycles, simulated 3,033,524 (-13.9%).
    expect(Math.abs(model.latencyCycles / sim.latencyCycles - 1)).toBeLessThan(0.1);
  });
});
