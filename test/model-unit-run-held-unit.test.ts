/**
 * A unit run member's held unit (docs/hardware-model.md rule 7, "Grants in the lone image"; lone-grants.ts
 * heldMemberRowEnd, unit-run-schedule.ts): once a row of a run member is held to its grants, its unit is held too (rule
 * 5: a unit starts no row job while a send of it waits, and it has read one job ahead), as holdForGrants holds a lone
 * layer's. Before s82 the run held a member's rows to their grants as they were made (s77's heldRowEnd), and
 * holdForGrants after the run found them already held, saw none move, and left the later rows' ends.
 */
import { scheduleMembers, scheduleTwo } from '../optimizer/model/unit-run-schedule';
import { indexGrants } from '../optimizer/model/unit-run';
import { memberArrays, newUnitRunScratch, resetMemberSchedule } from '../optimizer/model/unit-run-scratch';
import type { LoneGrants } from '../optimizer/model/lone-grants';
import type { DigitalQueues, UnitRunScratch } from '../optimizer/model/types';
import type { InputBurst } from '../optimizer/model/input-burst';

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
    resetMemberSchedule(s, j, j === 0 ? 0 : -1);
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

describe("a held run member whose rows also wait the input's burst (input-burst.ts)", () => {
  // The run above with both members reading at a port the network input floods (inputBurstWaitCycles: the backlog
  // when a row asks, ask = its ready + 10, is peak x ask / 350 until the burst's end at 350, then peak - drain x
  // (ask - 350); less the overlap of its previous row with its arrival, at most hide). a: peak 700, drain 0.3, hide
  // 30; b: peak 400, drain 0.5, hide 0. By hand, in the order the unit serves them:
  // a0: ready 0, waits 700 x 10 / 350 = 20: reaches the unit at 120, ends 170.
  // b0: input a0 170, waits 400 x 180 / 350 = 205.71: 375.71; a1: ready 100, previous 170 (hides 30 of 220): 100 +
  //   100 + 190 = 390. b0 first: ends 385.71; a1 ends 440.
  // b1: input 440, waits 400 - 0.5 x 100 = 350: 790; a2: ready 200, waits 420 - 30: 690, ends 740, held to a0 +
  //   1,000 = 1,170 (its unit held from here). b1 ends 800.
  // a3: ready 300, previous 740, waits 620 - 30: 990 (held unit: a1 440 + lead, 540), ends 1,040, held to a1 + 1,000
  //   = 1,440. b2: input 1,170, no backlog left (400 - 0.5 x 830 < 0): ends 1,180.
  // a4: waits 682 - 30: 1,152, but its held unit starts it once a2 is sent: 1,170 + 100 = 1,270; ends 1,320 (also
  //   a2 + fixed 150). b3: input 1,440 (a5's arrival, a3 1,440 + 100 = 1,540, is later): ends 1,450; b4: input 1,320,
  //   paced after b3's arrival, 1,440: starts at 1,450, ends 1,460. a5 at 1,540: ends 1,590 (a3 + 150); b5 1,600.
  // Without the burst: the figures above (1,400 and 1,410).
  const burst: InputBurst = {
    peakCycles: Float64Array.from([700, 400]),
    burstEndCycles: Float64Array.from([350, 350]),
    drainPerCycle: Float64Array.from([0.3, 0.5]),
    hideCycles: Float64Array.from([30, 0]),
    askCycles: Float64Array.from([10, 10]),
    edramCycles: Float64Array.from([0, 0]),
  };
  const expected = {
    a: [170, 440, 1170, 1440, 1320, 1590],
    b: [170 + 205 + 5 / 7 + 10, 800, 1180, 1450, 1460, 1600],
  };
  const run = (two: boolean) => {
    const { s, finish, q, grants } = setUp();
    if (two) scheduleTwo(s, finish, q, 0, 0, 1, grants, burst);
    else scheduleMembers(s, finish, q, 0, 2, grants, burst);
    return { a: Array.from(finish.subarray(0, 6)), b: Array.from(finish.subarray(6)) };
  };
  test.each([
    ['scheduleMembers', false],
    ['scheduleTwo', true],
  ])('%s: the hand-worked rows', (_, two) => {
    const got = run(two);
    got.a.forEach((x, i) => expect(x).toBeCloseTo(expected.a[i] as number, 9));
    got.b.forEach((x, i) => expect(x).toBeCloseTo(expected.b[i] as number, 9));
  });
});
