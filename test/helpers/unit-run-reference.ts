/**
 * The unit run's list schedule as first written (s71's scheduleMembers, optimizer/model/unit-run-schedule.ts at
 * 4ef6dce): rows of members without a job made lazily, as a reader asks for them, through a recursion. Kept as the
 * reference the production schedule (rows of members without a job made as soon as their inputs are) and the
 * two-member path are compared against (test/model-unit-run-schedule.test.ts): the same rule, written another way.
 */
import { doneFrom, doneToRelease } from '../../optimizer/model/release-rows';
import type { DigitalQueues, UnitRunScratch } from '../../optimizer/model/types';

/**
 * The list schedule of a run's members (their rows into `finish`, their arrivals into s.arrival): of the members'
 * next rows whose inputs are in, the one that reaches the unit first goes next (a tie to the earlier member). A
 * member without a job (a crossbar layer, or a layer fused into another's job) makes its rows as they are asked for
 * (madeTo): they end as their inputs come, whatever the unit does.
 */
export function referenceSchedule(s: UnitRunScratch, finish: Float64Array, q: DigitalQueues, tile: number, count: number): void {
  // NOTE: written for speed (every row of every run, every evaluation): per-member state in the scratch's arrays,
  // held in locals; only the members with a job are looked at for the next row; the earlier layers' queue searched
  // on from the last served row.
  const arrivals = q.arrival[tile];
  const ends = q.end[tile];
  const queuedJobs = q.length[tile] ?? 0;
  const memberRows = s.rows;
  const nextRow = s.next;
  const memberOps = s.ops;
  const candidate = s.candidate;
  const waitOn = s.waitOn;
  const waitRow = s.waitRow;
  const grantWaitOn = s.grantWaitOn;
  const grantWaitRow = s.grantWaitRow;
  const previous = s.previous;
  const interval = s.interval;
  const base = s.base;
  const lastArrival = s.lastArrival;
  // The members with a job, the only ones the next row is chosen among.
  const jobs = s.jobs;
  let jobCount = 0;
  let left = 0;
  for (let j = 0; j < count; j++) {
    if ((memberOps[j] as number) <= 0) continue;
    jobs[jobCount++] = j;
    left += (memberRows[j] as number) - (nextRow[j] as number);
  }
  let cursor = 0;
  let lastServed = -Infinity;
  let busy = 0;
  // Grants hold a member's rows back until its readers in the run let rows go; off only if that stops every member.
  let gated = true;
  while (left > 0) {
    let best = -1;
    let bestArrival = Infinity;
    for (let m = 0; m < jobCount; m++) {
      const j = jobs[m] as number;
      const i = nextRow[j] as number;
      if (i >= (memberRows[j] as number)) continue;
      let arrival = candidate[j] as number;
      // NaN: not known yet.
      if (arrival !== arrival) {
        // Still waiting for the row it last found not made, or for the reader its grant last waited for: skipped
        // without a look at its inputs.
        const waited = waitOn[j] as number;
        if (waited >= 0 && (nextRow[waited] as number) <= (waitRow[j] as number)) continue;
        const reader = grantWaitOn[j] as number;
        if (gated && reader >= 0 && (nextRow[reader] as number) <= (grantWaitRow[j] as number)) continue;
        const ready = readyCycles(s, finish, j, i);
        if (ready < 0) continue;
        // Its ops reach the unit when its inputs are in and its work before them, paced by its other terms, is done.
        arrival = ready + (s.lead[j] as number);
        const paced = (lastArrival[j] as number) + (s.paced[j] as number);
        if (paced > arrival) arrival = paced;
        const from = s.grantFrom[j] as number;
        const granted = gated && from > 0 && i > from ? grantCycles(s, finish, j, i) : 0;
        if (granted < 0) continue;
        if (granted > arrival) arrival = granted;
        candidate[j] = arrival;
      }
      if (arrival < bestArrival) (best = j), (bestArrival = arrival);
    }
    if (best < 0) {
      // Every member with a job left waits for its grant on a reader that waits on it (a window capped below its
      // span): this once, no grant is charged.
      if (!gated) throw new Error('scheduleUnitRun: no member of the run can go on');
      gated = false;
      continue;
    }
    gated = true;
    const i = nextRow[best] as number;
    // Served after the run's last job and the earlier layers' jobs that reached the unit first.
    let start = busy > bestArrival ? busy : bestArrival;
    if (arrivals !== undefined && ends !== undefined) {
      // Arrivals interleave across the members: the search steps back as well as on from the last served row's.
      if (bestArrival < lastServed) while (cursor > 0 && (arrivals[cursor - 1] as number) > bestArrival) cursor--;
      while (cursor < queuedJobs && (arrivals[cursor] as number) <= bestArrival) cursor++;
      if (cursor > 0 && (ends[cursor - 1] as number) > start) start = ends[cursor - 1] as number;
    }
    lastServed = bestArrival;
    busy = start + (memberOps[best] as number);
    const next = (previous[best] as number) + (interval[best] as number);
    const row = (base[best] as number) + i;
    finish[row] = previous[best] = busy > next ? busy : next;
    s.arrival[row] = bestArrival;
    lastArrival[best] = bestArrival;
    candidate[best] = NaN;
    nextRow[best] = i + 1;
    left--;
  }
  // The rows of members without a job that no member with one has asked for (read after the run only).
  for (let j = 0; j < count; j++) {
    if ((memberOps[j] as number) <= 0 && !madeTo(s, finish, j, (memberRows[j] as number) - 1)) throw new Error('scheduleUnitRun: a member without a job cannot end its rows');
  }
}

