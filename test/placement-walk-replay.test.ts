/**
 * reliefPackings' fast path (arch/placement.ts PackingLog): on the chips with 1/2 and 1/4 as fast digital units it
 * plays the ladder's packing walks again instead of walking, when no load check would come out otherwise. Against
 * the walks themselves (placementCandidates without the log), on seeded random plans: the same packings, field by
 * field, and the fast path taken on some of them (a played walk returns the ladder's own placement object).
 */
import seedrandom from 'seedrandom';
import { presetArch } from '../arch/presets';
import { applySetOverrides } from '../arch/overrides';
import { packingLadder, reliefPackings } from '../arch/packing-choice';
import { lastLadder, placementCandidates, type Placement } from '../arch/placement';
import type { ArchSpec } from '../arch/types';
import { bitsAt } from '../arch/plan';
import { MappingError } from '../errors';
import { cachedMapping } from '../optimizer/model/context';
import { prepareModel } from '../optimizer/model';
import { zoo } from './helpers/model-fixtures';

/** Everything a packing offers the model, as plain data (scratch-shared arrays included, by value). */
function fields(p: Placement): unknown {
  return JSON.stringify(p, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v));
}

/** placementCandidates' packings, or the MappingError's message. */
function offered(run: () => Placement[]): { packings: Placement[]; text: string } {
  try {
    const packings = run();
    return { packings, text: JSON.stringify(packings.map(fields)) };
  } catch (error) {
    if (!(error instanceof MappingError)) throw error;
    return { packings: [], text: `MappingError: ${error.message}` };
  }
}

interface Case {
  arch: ArchSpec;
  network: string;
}

const cases: Case[] = [
  { arch: presetArch('puma'), network: 'resnet50' },
  { arch: applySetOverrides(presetArch('isaac'), ['tile.edram.capacityKb=256']), network: 'resnet18' },
  { arch: applySetOverrides(presetArch('isaac'), ['chip.tiles=400']), network: 'mobilenetv2' },
];

describe('placement walk replay (reliefPackings fast path)', () => {
  it.each(cases.map((c) => [c.network, c] as const))('%s: the played walks give the walked packings', (_name, c) => {
    const net = zoo(c.network);
    const ctx = prepareModel(c.arch, net);
    const n = net.weightedIndices.length;
    const rng = seedrandom(`walk-replay-${c.network}`);
    let played = 0;
    let compared = 0;
    for (let trial = 0; trial < 40; trial++) {
      const wbits = Array.from({ length: n }, () => 2 + Math.floor(rng() * 7));
      const abits = Array.from({ length: n }, () => 2 + Math.floor(rng() * 7));
      const replicas = Array.from({ length: n }, () => (rng() < 0.3 ? 1 + Math.floor(rng() * 6) : 1));
      const mappings = net.weightedIndices.map((_, pos) => cachedMapping(ctx, pos, bitsAt(wbits, pos), bitsAt(abits, pos)));
      let ladder: Placement[];
      try {
        ladder = packingLadder(c.arch, net, ctx.flow, mappings, replicas, ctx.placement);
      } catch (error) {
        if (!(error instanceof MappingError)) throw error;
        continue;
      }
      const log = lastLadder.get(ctx.placement);
      expect(log).toBeDefined();
      if (log === undefined) continue;
      const recorded = new Set<Placement>();
      for (const records of log.walks.values()) for (const r of records) if (r.placement !== undefined) recorded.add(r.placement);
      const { digital } = c.arch.tile;
      for (const k of [1, 2, 3]) {
        const chip: ArchSpec = { ...c.arch, tile: { ...c.arch.tile, digital: { ...digital, opsPerCycle: digital.opsPerCycle / 2 ** k } } };
        const fast = offered(() => placementCandidates(chip, net, ctx.flow, mappings, replicas, ctx.placement, undefined, log.plan, { log, mode: 'replay', scale: 2 ** k }));
        const slow = offered(() => placementCandidates(chip, net, ctx.flow, mappings, replicas, ctx.placement, undefined, log.plan));
        expect(fast.text).toEqual(slow.text);
        compared++;
        if (fast.packings.some((p) => recorded.has(p))) played++;
      }
      // The whole relief, fast path against walks (the log dropped: reliefPackings then walks itself).
      lastLadder.set(ctx.placement, log);
      const fastRelief = [...reliefPackings(c.arch, net, ctx.flow, mappings, replicas, ctx.placement, ladder)].map(fields);
      lastLadder.delete(ctx.placement);
      const slowRelief = [...reliefPackings(c.arch, net, ctx.flow, mappings, replicas, ctx.placement, ladder)].map(fields);
      expect(fastRelief).toEqual(slowRelief);
    }
    expect(compared).toBeGreaterThan(20);
    expect(played).toBeGreaterThan(0);
  });
});
