/**
 * A unit run member's held unit (docs/hardware-model.md rule 7, "Grants in the lone image"; lone-grants.ts
 * heldMemberRowEnd, unit-run-schedule.ts): once a row of a run member is held to its grants, its unit is held too (rule
 * 5: a unit starts no row job while a send of it waits, and it has read one job ahead), as holdForGrants holds a lone
 * layer's. Before s82 the run held a member's rows to their grants as they were made (s77's heldRowEnd), and
 * holdForGrants after the run found them already held, saw none move, and left the later rows' ends.
 */
import { scheduleMembers, scheduleTwo } from '../optimizer/model/unit-run-schedule';
import { indexGrants } from '../optimizer/model/unit-run';
import { memberArrays, newUnitRunScratch } from '../optimizer/model/unit-run-scratch';
import type { LoneGrants } from '../optimizer/model/lone-grants';
import type { DigitalQueues, UnitRunScratch } from '../optimizer/model/types';

/**
 * Two members with a job on one unit. Member a (layer 0, the sender): 6 rows, inputs in at 100 i, a lead of 100 and
 * 50 cycles of ops (fixed time 150), pace 100, no row interval; one grant (chain 1,000) holds its row 2 to row 0's
 * send and row 3 to row 1's (lone-grants.ts's hand case, holdForGrants). Member b (layer 1): row i reads a's row i,
 * 10 cycles of ops, no lead, pace or interval, no grant into it.
 */
function setUp(): { s: UnitRunScratch; finish: Float64Array; q: DigitalQueues; grants: LoneGrants } {
  const s = newUnitRunScratch();
  Object.assign(s, memberArrays(2, 1));
  const rows = 6;
  const finish = new Float64Array(2 * rows).fill(-1);
  s.ready = new Float64Array(2 * rows);
  s.arrival = new Float64Array(2 * rows).fill(-1);
  const member = (j: number, ops: number, lead: number, paced: number): void => {
    s.layer[j] = j;
    s.rows[j] = rows;
    s.base[j] = j * rows;
    s.ops[j] = ops;
    s.lead[j] = lead;
    s.fixed[j] = lead + ops;
    s.interval[j] = 0;
    s.paced[j] = paced;
    s.aliasOf[j] = -1;
    s.next[j] = 0;
    s.previous[j] = 0;
    s.lastArrival[j] = -Infinity;
    s.candidate[j] = NaN;
    s.waitOn[j] = -1;
    s.grantWaitOn[j] = -1;
    s.heldLayer[j] = j === 0 ? 0 : -1;
  };
  member(0, 50, 100, 100);
  member(1, 10, 0, 0);
  for (let i = 0; i < rows; i++) s.ready[i] = 100 * i;
  s.inputStart[0] = 0;
  s.inputStart[1] = 0;
  s.inputStart[2] = 1;
  s.producer[0] = 0;
  s.source[0] = 0;
  s.need[0] = Int32Array.from({ length: rows }, (_, i) => i);
  s.low[0] = Int32Array.from({ length: rows }, (_, i) => i);
  s.slots[0] = 0;
  indexGrants(s, 2, 1);
  const q = { arrival: [new Float64Array(0)], end: [new Float64Array(0)], length: [0] } as unknown as DigitalQueues;
  const grants: LoneGrants = {
    held: Int32Array.from([1, 0]),
    first: Int32Array.from([0, -1]),
    next: Int32Array.from([-1]),
    on: [Int32Array.from([-1, -1, 0, 1, -1, -1])],
    chainCycles: Float64Array.from([1000]),
    lagRows: Int32Array.from([2]),
    readerLayer: Int32Array.from([-1]),
    readerRows: [undefined],
    count: 1,
  };
  return { s, finish, q, grants };
}

describe("a unit run member's held unit", () => {
  // By hand. a's rows reach the unit at 100 (i + 1) and end 50 later: 150, 250, 350, 450; row 2 is held to row 0's
  // end + 1,000 = 1,150 and row 3 to row 1's, 1,250. Its unit then starts row 4 once row 2 is sent, 1,150: the row
  // reaches the unit its lead later, 1,250, and ends at 1,300 (main: 550, at its own pace); row 5 reaches it at
  // max(600, row 4's arrival + pace = 1,350, row 3 sent + lead = 1,350) and ends at 1,400 (main: 650). (Rows made at
  // 0, ..., 500, as in the review's note, give 1,150 and 1,250: the same rule, 150 cycles earlier.) Meanwhile b's rows
  // 2 and 3 (inputs at 1,150 and 1,250) take the unit: b2 at 1,150-1,160; b3 ties a4 at 1,250 and goes after it
  // (a tie to the earlier member), 1,300-1,310; b4 (input 1,300) 1,310-1,320, before a5; b5 1,400-1,410.
  const expected = {
    a: [150, 250, 1150, 1250, 1300, 1400],
    b: [160, 260, 1160, 1310, 1320, 1410],
    arrivalA: [100, 200, 300, 400, 1250, 1350],
    arrivalB: [150, 250, 1150, 1250, 1300, 1400],
  };
  const run = (schedule: (s: UnitRunScratch, finish: Float64Array, q: DigitalQueues, grants: LoneGrants) => void) => {
    const { s, finish, q, grants } = setUp();
    schedule(s, finish, q, grants);
    return { a: Array.from(finish.subarray(0, 6)), b: Array.from(finish.subarray(6)), arrivalA: Array.from(s.arrival.subarray(0, 6)), arrivalB: Array.from(s.arrival.subarray(6)) };
  };
  test('scheduleMembers: rows 4 and 5 wait for rows 2 and 3 to be sent', () => {
    expect(run((s, finish, q, grants) => scheduleMembers(s, finish, q, 0, 2, grants))).toEqual(expected);
  });
  test('scheduleTwo: the same schedule', () => {
    expect(run((s, finish, q, grants) => scheduleTwo(s, finish, q, 0, 0, 1, grants))).toEqual(expected);
  });
  test('a member without a job: its rows held as holdForGrants holds a lone layer', () => {
    // a as a crossbar layer in the run (no job: its rows end as their inputs come, 150 after them), b as before: a's
    // rows are 150, 250, 1,150, 1,250, then max(550, row 3 made 450 + 100, row 2 sent 1,150 + 150) = 1,300 and
    // max(650, 1,300 + 100, 1,250 + 150) = 1,400, holdForGrants's figures for the same rows (test/model-lone-grants).
    const got = run((s, finish, q, grants) => {
      s.ops[0] = 0;
      s.lead[0] = 150;
      indexGrants(s, 2, 1);
      scheduleMembers(s, finish, q, 0, 2, grants);
    });
    expect(got.a).toEqual([150, 250, 1150, 1250, 1300, 1400]);
    // b's rows each reach the unit as a's row ends and are served at once.
    expect(got.b).toEqual([160, 260, 1160, 1260, 1310, 1410]);
  });
});
