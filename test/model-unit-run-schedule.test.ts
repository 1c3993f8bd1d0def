/**
 * The unit run's schedules (optimizer/model/unit-run-schedule.ts) against the reference (test/helpers/
 * unit-run-reference.ts: the same rule with the rows of members without a job made lazily, as readers ask for them):
 * scheduleMembers, which makes those rows as soon as their inputs are, and scheduleTwo, the two-member path with its
 * state in locals, must give the same rows' ends and arrivals, or fail the same way, on seeded random runs (members
 * with and without a job, fused members, several inputs, grants, an earlier queue at the unit) and on a run worked
 * by hand. A change to one schedule's rule without the others fails here.
 */
import seedrandom from 'seedrandom';
import { scheduleMembers, scheduleTwo } from '../optimizer/model/unit-run-schedule';
import { indexGrants } from '../optimizer/model/unit-run';
import { memberArrays, newUnitRunScratch, resetMemberSchedule } from '../optimizer/model/unit-run-scratch';
import type { DigitalQueues, UnitRunScratch } from '../optimizer/model/types';
import { referenceSchedule } from './helpers/unit-run-reference';

interface Member {
  rows: number;
  /** Row job ops (0: no job), the fixed time's part before them, row interval and arrival pace. */
  opsCycles: number;
  leadCycles: number;
  intervalCycles: number;
  pacedCycles: number;
  /** The member whose rows it has (fused into its job, reading it one for one), or -1. */
  aliasOf: number;
  /** Per row, when its inputs made before the run are in. */
  readyCycles: number[];
  inputs: { producer: number; need: number[]; low: number[]; slots: number }[];
}

interface Run {
  members: Member[];
  /** The unit's earlier jobs: arrivals and busy-until ends, both ascending. */
  queued: { arrival: number[]; end: number[] };
}

/** The run's scratch as scheduleUnitRun (optimizer/model/unit-run.ts) sets it up, and its row scratch. */
function setUp(run: Run): { s: UnitRunScratch; finish: Float64Array; q: DigitalQueues } {
  const s = newUnitRunScratch();
  const count = run.members.length;
  const inputs = run.members.reduce((n, m) => n + m.inputs.length, 0);
  Object.assign(s, memberArrays(count, Math.max(1, inputs)));
  const totalRows = run.members.reduce((n, m) => n + m.rows, 0);
  const finish = new Float64Array(totalRows).fill(-1);
  s.ready = new Float64Array(totalRows);
  s.arrival = new Float64Array(totalRows).fill(-1);
  let base = 0;
  let k = 0;
  run.members.forEach((m, j) => {
    s.rows[j] = m.rows;
    s.base[j] = base;
    s.ops[j] = m.opsCycles;
    s.lead[j] = m.leadCycles;
    s.fixed[j] = m.leadCycles + m.opsCycles;
    s.interval[j] = m.intervalCycles;
    s.paced[j] = m.pacedCycles;
    s.aliasOf[j] = m.aliasOf;
    s.inputStart[j] = k;
    m.readyCycles.forEach((t, i) => (s.ready[base + i] = t));
    for (const input of m.inputs) {
      s.producer[k] = input.producer;
      s.need[k] = Int32Array.from(input.need);
      s.low[k] = Int32Array.from(input.low);
      s.slots[k++] = input.slots;
    }
    base += m.rows;
    resetMemberSchedule(s, j, -1);
    if (m.aliasOf >= 0) s.next[j] = m.rows;
  });
  for (let i = 0; i < k; i++) s.source[i] = s.base[s.producer[i] as number] as number;
  s.inputStart[count] = k;
  indexGrants(s, count, k);
  const q = { arrival: [Float64Array.from(run.queued.arrival)], end: [Float64Array.from(run.queued.end)], length: [run.queued.arrival.length] } as unknown as DigitalQueues;
  return { s, finish, q };
}

type Outcome = { finish: number[]; arrival: number[] } | { error: string };

function outcome(run: Run, schedule: (s: UnitRunScratch, finish: Float64Array, q: DigitalQueues) => void): Outcome {
  const { s, finish, q } = setUp(run);
  try {
    schedule(s, finish, q);
  } catch (e) {
    return { error: (e as Error).message };
  }
  // A fused member's rows are its host's, copied after the schedule: not the schedule's to set.
  const rows = (pick: Float64Array): number[] => run.members.flatMap((m, j) => (m.aliasOf >= 0 ? [] : Array.from(pick.subarray(s.base[j] as number, (s.base[j] as number) + m.rows))));
  return { finish: rows(finish), arrival: rows(s.arrival) };
}

const general = (run: Run) => outcome(run, (s, finish, q) => scheduleMembers(s, finish, q, 0, run.members.length));
const reference = (run: Run) => outcome(run, (s, finish, q) => referenceSchedule(s, finish, q, 0, run.members.length));

/** Row i of a reader of `rows` rows reads rows need[i] - span .. need[i] of a producer of `producerRows` (ascending). */
function window(rng: () => number, rows: number, producerRows: number): { need: number[]; low: number[] } {
  const ahead = Math.floor(rng() * 3);
  const span = Math.floor(rng() * 4);
  const need: number[] = [];
  const low: number[] = [];
  for (let i = 0; i < rows; i++) {
    const last = Math.min(producerRows - 1, Math.floor(((i + 1) * producerRows) / rows) - 1 + ahead);
    need.push(Math.max(last, need[i - 1] ?? 0));
    low.push(Math.max(0, (need[i] as number) - span));
  }
  return { need, low };
}

