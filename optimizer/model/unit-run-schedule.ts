/**
 * The row-level list schedule of a run of layers sharing one digital unit (unit-run.ts sets the members' terms up):
 * the general one, and the same for two members with their state in locals (most runs: a residual add and the
 * LayerNorm after it, an activation and the pool after it).
 */
import { doneFrom, doneToRelease } from './release-rows';
import type { DigitalQueues, UnitRunScratch } from './types';
import { heldMemberRowEnd, heldUnitStart, type LoneGrants } from './lone-grants';
import { inputBurstWaitCycles, type InputBurst } from './input-burst';

/**
 * The list schedule of a run's members (their rows into `finish`, their arrivals into s.arrival): of the members'
 * next rows whose inputs are in, the one that reaches the unit first goes next (a tie to the earlier member). A
 * member without a job (a crossbar layer, or a layer fused into another's job) makes its rows as their inputs come:
 * they end as their inputs come, whatever the unit does. A member whose sent rows the lone image's grants hold
 * (s.heldLayer; lone-grants.ts) has each row held as it is made, so the members reading it read it held; once a row
 * of it was held its unit is held too (heldMemberRowEnd): a job's next row reaches the unit no sooner than its unit
 * may start it (heldUnitStart) plus its lead, so the other members' rows go first meanwhile.
 */
