/**
 * Probe (s91): a cheap search over a plan's layout (PlanChoices.skipCores) judged by the model's stage terms alone.
 *
 *   node dist/scripts/probe/layout-search.js NET SOURCE [SOURCE...]   SOURCE: rl:SEED | known
 */
import { performance } from 'node:perf_hooks';
import { evaluateModel } from '../../optimizer/model';
import { cachedMapping, fillStoredBits } from '../../optimizer/model/context';
import { routeTraffic } from '../../optimizer/model/traffic';
import { tileTimes } from '../../optimizer/model/tile-times';
import { stageTerms } from '../../optimizer/model/stages';
import { offChipBitsPerCycle } from '../../arch/timing';
import { bitsAt, type PlanChoices } from '../../arch/plan';
import { planPace } from '../../arch/pace';
import { newPlacementScratch } from '../../arch/placement';
import { placeWithPace, type PackingLoad } from '../../arch/pack-tiles';
import { layerCores } from '../../arch/chip-cores';
import type { LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { MappingError } from '../../errors';
import { CandidateEvaluator } from '../../optimizer/search/evaluator';
import { defaultSearchSettings, rlSearch } from '../../optimizer/search/rl-search';
import { setup } from '../search-study';
import { KNOWN_PLANS } from '../search-study/known-plans';

async function planOf(name: string, source: string, p: ReturnType<typeof setup>): Promise<PlanChoices> {
  if (source === 'known') {
    const k = KNOWN_PLANS[name]?.[0];
    if (k === undefined) throw new Error('no known plan');
    const c = await new CandidateEvaluator(p.ctx, p.oracle, p.settings).evaluate([...k.wbits], [...k.abits]);
    return { wbits: c.wbits, abits: c.abits, replicas: c.replicas, ...(c.productBits ? { productBits: c.productBits } : {}) };
  }
  const seed = Number(source.split(':')[1]);
  const settings = defaultSearchSettings(p.net, { seed });
  const evaluatorSettings = { ...p.settings, repairCost: settings.repairCost, repairPressure: settings.repairPressure };
  const res = await rlSearch(p.net, new CandidateEvaluator(p.ctx, p.oracle, evaluatorSettings), settings);
  const c = res.best;
  if (c === undefined) throw new Error('no plan');
  return { wbits: c.wbits, abits: c.abits, replicas: c.replicas, ...(c.productBits ? { productBits: c.productBits } : {}) };
}

/** Model stage terms of one walk (no latency, credit loop, port queue or packing choice). */
function stageMax(ctx: ReturnType<typeof setup>['ctx'], choices: PlanChoices, mappings: LayerCrossbarMapping[], placement: Placement, zCycles: number): number {
  const storedBits = fillStoredBits(ctx, placement.operandBits);
  const traffic = routeTraffic(ctx, placement, storedBits);
  const times = tileTimes(ctx, placement, mappings, choices, traffic, storedBits);
  const input = ctx.net.network.input;
  const offChip = (input.channels * input.height * input.width * (storedBits[0] as number)) / offChipBitsPerCycle(ctx.arch);
  const stages = stageTerms(ctx, placement, mappings, choices, traffic, times, offChip);
  let worst = 0;
  let excess = 0;
  for (const st of stages) {
    worst = Math.max(worst, st.stageCycles);
    if (st.stageCycles > zCycles) excess += (st.stageCycles - zCycles) ** 2;
  }
  // Lexicographic: the interval, then the squared excess of every stage over the target (moves on plateaus).
  return SMOOTH ? worst + 1e-9 * excess / zCycles : worst;
}
const SMOOTH = process.env['SMOOTH'] !== '0';

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'resnet50';
  const p = setup(name);
  const { ctx } = p;
  const ev = new CandidateEvaluator(p.ctx, p.oracle, p.settings);
  const mode = process.env['MODE'] ?? 'single';
  const LEVELS = Number(process.env['LEVELS'] ?? 6);
  for (const source of process.argv.slice(3)) {
    const plan = await planOf(name, source, p);
    const n = plan.replicas.length;
    const mappings = ctx.net.weightedIndices.map((_, pos) => cachedMapping(ctx, pos, bitsAt(plan.wbits, pos), bitsAt(plan.abits, pos)));
    const full = (c: PlanChoices): number => {
      try {
        return evaluateModel(ctx, c).bottleneckCycles;
      } catch (e) {
        if (e instanceof MappingError) return Infinity;
        throw e;
      }
    };
    let t = performance.now();
    const base = full(plan);
    for (let k = 0; k < 19; k++) full(plan);
    const fullMs = (performance.now() - t) / 20;
    process.stdout.write(`${name} ${source}: full ${base} cycles ${(1e9 / base).toFixed(1)} img/s (${fullMs.toFixed(2)} ms/eval); cores ${mappings.reduce((a, m, i) => a + layerCores(ctx.arch, m, plan.replicas[i] ?? 1), 0)} of ${p.settings.budgetCores}\n`);
    let bestOverall = base;
    let z = base;
    const scratch = newPlacementScratch(ctx.net, ctx.flow);
    let cheapEvals = 0;
    let fullEvals = 0;
    let walks = 0;
    const t0 = performance.now();
    let warm = new Array<number>(n).fill(0);
    for (let level = 0; level < LEVELS; level++) {
      const next = ev.nextStageBelow(plan.wbits, plan.abits, z);
      if (next === undefined) break;
      z = next;
      const replicas = plan.replicas.map((_, pos) => {
        for (let r = 1; r < 4096; r++) if (ev.computeCycles(pos, bitsAt(plan.wbits, pos), bitsAt(plan.abits, pos), r) <= z) return r;
        return 4096;
      });
      const cores = mappings.reduce((a, m, i) => a + layerCores(ctx.arch, m, replicas[i] ?? 1), 0);
      if (cores > p.settings.budgetCores) break;
      const choices: PlanChoices = { ...plan, replicas };
      const pace = planPace(ctx.arch, ctx.net, ctx.flow, mappings, replicas, scratch, plan.productBits);
      const cheap = (skips: readonly number[]): number => {
        cheapEvals++;
        walks++;
        const load: PackingLoad = { peakCycles: 0, deferred: 0, limitCycles: Infinity };
        try {
          return stageMax(ctx, choices, mappings, placeWithPace(ctx.arch, ctx.net, ctx.flow, mappings, replicas, { ...pace, windowRows: pace.windowRows.slice() }, scratch, false, load, skips), z);
        } catch (e) {
          if (e instanceof MappingError) return Infinity;
          throw e;
        }
      };
      const skips = process.env['WARM'] === '1' ? warm.slice() : new Array<number>(n).fill(0);
      if (process.env['S81'] === '1') {
        const names = ctx.net.weightedIndices.map((li) => ctx.net.layers[li]?.layer.name ?? '');
        const s81: Record<string, number> = { 'layer1.0.conv1': 2, 'layer1.0.conv2': 1, 'layer1.0.downsample': 1, 'layer1.1.conv2': 6, 'layer1.2.conv2': 2 };
        const sk = names.map((nm) => s81[nm] ?? 0);
        if (process.env['GEOM'] === '1') {
          const show = (sk: number[]): string => {
            const pl = placeWithPace(ctx.arch, ctx.net, ctx.flow, mappings, replicas, { ...pace, windowRows: pace.windowRows.slice() }, scratch, false, { peakCycles: 0, deferred: 0, limitCycles: Infinity }, sk);
            return pl.weighted.slice(0, 22).map((w, i) => `${i}:${w.firstCore}+${w.cores}[${w.tiles.join(',')}]`).join(' ');
          };
          process.stdout.write(`  packed: ${show(new Array<number>(n).fill(0))}\n  s81:    ${show(sk)}\n`);
          const res = evaluateModel(ctx, { ...choices, skipCores: sk });
          const top = [...res.layers].sort((a, b) => b.stageCycles - a.stageCycles).slice(0, 6).map((l) => `${l.name}:${l.stageCycles.toFixed(0)}:${l.boundBy}`);
          const res0 = evaluateModel(ctx, choices);
          const top0 = [...res0.layers].sort((a, b) => b.stageCycles - a.stageCycles).slice(0, 6).map((l) => `${l.name}:${l.stageCycles.toFixed(0)}:${l.boundBy}`);
          process.stdout.write(`  top s81 ${top.join(' ')}\n  top packed ${top0.join(' ')}\n`);
        }
        process.stdout.write(`  s81 layout at Z ${z}: cheap ${cheap(sk)} full ${full({ ...choices, skipCores: sk })}; order ${names.slice(0, 12).join(' ')}\n`);
      }
      const zeroFull = full(choices);
      fullEvals++;
      let best = cheap(skips);
      if (best === Infinity) {
        skips.fill(0);
        best = cheap(skips);
      }
      const done = (): boolean => best <= z * (1 + 1e-9);
      const startCheap = best;
      const tryMove = (changes: Array<[number, number]>): boolean => {
        const old = changes.map(([i]) => skips[i] as number);
        for (const [i, v] of changes) skips[i] = v;
        const c = cheap(skips);
        if (c < best) {
          best = c;
          return true;
        }
        changes.forEach(([i], k) => (skips[i] = old[k] as number));
        return false;
      };
      const W = Number(process.env['W'] ?? 4);
      const cpt = ctx.arch.tile.cores;
      const placeOf = (sk: readonly number[]): Placement | undefined => {
        try {
          walks++;
          return placeWithPace(ctx.arch, ctx.net, ctx.flow, mappings, replicas, { ...pace, windowRows: pace.windowRows.slice() }, scratch, false, { peakCycles: 0, deferred: 0, limitCycles: Infinity }, sk);
        } catch (e) {
          if (e instanceof MappingError) return undefined;
          throw e;
        }
      };
      /** Skips of layer i that align its start or its end to a tile boundary, from placement pl (frontier = start - skip). */
      const options = (pl: Placement, sk: readonly number[], i: number): number[] => {
        const w = pl.weighted[i];
        if (w === undefined) return [0];
        const frontier = w.firstCore - (sk[i] ?? 0);
        const set = new Set<number>([0, (cpt - (frontier % cpt)) % cpt, (cpt - ((frontier + w.cores) % cpt)) % cpt]);
        if (process.env['ALLOPT'] === '1') for (let v = 0; v < cpt; v++) set.add(v);
        return [...set];
      };
      for (let round = 0; round < 30 && !done(); round++) {
        let improved = false;
        for (let i = 1; i < n && !done(); i++) {
          const pl = placeOf(skips);
          if (pl === undefined) break;
          for (const a of options(pl, skips, i)) {
            if (done()) break;
            const old = skips[i] as number;
            skips[i] = a;
            const pa = placeOf(skips);
            if (a !== old && pa !== undefined) {
              cheapEvals++;
              const c = stageMax(ctx, choices, mappings, pa, z);
              if (c < best) {
                best = c;
                improved = true;
                continue;
              }
            }
            if (mode === 'pairs' && pa !== undefined) {
              let found = false;
              for (let j = i + 1; j < Math.min(n, i + 1 + W) && !found; j++) {
                for (const b of options(pa, skips, j)) {
                  if (b === skips[j]) continue;
                  if (tryMove([[j, b]])) {
                    found = true;
                    improved = true;
                    break;
                  }
                }
              }
              if (found) continue;
            }
            skips[i] = old;
          }
        }
        if (!improved) break;
      }
      warm = skips.slice();
      const after = full({ ...choices, skipCores: skips });
      fullEvals++;
      bestOverall = Math.min(bestOverall, after, zeroFull);
      process.stdout.write(
        `  Z ${z}: cores ${cores}; packed full ${zeroFull} cheap ${startCheap}; layout cheap ${best} full ${after}; ${cheapEvals} cheap evals + ${walks} walks so far, ${((performance.now() - t0) / 1000).toFixed(2)} s; skips ${skips.join(' ')}\n`,
      );
    }
    const s = (performance.now() - t0) / 1000;
    {
      // Warm timing of the full model (same plan, repeated) and of one cheap evaluation at the packed layout.
      const tf = performance.now();
      for (let k = 0; k < 200; k++) full(plan);
      const warmFullMs = (performance.now() - tf) / 200;
      process.stdout.write(`  warm full eval ${warmFullMs.toFixed(3)} ms; search ${s.toFixed(2)} s = ${((s * 1000) / warmFullMs).toFixed(0)} warm full evals\n`);
    }
    process.stdout.write(`  best ${bestOverall} (${(1e9 / bestOverall).toFixed(1)} img/s, ${((base / bestOverall - 1) * 100).toFixed(1)}%); ${cheapEvals} cheap + ${fullEvals} full evals, ${s.toFixed(1)} s = ${((s * 1000) / fullMs).toFixed(0)} full evals\n`);
  }
}

void main();
