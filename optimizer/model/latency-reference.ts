/**
 * A plain reference of rowLatencyCycles (latency.ts), which is written for speed (every layer's rows in one flat
 * array, free layers that keep their producer's rows skipped, special loops for one- and two-input layers). This one
 * runs the same recurrence (docs/hardware-model.md rules 4 and 7) over every layer's own rows with one general loop,
 * the row tables taken from the dataflow and the sinks from the network; the per-layer terms (a row's fixed time and
 * its interval) are latency.ts's own, so each rule stays written once. test/model-latency-reference.test.ts compares
 * the two on the zoo. Not for the search loop.
 */
import type { PlanChoices } from '../../arch/plan';
import type { LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { ownRowTables } from '../../arch/dataflow';
import { offChipBitsPerCycle } from '../../arch/timing';
import { rowFixedCycles, rowIntervalCycles, rowPacedCycles } from './latency-terms';
import { addRowJobs, busyUntil, clearDigitalQueues, digitalRowJob, setPending, startRemainingLoad, takeRemainingLoad } from './digital-queue';
import { grantSlots, unitRunEnd } from './unit-run';
import { inputDelayCycles, prepareInjection, sendStarts } from './injection';
import { HELD_AHEAD_ROWS, loneGrants, type LoneGrants } from './lone-grants';
import { startRowTimes } from './row-times';
import { inputBurst, inputBurstWaitCycles, type InputBurst } from './input-burst';
import type { LayerStage, LayerStatic, LoneNocTerms, ModelContext, TrafficLoads } from './types';
import type { ResolvedLayer } from '../../workloads/types';

/** Finish time of every output row of every layer for one image, by layer index, and the image's latency. */
export interface ReferenceLatency {
  rowFinish: Map<number, number[]>;
  latencyCycles: number;
}

export function referenceRowLatency(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  stages: readonly LayerStage[],
  traffic: TrafficLoads,
  inputBits: number,
  storedBits: Float64Array,
): ReferenceLatency {
  const net = ctx.net;
  const input = net.network.input;
  // The network input streams in row by row over the off-chip link.
  const inputRowCycles = inputBits / input.height / offChipBitsPerCycle(ctx.arch);
  const rowFinish = new Map<number, number[]>();
  // When each row starts to leave its tiles (injection.ts), by layer index.
  const rowSent = new Map<number, number[]>();
  const q = ctx.digitalQueues;
  clearDigitalQueues(q);
  startRemainingLoad(q, ctx.tileScratch.digital, placement.tilesUsed);
  const inj = ctx.injection;
  prepareInjection(ctx, ctx.traffic, inj);
  // Channel credits (lone-grants.ts, its tables): a sent row waits for the reader row that lets it in, taken as the
  // sender's last row that reader row waits on plus the hops' least time.
  startRowTimes(ctx);
  const grants = loneGrants(ctx, placement, mappings, choices, traffic, storedBits);
  const lone = referenceLoneNocTerms(ctx, placement, stages);
  // The network input's writes landing at its tiles' ports ahead of their readers (input-burst.ts).
  const burst = inputBurst(ctx, placement, mappings, choices, stages, storedBits, lone, inputRowCycles);
  // Its sends (injection.ts) once a layer's rows are known, held to their grants.
  const record = (index: number, finish: number[]): void => {
    const resolved = net.layers[index] as ResolvedLayer;
    const l = ctx.layers[index] as LayerStatic;
    const needs = resolved.inputIndices.map((_, k) => ownRowTables(resolved, k).need);
    if (grants.held[index] !== 0) {
      // A held send holds the unit (lone-grants.ts holdForGrants): once a row is held, row i is made no sooner than
      // row i - HELD_AHEAD_ROWS is sent plus the row's fixed time, nor than the row before it plus its pace.
      const restart = rowFixedCycles(ctx, placement, mappings, choices, traffic, storedBits, l);
      const paced = rowPacedCycles(l, stages[index], lone, burst);
      let made = -Infinity;
      let moved = false;
      for (let i = 0; i < finish.length; i++) {
        let f = finish[i] as number;
        if (moved) f = Math.max(f, made + paced, i >= HELD_AHEAD_ROWS ? (finish[i - HELD_AHEAD_ROWS] as number) + restart : 0);
        made = f;
        for (let g = grants.first[index] as number; g >= 0; g = grants.next[g] as number) {
          const reader = grants.readerLayer[g] as number;
          const m = reader >= 0 ? ((grants.readerRows[g] as Int32Array)[i] as number) : -1;
          if (m >= 0) f = Math.max(f, rowFinish.get(reader)?.[m] ?? 0);
          const on = (grants.on[g] as Int32Array)[i] as number;
          if (reader < 0 && on >= 0 && on < i) f = Math.max(f, (finish[on] as number) + (grants.chainCycles[g] as number));
        }
        if (f > made) moved = true;
        finish[i] = f;
      }
    }
    rowFinish.set(index, finish);
    if (l.role === 'free') {
      // A free layer's rows are sent when the rows they are made of are.
      rowSent.set(
        index,
        finish.map((_, i) =>
          Math.max(0, ...resolved.inputIndices.map((producer, k) => {
            const needed = needs[k]?.[i] ?? 0;
            return producer < 0 ? (needed + 1) * inputRowCycles : (rowSent.get(producer)?.[needed] ?? 0);
          })),
        ),
      );
    } else {
      const sent = new Float64Array(finish.length);
      sendStarts(inj, l.sendsAs, Float64Array.from(finish), 0, finish.length, sent);
      rowSent.set(index, Array.from(sent));
    }
  };
  // When output row i of a layer has its inputs in its tiles (undefined: an input row is not made yet).
  const delays = new Map<number, number[]>();
  const readyAt = (index: number, i: number): number | undefined => {
    const resolved = net.layers[index] as ResolvedLayer;
    const l = ctx.layers[index] as LayerStatic;
    let inputDelays = delays.get(index);
    if (inputDelays === undefined) {
      inputDelays = resolved.inputIndices.map((_, k) => inputDelayCycles(ctx, placement, ctx.traffic, inj, l, k));
      delays.set(index, inputDelays);
    }
    let ready = 0;
    for (let k = 0; k < resolved.inputIndices.length; k++) {
      const producer = resolved.inputIndices[k] as number;
      const needed = ownRowTables(resolved, k).need[i] ?? 0;
      // A row read on another tile is there a delay after it starts to leave its own.
      const delay = inputDelays[k] ?? 0;
      const arrived = producer < 0 ? (needed + 1) * inputRowCycles : (delay > 0 ? rowSent : rowFinish).get(producer)?.[needed];
      if (arrived === undefined) return undefined;
      ready = Math.max(ready, producer < 0 ? arrived : arrived + delay);
    }
    return ready;
  };
  for (let n = 0; n < net.layers.length; n++) {
    const last = unitRunEnd(ctx, placement, n);
    if (last > n) {
      referenceUnitRun(ctx, placement, mappings, choices, stages, traffic, storedBits, n, last, readyAt, rowFinish, lone, grants, burst);
      for (let m = n; m <= last; m++) {
        // A free layer keeping its producer's rows (aliased) has them as they end after the run's holds (record): its
        // readers after the run read them so (ISAAC ResNet-50, seed 5: layer1.0.downsample.1's rows up to 85,432
        // cycles before its producer's, held after the run; the latency was the same).
        const rows = ctx.layers[m]?.aliased === true ? (rowFinish.get(m) ?? []).map((_, i) => readyAt(m, i) ?? NaN) : (rowFinish.get(m) ?? []);
        rowFinish.set(m, rows);
        record(m, rows);
      }
      n = last;
      continue;
    }
    const l = ctx.layers[n];
    const resolved = net.layers[n];
    if (l === undefined || resolved === undefined) throw new Error(`referenceRowLatency: no model layer ${n}`);
    const fixed = rowFixedCycles(ctx, placement, mappings, choices, traffic, storedBits, l);
    // The row's digital ops (if any) and the tiles whose units they queue at.
    const ops = digitalRowJob(ctx, placement, l, q);
    const interval = rowIntervalCycles(l, stages[n], takeRemainingLoad(ctx, placement, l, q, ops), lone, burst);
    const paced = rowPacedCycles(l, stages[n], lone, burst);
    const arrivals: number[] = [];
    const finish: number[] = [];
    for (let i = 0; i < resolved.outShape.height; i++) {
      // Output row i starts when every input row it needs is there ...
      const ready = readyAt(n, i);
      if (ready === undefined) throw new Error(`referenceRowLatency: layer ${n} reads a layer after it`);
      // ... and ends a fixed time later, but no sooner than one row interval after the layer's previous row, nor
      // than its ops after the earlier layers' rows that reached its digital unit before it.
      const previous = i === 0 ? 0 : (finish[i - 1] as number);
      // Its reads wait at a port the network input floods (input-burst.ts).
      const wait = inputBurstWaitCycles(burst, n, ready, previous);
      let end = Math.max(ready + fixed + wait, previous + interval);
      if (ops > 0) {
        // Its ops reach the unit when its inputs are in and its work before them, paced by its other terms, is done.
        const arrival = Math.max(ready + fixed + wait - ops, i === 0 ? -Infinity : (arrivals[i - 1] as number) + paced);
        end = Math.max(end, arrival + ops);
        for (const tile of q.jobTiles) end = Math.max(end, busyUntil(q, tile, arrival) + ops);
        arrivals.push(arrival);
      }
      finish.push(end);
    }
    if (ops > 0) {
      setPending(q, arrivals);
      addRowJobs(q, ops);
    }
    record(n, finish);
  }
  // The image is done when the last row of every layer no other layer reads is.
  const read = new Set(net.layers.flatMap((r) => r.inputIndices));
  let latency = 0;
  for (const r of net.layers) {
    if (read.has(r.index)) continue;
    const finish = rowFinish.get(r.index) ?? [];
    latency = Math.max(latency, finish[finish.length - 1] ?? 0);
  }
  return { rowFinish, latencyCycles: Math.ceil(latency) };
}

/**
 * Layers first..last sharing one digital unit (unit-run.ts's rule, written plainly): of the members' next rows whose
 * inputs are in, the one reaching the unit first (a tie to the earlier layer) is served next, after the run's last
 * job and the earlier layers' queued jobs that reached the unit first; a member without a job of its own (its ops in
 * another's, or none) ends its rows as their inputs come. Each member's row interval charges the unit with its own
 * ops and those of the layers after the run. Rows into rowFinish; the members' jobs into the queue.
 */
function referenceUnitRun(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  stages: readonly LayerStage[],
  traffic: TrafficLoads,
  storedBits: Float64Array,
  first: number,
  last: number,
  readyAt: (index: number, i: number) => number | undefined,
  rowFinish: Map<number, number[]>,
  lone: LoneNocTerms,
  grants: LoneGrants,
  burst: InputBurst,
): void {
  const q = ctx.digitalQueues;
  // finish: its rows as its readers see them, held to the lone image's grants as they are made (lone-grants.ts);
  // own: before the hold (its row interval runs from these); made: its last row's end before its grants, and moved:
  // a row of it was held, so its unit is held from then on (rule 5, as record() holds a lone layer's).
  interface Member { index: number; l: LayerStatic; ops: number; fixed: number; paced: number; load: number; interval: number; finish: number[]; own: number[]; arrivals: number[]; made: number; moved: boolean }
  const members: Member[] = [];
  let tile = -1;
  for (let m = first; m <= last; m++) {
    const l = ctx.layers[m] as LayerStatic;
    const ops = digitalRowJob(ctx, placement, l, q);
    if (ops > 0) tile = q.jobTiles[0] as number;
    const load = takeRemainingLoad(ctx, placement, l, q, ops);
    const member = { index: m, l, ops, fixed: rowFixedCycles(ctx, placement, mappings, choices, traffic, storedBits, l), paced: rowPacedCycles(l, stages[m], lone, burst), load, interval: 0, finish: [], own: [], arrivals: [], made: -Infinity, moved: false };
    members.push(member);
    rowFinish.set(m, member.finish);
  }
  const lastJob = members.filter((m) => m.ops > 0).at(-1);
  const afterRun = lastJob === undefined ? 0 : lastJob.load - lastJob.ops * lastJob.l.outRows;
  for (const m of members) m.interval = rowIntervalCycles(m.l, stages[m.index], m.ops > 0 ? m.ops * m.l.outRows + afterRun : 0, lone, burst);
  let busy = 0;
  const rows = (m: Member): number => ctx.net.layers[m.index]?.outShape.height ?? 0;
  // A member fused into another's job, reading its rows one for one, has that member's rows: no channel of its own.
  const follower = (r: Member): boolean => r.l.inHostJob && r.l.identityNeed && r.l.inputRowSources.length === 1 && members.some((p) => p !== r && p.l.rowSource === r.l.inputRowSources[0]);
  // Grants in a run (rule 7): member m's row i reaches the unit once row i - 1 has a slot at each reader in the run,
  // i.e. once that reader's rows done read nothing below row i - S; undefined while a reader must do more rows first.
  const grantAt = (m: Member, i: number): number | undefined => {
    let at = 0;
    for (const r of members) {
      if (r === m || r.l.aliased || follower(r)) continue;
      r.l.inputRowSources.forEach((source, k) => {
        const slots = source === m.l.rowSource && !follower(m) ? grantSlots(ctx, placement, storedBits, r.l, k, rows(m), placement.layerTiles[r.index]?.[0] ?? 0) : 0;
        if (at < 0 || slots <= 0 || i - slots <= 0) return;
        const low = r.l.lowRows[k] as Int32Array;
        let done = 1;
        while (done < rows(r) && (low[done] as number) < i - slots) done++;
        if (r.finish.length < done) at = -1;
        else at = Math.max(at, r.finish[done - 1] as number);
      });
    }
    return at < 0 ? undefined : at;
  };
  // When a held member's unit may start row i: once row i - HELD_AHEAD_ROWS is sent (-Infinity: not held).
  const unitStart = (m: Member, i: number): number => (m.moved && i >= HELD_AHEAD_ROWS ? (m.finish[i - HELD_AHEAD_ROWS] as number) : -Infinity);
  const push = (m: Member, end: number): void => {
    const i = m.own.length;
    m.own.push(end);
    // Its held unit: made no sooner than its last row made plus its pace, nor than its unit starts it plus its fixed time.
    const made = m.moved ? Math.max(end, m.made + m.paced, unitStart(m, i) + m.fixed) : end;
    m.made = made;
    let held = made;
    for (let g = grants.first[m.index] as number; g >= 0; g = grants.next[g] as number) {
      // A grant whose reader is made before the sender is held after the run (record), as lone-grants.ts heldRowEnd.
      if ((grants.readerLayer[g] as number) >= 0) continue;
      const on = (grants.on[g] as Int32Array)[i] as number;
      if (on >= 0 && on < i) held = Math.max(held, (m.finish[on] as number) + (grants.chainCycles[g] as number));
    }
    if (held > made) m.moved = true;
    m.finish.push(held);
  };
  let gated = true;
  while (members.some((m) => m.finish.length < rows(m))) {
    let best: Member | undefined;
    let bestArrival = Infinity;
    let progressed = false;
    for (const m of members) {
      const i = m.finish.length;
      if (i >= rows(m)) continue;
      const ready = readyAt(m.index, i);
      if (ready === undefined) continue;
      const previous = i === 0 ? 0 : (m.own[i - 1] as number);
      const wait = inputBurstWaitCycles(burst, m.index, ready, previous);
      if (m.ops <= 0) {
        push(m, Math.max(ready + m.fixed + wait, previous + m.interval));
        progressed = true;
        continue;
      }
      const granted = gated ? grantAt(m, i) : 0;
      if (granted === undefined) continue;
      const arrival = Math.max(ready + wait + (m.fixed - m.ops), i === 0 ? -Infinity : (m.arrivals[i - 1] as number) + m.paced, granted, unitStart(m, i) + (m.fixed - m.ops));
      if (arrival < bestArrival) (best = m), (bestArrival = arrival);
    }
    if (progressed) continue;
    if (best === undefined) {
      // Every member left waits for a reader that waits for it (a window capped below its span): no grant is charged.
      if (!gated) throw new Error('referenceUnitRun: no member of the run can go on');
      gated = false;
      continue;
    }
    gated = true;
    busy = Math.max(bestArrival, busy, busyUntil(q, tile, bestArrival)) + best.ops;
    const i = best.finish.length;
    push(best, Math.max(busy, (i === 0 ? 0 : (best.own[i - 1] as number)) + best.interval));
    best.arrivals.push(bestArrival);
  }
  for (const m of members) {
    if (m.ops <= 0) continue;
    q.jobTiles.length = 0;
    q.jobTiles.push(tile);
    setPending(q, m.arrivals);
    addRowJobs(q, m.ops);
  }
}

/**
 * Each layer's lone-image NoC terms (lone-sends.ts loneNocTerms) from the routed copies and a plain "waits for every
 * row of" relation. Outbound: the sum of its tiles' copies of tensors not made apart from it, the largest over its
 * tiles, where some copy is apart; else its stage's term. Mesh link: the largest, over the links on the paths of the
 * copies into its tiles, of the flits of the copies on that link not made apart from it.
 */
export function referenceLoneNocTerms(ctx: ModelContext, placement: Placement, stages: readonly LayerStage[]): LoneNocTerms {
  const ancestors = new Map<number, Set<number>>();
  const before = new Map<number, Set<number>>();
  for (const l of ctx.layers) {
    const a = new Set<number>();
    const b = new Set<number>();
    l.inputs.forEach((p, k) => {
      const producer = ctx.layers[p];
      if (producer === undefined) return;
      const theirs = ancestors.get(p) ?? new Set<number>();
      for (const x of theirs) a.add(x);
      a.add(p);
      // Row 0 needs the input's last row: every row of it and of its ancestors is made before.
      const whole = (l.needRows[k]?.[0] ?? 0) >= producer.outRows - 1;
      for (const x of whole ? [...theirs, p] : (before.get(p) ?? [])) b.add(x);
    });
    ancestors.set(l.index, a);
    before.set(l.index, b);
  }
  const apart = (x: number, y: number): boolean => (before.get(x)?.has(y) ?? false) || (before.get(y)?.has(x) ?? false);
  const s = ctx.traffic;
  const linkRate = ctx.arch.noc.linkFlitsPerCycle;
  // Every routed copy of this evaluation: its stored producer (-1: the input), tiles, links and flits per image.
  const copies: Array<{ producer: number; slot: number; from: number; to: number; links: number[]; flits: number }> = [];
  ctx.readSlots.forEach((slot, r) => {
    const rows = slot === 0 ? ctx.net.network.input.height : (ctx.layers[slot - 1]?.outRows ?? 0);
    for (let d = s.slotDeliveryStart[r] as number; d < (s.slotDeliveryStart[r + 1] as number); d++) {
      const f = s.deliveryFlow[d] as number;
      if (f < 0) continue;
      const first = s.flowLinkStart[f] as number;
      const links = s.flowLinks.slice(first, first + (s.flowHops[f] as number));
      copies.push({ producer: slot - 1, slot, from: s.flowFrom[f] as number, to: s.flowTo[f] as number, links, flits: rows * (s.flowRowFlits[f] as number) });
    }
  });
  const nocOut = ctx.layers.map((l) => {
    const stage = stages[l.index];
    if (stage === undefined) return 0;
    if (l.role === 'free') return stage.nocOutCycles;
    let anyApart = false;
    let best = 0;
    for (const t of placement.layerTiles[l.index] ?? []) {
      const sent = copies.filter((c) => c.from === t && c.producer >= 0);
      if (sent.some((c) => apart(l.index, c.producer))) anyApart = true;
      best = Math.max(best, sent.filter((c) => !apart(l.index, c.producer)).reduce((sum, c) => sum + c.flits / linkRate, 0));
    }
    return anyApart ? best : stage.nocOutCycles;
  });
  const meshLink = ctx.layers.map((l) => {
    const stage = stages[l.index];
    if (stage === undefined) return 0;
    if (l.role === 'free') return stage.meshLinkCycles;
    const tiles = placement.layerTiles[l.index] ?? [];
    let worst = 0;
    for (const c of copies) {
      if (!(ctx.flow.readers[c.slot] ?? []).includes(l.index) || !tiles.includes(c.to)) continue;
      for (const link of c.links) {
        const load = copies.filter((o) => o.links.includes(link) && !(o.producer >= 0 && apart(l.index, o.producer))).reduce((sum, o) => sum + o.flits, 0);
        worst = Math.max(worst, load / linkRate);
      }
    }
    return worst;
  });
  return { nocOut, meshLink };
}