export function scheduleMembers(s: UnitRunScratch, finish: Float64Array, q: DigitalQueues, tile: number, count: number, grants?: LoneGrants, burst?: InputBurst): void {
  // NOTE: written for speed (every row of every run, every evaluation): per-member state in the scratch's arrays,
  // held in locals; only the members with a job are looked at for the next row; the earlier layers' queue searched
  // on from the last served row. A member without a job makes each row as soon as its inputs are made (after
  // every served row), so a member's row has its inputs when each member it reads has passed the row it needs: no
  // recursion through the members without a job (its rows' times do not depend on when they are made; a test pins
  // this schedule to the one that made them as asked for, test/helpers/unit-run-reference.ts).
  const arrivals = q.arrival[tile];
  const ends = q.end[tile];
  const queuedJobs = arrivals === undefined || ends === undefined ? 0 : (q.length[tile] ?? 0);
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
  const lead = s.lead;
  const pacedCycles = s.paced;
  const grantFrom = s.grantFrom;
  const readyIn = s.ready;
  const arrivalOut = s.arrival;
  const inputStart = s.inputStart;
  const need = s.need;
  const producer = s.producer;
  const source = s.source;
  const grantStart = s.grantStart;
  const grantInput = s.grantInput;
  const grantReader = s.grantReader;
  const grantDone = s.grantDone;
  const slotsAt = s.slots;
  const low = s.low;
  const heldLayer = s.heldLayer;
  const unitMade = s.made;
  const unitMoved = s.moved;
  // The members with a job, the only ones the next row is chosen among; those without, with rows left to make.
  const jobs = s.jobs;
  const jobless = s.jobless;
  let jobCount = 0;
  let joblessCount = 0;
  let left = 0;
  for (let j = 0; j < count; j++) {
    if ((memberOps[j] as number) > 0) {
      jobs[jobCount++] = j;
      left += (memberRows[j] as number) - (nextRow[j] as number);
    } else if ((nextRow[j] as number) < (memberRows[j] as number)) {
      jobless[joblessCount++] = j;
    }
  }
  const fixed = s.fixed;
  let cursor = 0;
  let lastServed = -Infinity;
  let busy = 0;
  // Grants hold a member's rows back until its readers in the run let rows go; off only if that stops every member.
  let gated = true;
  // The members without a job after this one may have rows to make (-1: any; count: none).
  let after = -1;
  for (;;) {
    if (joblessCount > 0 && (jobless[joblessCount - 1] as number) > after) {
      // Members read only earlier members, so one pass in member order makes every row that can be made; those
      // with rows left are kept, in order, at the start of the list.
      let kept = 0;
      for (let m = 0; m < joblessCount; m++) {
        const p = jobless[m] as number;
        const rows = memberRows[p] as number;
        let i = nextRow[p] as number;
        if (p > after) {
          const first = inputStart[p] as number;
          const end = inputStart[p + 1] as number;
          while (i < rows) {
            // Most looks find the next row's inputs not made: that alone is checked first.
            let k = first;
            while (k < end && ((need[k] as Int32Array)[i] as number) < (nextRow[producer[k] as number] as number)) k++;
            if (k < end) break;
            // It ends as its inputs come, paced by its row interval.
            const at = (base[p] as number) + i;
            let ready = readyIn[at] as number;
            for (k = first; k < end; k++) {
              const arrived = finish[(source[k] as number) + ((need[k] as Int32Array)[i] as number)] as number;
              if (arrived > ready) ready = arrived;
            }
            const next = (previous[p] as number) + (interval[p] as number);
            // A member reading at a port the network input floods waits there (input-burst.ts).
            const ends = ready + (fixed[p] as number) + (burst === undefined ? 0 : inputBurstWaitCycles(burst, s.layer[p] as number, ready, previous[p] as number));
            finish[at] = previous[p] = ends > next ? ends : next;
            if (grants !== undefined && (heldLayer[p] as number) >= 0) finish[at] = heldMemberRowEnd(grants, unitMade, unitMoved, p, heldLayer[p] as number, base[p] as number, finish, i, pacedCycles[p] as number, fixed[p] as number, finish[at] as number);
            nextRow[p] = ++i;
          }
        }
        if (i < rows) jobless[kept++] = p;
      }
      joblessCount = kept;
    }
    after = count;
    if (left <= 0) break;
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
        // When its inputs are in its tile: those made before the run, and its rows' inputs made in the run.
        let ready = readyIn[(base[j] as number) + i] as number;
        const end = inputStart[j + 1] as number;
        let made = true;
        for (let k = inputStart[j] as number; k < end; k++) {
          const needed = (need[k] as Int32Array)[i] as number;
          const p = producer[k] as number;
          if (needed >= (nextRow[p] as number)) {
            waitOn[j] = p;
            waitRow[j] = needed;
            made = false;
            break;
          }
          const arrived = finish[(source[k] as number) + needed] as number;
          if (arrived > ready) ready = arrived;
        }
        if (!made) continue;
        // Its ops reach the unit when its inputs are in and its work before them, paced by its other terms, is done.
        arrival = ready + (lead[j] as number);
        if (burst !== undefined) arrival += inputBurstWaitCycles(burst, s.layer[j] as number, ready, previous[j] as number);
        const paced = (lastArrival[j] as number) + (pacedCycles[j] as number);
        if (paced > arrival) arrival = paced;
        // A held unit starts the row only once its row HELD_AHEAD_ROWS back is sent (-Infinity: not held).
        const restart = heldUnitStart(unitMoved[j] as number, finish, base[j] as number, i) + (lead[j] as number);
        if (restart > arrival) arrival = restart;
        const from = grantFrom[j] as number;
        // Not held by a grant: 0 (arrivals not below it).
        let granted = 0;
        if (gated && from > 0 && i > from) {
          // Its grants (grantCycles, inline): row i goes once each reader has let row i - slots go.
          let held = false;
          const endGrant = grantStart[j + 1] as number;
          for (let g = grantStart[j] as number; g < endGrant; g++) {
            const k = grantInput[g] as number;
            const reader = grantReader[g] as number;
            const released = i - (slotsAt[k] as number);
            if (released <= 0) continue;
            const searched = grantDone[g] as number;
            const done = searched > 0 ? doneFrom(low[k] as Int32Array, memberRows[reader] as number, released, searched) : doneToRelease(low[k] as Int32Array, memberRows[reader] as number, released);
            if (searched > 0) grantDone[g] = done;
            if (done > (nextRow[reader] as number)) {
              grantWaitOn[j] = reader;
              grantWaitRow[j] = done - 1;
              held = true;
              break;
            }
            const freed = finish[(base[reader] as number) + done - 1] as number;
            if (freed > granted) granted = freed;
          }
          if (held) continue;
        }
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
    if (queuedJobs > 0) {
      // Arrivals interleave across the members: the search steps back as well as on from the last served row's.
      if (bestArrival < lastServed) while (cursor > 0 && ((arrivals as Float64Array)[cursor - 1] as number) > bestArrival) cursor--;
      while (cursor < queuedJobs && ((arrivals as Float64Array)[cursor] as number) <= bestArrival) cursor++;
      if (cursor > 0 && ((ends as Float64Array)[cursor - 1] as number) > start) start = (ends as Float64Array)[cursor - 1] as number;
    }
    lastServed = bestArrival;
    busy = start + (memberOps[best] as number);
    const next = (previous[best] as number) + (interval[best] as number);
    const row = (base[best] as number) + i;
    finish[row] = previous[best] = busy > next ? busy : next;
    if (grants !== undefined && (heldLayer[best] as number) >= 0) finish[row] = heldMemberRowEnd(grants, unitMade, unitMoved, best, heldLayer[best] as number, base[best] as number, finish, i, pacedCycles[best] as number, fixed[best] as number, finish[row] as number);
    arrivalOut[row] = bestArrival;
    lastArrival[best] = bestArrival;
    candidate[best] = NaN;
    nextRow[best] = i + 1;
    left--;
    // Only members after it can have new rows to make.
    after = best;
  }
  // The rows of members without a job are read after the run: all must be made.
  if (joblessCount > 0) throw new Error('scheduleUnitRun: a member without a job cannot end its rows');
}

