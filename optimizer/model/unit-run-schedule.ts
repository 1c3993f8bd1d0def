/**
 * The row-level list schedule of a run of layers sharing one digital unit (unit-run.ts sets the members' terms up):
 * the general one, and the same for two members with their state in locals (most runs: a residual add and the
 * LayerNorm after it, an activation and the pool after it).
 */
import type { DigitalQueues, UnitRunScratch } from './types';

/**
 * The list schedule of a run's members (their rows into `finish`, their arrivals into s.arrival): of the members'
 * next rows whose inputs are in, the one that reaches the unit first goes next (a tie to the earlier member).
 */
export function scheduleMembers(s: UnitRunScratch, finish: Float64Array, q: DigitalQueues, tile: number, count: number, rowsLeft: number): void {
  let left = rowsLeft;
  // NOTE: written for speed (every row of every run, every evaluation): per-member state in the scratch's arrays,
  // the earlier layers' queue searched on from the last served row (arrivals mostly ascend).
  const arrivals = q.arrival[tile];
  const ends = q.end[tile];
  const queuedJobs = q.length[tile] ?? 0;
  let cursor = 0;
  let lastServed = -Infinity;
  let busy = 0;
  // Grants hold a member's rows back until its readers in the run let rows go; off only if that stops every member.
  let gated = true;
  while (left > 0) {
    let best = -1;
    let bestArrival = Infinity;
    const before = left;
    for (let j = 0; j < count; j++) {
      const rows = s.rows[j] as number;
      let i = s.next[j] as number;
      if (i >= rows) continue;
      const ops = s.ops[j] as number;
      let arrival = s.candidate[j] as number;
      // NaN: not known yet. A member without a job of its own (fused into another's) ends its rows as their inputs come.
      while (arrival !== arrival) {
        const ready = readyCycles(s, finish, j, i);
        if (ready < 0) break;
        if (ops > 0) {
          // Its ops reach the unit when its inputs are in and its work before them, paced by its other terms, is done.
          arrival = ready + (s.lead[j] as number);
          const paced = (s.lastArrival[j] as number) + (s.paced[j] as number);
          if (paced > arrival) arrival = paced;
          const from = s.grantFrom[j] as number;
          const granted = gated && from > 0 && i > from ? grantCycles(s, finish, count, j, i) : 0;
          if (granted < 0) {
            arrival = NaN;
            break;
          }
          if (granted > arrival) arrival = granted;
          s.candidate[j] = arrival;
          break;
        }
        const next = (s.previous[j] as number) + (s.interval[j] as number);
        const end = ready + (s.fixed[j] as number);
        finish[(s.base[j] as number) + i] = s.previous[j] = end > next ? end : next;
        s.next[j] = ++i;
        left--;
        if (i >= rows) break;
      }
      if (arrival < bestArrival) (best = j), (bestArrival = arrival);
    }
    if (best < 0) {
      // The earliest member with rows left has its inputs: a follower then went on, else it is a candidate (or its
      // grant waits on a reader that waits on it: a window capped below its span).
      if (left === before) {
        if (!gated) throw new Error('scheduleUnitRun: no member of the run can go on');
        gated = false;
      }
      continue;
    }
    gated = true;
    const i = s.next[best] as number;
    // Served after the run's last job and the earlier layers' jobs that reached the unit first.
    let start = busy > bestArrival ? busy : bestArrival;
    if (arrivals !== undefined && ends !== undefined) {
      if (bestArrival < lastServed) cursor = 0;
      while (cursor < queuedJobs && (arrivals[cursor] as number) <= bestArrival) cursor++;
      if (cursor > 0 && (ends[cursor - 1] as number) > start) start = ends[cursor - 1] as number;
    }
    lastServed = bestArrival;
    busy = start + (s.ops[best] as number);
    const next = (s.previous[best] as number) + (s.interval[best] as number);
    const row = (s.base[best] as number) + i;
    finish[row] = s.previous[best] = busy > next ? busy : next;
    s.arrival[row] = bestArrival;
    s.lastArrival[best] = bestArrival;
    s.candidate[best] = NaN;
    s.next[best] = i + 1;
    left--;
  }
}

/**
 * scheduleMembers for two members, the second reading only the first among the run's rows (a residual add and the
 * LayerNorm after it, an activation and the pool after it). NOTE: written for speed, the same schedule with the two
 * members' state in locals.
 */
export function scheduleTwo(s: UnitRunScratch, finish: Float64Array, q: DigitalQueues, tile: number, count: number, a: number, b: number): void {
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
  while (iA < rowsA || iB < rowsB) {
    let heldA = false;
    if (iA < rowsA && candidateA !== candidateA) {
      candidateA = (ready[baseA + iA] as number) + leadA;
      if (lastA + pacedA > candidateA) candidateA = lastA + pacedA;
      // a's row waits for its grant into b's slots (grantCycles; s.next[b] is b's rows done).
      const granted = grantFromA > 0 && iA > grantFromA ? grantCycles(s, finish, count, a, iA) : 0;
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
        if (lastB + pacedB > candidateB) candidateB = lastB + pacedB;
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
      arrivalOut[baseA + iA++] = lastA = arrival;
      candidateA = NaN;
    } else {
      busy = start + opsB;
      const next = previousB + intervalB;
      finish[baseB + iB] = previousB = busy > next ? busy : next;
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

/** When member j's row i has its inputs in its tile, or -1 while a member it reads has not made the row yet. */
function readyCycles(s: UnitRunScratch, finish: Float64Array, j: number, i: number): number {
  let ready = s.ready[(s.base[j] as number) + i] as number;
  const end = s.inputStart[j + 1] as number;
  for (let k = s.inputStart[j] as number; k < end; k++) {
    const needed = (s.need[k] as Int32Array)[i] as number;
    if (needed >= (s.next[s.producer[k] as number] as number)) return -1;
    const arrived = finish[(s.source[k] as number) + needed] as number;
    if (arrived > ready) ready = arrived;
  }
  return ready;
}

/**
 * When member p's row i may reach the unit by the grants of its rows into the run's readers (docs/hardware-model.md
 * rule 7, "Grants in a run"): p starts row i once row i - 1 is granted a slot, so with S slots at a reader, once that
 * reader has let go of row i - S (its rows done so far read nothing below their next row's lowest input row).
 * 0: no reader in the run holds it back; -1: a reader must do more rows first.
 */
export function grantCycles(s: UnitRunScratch, finish: Float64Array, count: number, p: number, i: number): number {
  let at = 0;
  for (let j = 0; j < count; j++) {
    for (let k = s.inputStart[j] as number; k < (s.inputStart[j + 1] as number); k++) {
      const slots = s.slots[k] as number;
      if (s.producer[k] !== p || slots <= 0 || i - slots <= 0) continue;
      const done = doneToRelease(s.low[k] as Int32Array, s.rows[j] as number, i - slots);
      if (done > (s.next[j] as number)) return -1;
      const freed = finish[(s.base[j] as number) + done - 1] as number;
      if (freed > at) at = freed;
    }
  }
  return at;
}

/** The fewest rows (>= 1) a reader with lowest-row table `low` of `rows` rows must end to let go of `released` rows. */
function doneToRelease(low: Int32Array, rows: number, released: number): number {
  // After m rows the reader still holds rows from low[m] (all let go after its last); low ascends: binary search.
  let lo = 1;
  let hi = rows;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if ((low[m] as number) >= released) hi = m;
    else lo = m + 1;
  }
  return lo;
}