function randomRun(seed: number, two: boolean): Run {
  const rng = seedrandom(`unit-run-${seed}`);
  const int = (n: number): number => Math.floor(rng() * n);
  const count = two ? 2 : 2 + int(5);
  const members: Member[] = [];
  for (let j = 0; j < count; j++) {
    const rows = 1 + int(24);
    // A member with a job: always in the two-member path, else mostly; the first always (a run starts at a job).
    const job = two || j === 0 || rng() < 0.6;
    let t = int(400);
    const readyCycles = Array.from({ length: rows }, () => (t += int(300)));
    const m: Member = {
      rows,
      opsCycles: job ? 1 + int(200) : 0,
      // Now and then a lead below 0 (a fixed time shorter than the ops), so no schedule may assume arrivals >= 0.
      leadCycles: int(3) === 0 ? 0 : int(8) === 0 ? -int(300) : int(500),
      intervalCycles: int(250),
      pacedCycles: int(250),
      aliasOf: -1,
      readyCycles,
      inputs: [],
    };
    const earlier = members.map((_, p) => p).filter((p) => (members[p] as Member).aliasOf < 0);
    // A layer fused into the job of the member before it, reading its rows one for one.
    const prior = members[j - 1];
    if (!two && !job && prior !== undefined && prior.aliasOf < 0 && prior.opsCycles > 0 && rng() < 0.2) {
      m.rows = prior.rows;
      m.readyCycles = m.readyCycles.slice(0, m.rows).concat(Array<number>(Math.max(0, m.rows - rows)).fill(t));
      m.aliasOf = j - 1;
      m.inputs.push({ producer: j - 1, need: Array.from({ length: m.rows }, (_, i) => i), low: Array.from({ length: m.rows }, (_, i) => i), slots: 0 });
      members.push(m);
      continue;
    }
    const reads = two ? (j === 1 ? 1 + int(2) : 0) : j === 0 ? 0 : int(3);
    for (let r = 0; r < reads && earlier.length > 0; r++) {
      const producer = two ? 0 : (earlier[int(earlier.length)] as number);
      const { need, low } = window(rng, m.rows, (members[producer] as Member).rows);
      m.inputs.push({ producer, need, low, slots: rng() < 0.4 ? 0 : 1 + int(6) });
    }
    members.push(m);
  }
  let at = 0;
  let busy = 0;
  const queued = { arrival: [] as number[], end: [] as number[] };
  if (rng() < 0.5) {
    for (let n = int(40); n > 0; n--) {
      at += int(600);
      busy = Math.max(busy, at) + 1 + int(150);
      queued.arrival.push(at);
      queued.end.push(busy);
    }
  }
  return { members, queued };
}

describe('the unit run schedules agree with the reference', () => {
  test('scheduleMembers on 600 seeded random runs', () => {
    let errors = 0;
    let jobless = 0;
    let fused = 0;
    for (let seed = 0; seed < 600; seed++) {
      const run = randomRun(seed, false);
      const expected = reference(run);
      expect({ seed, ...general(run) }).toEqual({ seed, ...expected });
      if ('error' in expected) errors++;
      if (run.members.some((m) => m.opsCycles <= 0 && m.aliasOf < 0)) jobless++;
      if (run.members.some((m) => m.aliasOf >= 0)) fused++;
    }
    // The draws cover members without a job and fused ones, and mostly runs that end.
    expect(jobless).toBeGreaterThan(300);
    expect(fused).toBeGreaterThan(30);
    expect(errors).toBeLessThan(60);
  });

  test('scheduleTwo and scheduleMembers on 400 seeded random two-member runs', () => {
    for (let seed = 0; seed < 400; seed++) {
      const run = randomRun(seed, true);
      const expected = reference(run);
      expect({ seed, ...general(run) }).toEqual({ seed, ...expected });
      if ('error' in expected) continue;
      expect({ seed, ...outcome(run, (s, finish, q) => scheduleTwo(s, finish, q, 0, 0, 1)) }).toEqual({ seed, ...expected });
    }
  });

  test('a run worked by hand: a job, a crossbar layer reading it, a job reading that', () => {
    // Member 0: a job of 10 cycles per row, 2 rows, inputs in at 0 and 100. Member 1 (no job, fixed 50): row i reads
    // member 0's row i. Member 2: a job of 10, lead 0, reading member 1's row i. Row intervals and paces 0, no grants.
    const run: Run = {
      members: [
        { rows: 2, opsCycles: 10, leadCycles: 0, intervalCycles: 0, pacedCycles: 0, aliasOf: -1, readyCycles: [0, 100], inputs: [] },
        { rows: 2, opsCycles: 0, leadCycles: 50, intervalCycles: 0, pacedCycles: 0, aliasOf: -1, readyCycles: [0, 0], inputs: [{ producer: 0, need: [0, 1], low: [0, 1], slots: 0 }] },
        { rows: 2, opsCycles: 10, leadCycles: 0, intervalCycles: 0, pacedCycles: 0, aliasOf: -1, readyCycles: [0, 0], inputs: [{ producer: 1, need: [0, 1], low: [0, 1], slots: 0 }] },
      ],
      queued: { arrival: [], end: [] },
    };
    // Member 0's rows reach the unit at 0 and 100, end at 10 and 110; member 1's end 50 later, at 60 and 160; member
    // 2's reach the unit then and end at 70 and 170.
    const expected = { finish: [10, 110, 60, 160, 70, 170], arrival: [0, 100, -1, -1, 60, 160] };
    expect(reference(run)).toEqual(expected);
    expect(general(run)).toEqual(expected);
  });
});