/**
 * scheduleMembers for two members, the second reading only the first among the run's rows (a residual add and the
 * LayerNorm after it, an activation and the pool after it). NOTE: written for speed, the same schedule with the two
 * members' state in locals.
 */
export function scheduleTwo(s: UnitRunScratch, finish: Float64Array, q: DigitalQueues, tile: number, a: number, b: number, grants?: LoneGrants, burst?: InputBurst): void {
  const ready = s.ready;
  const arrivalOut = s.arrival;
  const baseA = s.base[a] as number;
  const rowsA = s.rows[a] as number;
  const opsA = s.ops[a] as number;
  const leadA = s.lead[a] as number;
  const pacedA = s.paced[a] as number;
  const intervalA = s.interval[a] as number;
  const baseB = s.base[b] as number;
  const rowsB = s.rows[b] as number;
  const opsB = s.ops[b] as number;
  const leadB = s.lead[b] as number;
  const pacedB = s.paced[b] as number;
  const intervalB = s.interval[b] as number;
  const firstInput = s.inputStart[b] as number;
  const endInput = s.inputStart[b + 1] as number;
  const arrivals = q.arrival[tile];
  const ends = q.end[tile];
  const queuedJobs = arrivals === undefined || ends === undefined ? 0 : (q.length[tile] ?? 0);
  let cursor = 0;
  let lastServed = -Infinity;
  let busy = 0;
  let iA = 0;
  let iB = 0;
  let previousA = 0;
  let previousB = 0;
  let lastA = -Infinity;
  let lastB = -Infinity;
  let candidateA = NaN;
  let candidateB = NaN;
  s.next[b] = 0;
  const grantFromA = s.grantFrom[a] as number;
  // Their sent rows held to the lone image's grants as they are made (lone-grants.ts), -1: not held.
  const heldLayerA = grants === undefined ? -1 : (s.heldLayer[a] as number);
  const heldLayerB = grants === undefined ? -1 : (s.heldLayer[b] as number);
  const moved = s.moved;
  const fixedA = s.fixed[a] as number;
  const fixedB = s.fixed[b] as number;
  while (iA < rowsA || iB < rowsB) {
    let heldA = false;
    if (iA < rowsA && candidateA !== candidateA) {
      candidateA = (ready[baseA + iA] as number) + leadA;
      if (burst !== undefined) candidateA += inputBurstWaitCycles(burst, s.layer[a] as number, ready[baseA + iA] as number, previousA);
      if (lastA + pacedA > candidateA) candidateA = lastA + pacedA;
      // Its held unit (scheduleMembers).
      const restart = heldUnitStart(moved[a] as number, finish, baseA, iA) + leadA;
      if (restart > candidateA) candidateA = restart;
      // a's row waits for its grant into b's slots (grantCycles; s.next[b] is b's rows done).
      const granted = grantFromA > 0 && iA > grantFromA ? grantCycles(s, finish, a, iA) : 0;
      if (granted > candidateA) candidateA = granted;
      if (granted < 0) heldA = true;
    }
    if (iB < rowsB && candidateB !== candidateB) {
      let inputs = ready[baseB + iB] as number;
      let made = true;
      for (let k = firstInput; k < endInput; k++) {
        const needed = (s.need[k] as Int32Array)[iB] as number;
        if (needed >= iA) {
          made = false;
          break;
        }
        const end = finish[baseA + needed] as number;
        if (end > inputs) inputs = end;
      }
      if (made) {
        candidateB = inputs + leadB;
        if (burst !== undefined) candidateB += inputBurstWaitCycles(burst, s.layer[b] as number, inputs, previousB);
        if (lastB + pacedB > candidateB) candidateB = lastB + pacedB;
        const restart = heldUnitStart(moved[b] as number, finish, baseB, iB) + leadB;
        if (restart > candidateB) candidateB = restart;
      }
    }
    // a's row goes first unless b's reached the unit before it (NaN: b's is not known yet), or it waits for b to let
    // rows go (but for b's row not made: a window capped below its span; the grant is then not charged).
    if (heldA && candidateB === candidateB) candidateA = NaN;
    const first = iA < rowsA && !(heldA && candidateB === candidateB) && !(candidateB < candidateA);
    const arrival = first ? candidateA : candidateB;
    let start = busy > arrival ? busy : arrival;
    if (queuedJobs > 0) {
      if (arrival < lastServed) cursor = 0;
      while (cursor < queuedJobs && ((arrivals as Float64Array)[cursor] as number) <= arrival) cursor++;
      if (cursor > 0 && ((ends as Float64Array)[cursor - 1] as number) > start) start = (ends as Float64Array)[cursor - 1] as number;
    }
    lastServed = arrival;
    if (first) {
      busy = start + opsA;
      const next = previousA + intervalA;
      finish[baseA + iA] = previousA = busy > next ? busy : next;
      if (grants !== undefined && heldLayerA >= 0) finish[baseA + iA] = heldMemberRowEnd(grants, s.made, moved, a, heldLayerA, baseA, finish, iA, pacedA, fixedA, finish[baseA + iA] as number);
      arrivalOut[baseA + iA++] = lastA = arrival;
      candidateA = NaN;
    } else {
      busy = start + opsB;
      const next = previousB + intervalB;
      finish[baseB + iB] = previousB = busy > next ? busy : next;
      if (grants !== undefined && heldLayerB >= 0) finish[baseB + iB] = heldMemberRowEnd(grants, s.made, moved, b, heldLayerB, baseB, finish, iB, pacedB, fixedB, finish[baseB + iB] as number);
      arrivalOut[baseB + iB++] = lastB = arrival;
      s.next[b] = iB;
      candidateB = NaN;
    }
  }
}

