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
import { rowFixedCycles, rowIntervalCycles, rowPacedCycles } from './latency';
import { addRowJobs, busyUntil, clearDigitalQueues, digitalRowJob, setPending, startRemainingLoad, takeRemainingLoad } from './digital-queue';
import { inputDelayCycles, prepareInjection, sendStarts } from './injection';
import type { LayerStage, ModelContext, TrafficLoads } from './types';

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
  for (const resolved of net.layers) {
    const l = ctx.layers[resolved.index];
    if (l === undefined) throw new Error(`referenceRowLatency: no model layer ${resolved.index}`);
    const fixed = rowFixedCycles(ctx, placement, mappings, choices, traffic, storedBits, l);

    const needs = resolved.inputIndices.map((_, k) => ownRowTables(resolved, k).need);
    // The row's digital ops (if any) and the tiles whose units they queue at.
    const ops = digitalRowJob(ctx, placement, l, q);
    const interval = rowIntervalCycles(l, stages[resolved.index], takeRemainingLoad(ctx, placement, l, q, ops));
    const paced = rowPacedCycles(l, stages[resolved.index]);
    const delays = resolved.inputIndices.map((_, k) => inputDelayCycles(ctx, placement, ctx.traffic, inj, l, k));
    const arrivals: number[] = [];
    const finish: number[] = [];
    for (let i = 0; i < resolved.outShape.height; i++) {
      // Output row i starts when every input row it needs is there ...
      let ready = 0;
      resolved.inputIndices.forEach((producer, k) => {
        const needed = needs[k]?.[i] ?? 0;
        // A row read on another tile is there a delay after it starts to leave its own.
        const delay = delays[k] ?? 0;
        const arrived = producer < 0 ? (needed + 1) * inputRowCycles : (delay > 0 ? rowSent : rowFinish).get(producer)?.[needed];
        if (arrived === undefined) throw new Error(`referenceRowLatency: layer ${resolved.index} reads ${producer} before it`);
        ready = Math.max(ready, producer < 0 ? arrived : arrived + delay);
      });
      // ... and ends a fixed time later, but no sooner than one row interval after the layer's previous row, nor
      // than its ops after the earlier layers' rows that reached its digital unit before it.
      const previous = i === 0 ? 0 : (finish[i - 1] as number);
      let end = Math.max(ready + fixed, previous + interval);
      if (ops > 0) {
        // Its ops reach the unit when its inputs are in and its work before them, paced by its other terms, is done.
        const arrival = Math.max(ready + fixed - ops, i === 0 ? -Infinity : (arrivals[i - 1] as number) + paced);
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
    rowFinish.set(resolved.index, finish);
    if (l.role === 'free') {
      // A free layer's rows are sent when the rows they are made of are.
      rowSent.set(
        resolved.index,
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
      rowSent.set(resolved.index, Array.from(sent));
    }
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