/**
 * When member j's row i has its inputs in its tile, or -1 while a member it reads has not made the row yet: the
 * member with a job it waits for, and the row, noted in waitOn, waitRow (rows of a member without a job are made
 * here as they are asked for).
 */
function readyCycles(s: UnitRunScratch, finish: Float64Array, j: number, i: number): number {
  let ready = s.ready[(s.base[j] as number) + i] as number;
  const end = s.inputStart[j + 1] as number;
  for (let k = s.inputStart[j] as number; k < end; k++) {
    const needed = (s.need[k] as Int32Array)[i] as number;
    const producer = s.producer[k] as number;
    if (needed >= (s.next[producer] as number) && !madeTo(s, finish, producer, needed)) {
      const job = (s.ops[producer] as number) > 0;
      s.waitOn[j] = job ? producer : (s.waitOn[producer] as number);
      s.waitRow[j] = job ? needed : (s.waitRow[producer] as number);
      return -1;
    }
    const arrived = finish[(s.source[k] as number) + needed] as number;
    if (arrived > ready) ready = arrived;
  }
  return ready;
}

/**
 * Makes the rows of member p up to `row` when it has no job (its rows end as their inputs come); false when p has a
 * job and has not served the row, or an input of it is not made (its waitOn, waitRow: the member with a job waited for).
 */
function madeTo(s: UnitRunScratch, finish: Float64Array, p: number, row: number): boolean {
  if ((s.ops[p] as number) > 0) return row < (s.next[p] as number);
  let i = s.next[p] as number;
  while (i <= row) {
    const ready = readyCycles(s, finish, p, i);
    if (ready < 0) return false;
    const next = (s.previous[p] as number) + (s.interval[p] as number);
    const end = ready + (s.fixed[p] as number);
    finish[(s.base[p] as number) + i] = s.previous[p] = end > next ? end : next;
    s.next[p] = ++i;
  }
  return true;
}

/**
 * When member p's row i may reach the unit by the grants of its rows into the run's readers (docs/hardware-model.md
 * rule 7, "Grants in a run"): p starts row i once row i - 1 is granted a slot, so with S slots at a reader, once that
 * reader has let go of row i - S (its rows done so far read nothing below their next row's lowest input row).
 * 0: no reader in the run holds it back; -1: a reader must do more rows first (noted in grantWaitOn, grantWaitRow).
 */
function grantCycles(s: UnitRunScratch, finish: Float64Array, p: number, i: number): number {
  let at = 0;
  for (let g = s.grantStart[p] as number; g < (s.grantStart[p + 1] as number); g++) {
    const k = s.grantInput[g] as number;
    const j = s.grantReader[g] as number;
    const slots = s.slots[k] as number;
    if (i - slots <= 0) continue;
    const from = s.grantDone[g] as number;
    const done = from > 0 ? doneFrom(s.low[k] as Int32Array, s.rows[j] as number, i - slots, from) : doneToRelease(s.low[k] as Int32Array, s.rows[j] as number, i - slots);
    if (from > 0) s.grantDone[g] = done;
    if (done > (s.next[j] as number) && !madeTo(s, finish, j, done - 1)) {
      const job = (s.ops[j] as number) > 0;
      s.grantWaitOn[p] = job ? j : (s.waitOn[j] as number);
      s.grantWaitRow[p] = job ? done - 1 : (s.waitRow[j] as number);
      return -1;
    }
    const freed = finish[(s.base[j] as number) + done - 1] as number;
    if (freed > at) at = freed;
  }
  return at;
}