/** True when member j's inputs made in the run are all member p's rows. */
export function readsOnly(s: UnitRunScratch, j: number, p: number): boolean {
  for (let k = s.inputStart[j] as number; k < (s.inputStart[j + 1] as number); k++) if (s.producer[k] !== p) return false;
  return true;
}

/**
 * When member p's row i may reach the unit by the grants of its rows into the run's readers (docs/hardware-model.md
 * rule 7, "Grants in a run"): p starts row i once row i - 1 is granted a slot, so with S slots at a reader, once that
 * reader has let go of row i - S (its rows done so far read nothing below their next row's lowest input row).
 * 0: no reader in the run holds it back; -1: a reader must do more rows first (noted in grantWaitOn, grantWaitRow).
 */
export function grantCycles(s: UnitRunScratch, finish: Float64Array, p: number, i: number): number {
  let at = 0;
  for (let g = s.grantStart[p] as number; g < (s.grantStart[p + 1] as number); g++) {
    const k = s.grantInput[g] as number;
    const j = s.grantReader[g] as number;
    const slots = s.slots[k] as number;
    if (i - slots <= 0) continue;
    const from = s.grantDone[g] as number;
    const done = from > 0 ? doneFrom(s.low[k] as Int32Array, s.rows[j] as number, i - slots, from) : doneToRelease(s.low[k] as Int32Array, s.rows[j] as number, i - slots);
    if (from > 0) s.grantDone[g] = done;
    // Rows of a reader without a job are made as soon as their inputs are (scheduleMembers): not made yet, not made now.
    if (done > (s.next[j] as number)) {
      s.grantWaitOn[p] = j;
      s.grantWaitRow[p] = done - 1;
      return -1;
    }
    const freed = finish[(s.base[j] as number) + done - 1] as number;
    if (freed > at) at = freed;
  }
  return at;
}
