/**
 * The scratch of the runs of layers sharing one digital unit (unit-run.ts), reused by every evaluation of a context.
 */
export function newUnitRunScratch(): UnitRunScratch {
  return { ...memberArrays(16, 32), need: [], low: [], ready: new Float64Array(0), arrival: new Float64Array(0) };
}

/**
 * Member j's schedule state at its run's start: no row scheduled, none held yet (`heldLayer`: its layer index when the
 * lone image's grants hold its sends, else -1). The one place unit-run.ts and the schedule's tests reset it.
 */
export function resetMemberSchedule(s: UnitRunScratch, j: number, heldLayer: number): void {
  s.next[j] = 0;
  s.previous[j] = 0;
  s.lastArrival[j] = -Infinity;
  s.candidate[j] = NaN;
  s.waitOn[j] = -1;
  s.grantWaitOn[j] = -1;
  s.heldLayer[j] = heldLayer;
  s.moved[j] = 0;
}

type MemberArrays = Omit<UnitRunScratch, 'need' | 'low' | 'ready' | 'arrival'>;

/** The per-member and per-input arrays for `members` members and `inputs` inputs made in the run. */
export function memberArrays(members: number, inputs: number): MemberArrays {
  const int = (): Int32Array => new Int32Array(members);
  const real = (): Float64Array => new Float64Array(members);
  return {
    layer: int(), aliasOf: int(), follows: int(), grantFrom: int(), jobs: int(), jobless: int(), waitOn: int(), waitRow: int(), grantWaitOn: int(), grantWaitRow: int(), heldLayer: new Int32Array(members).fill(-1), order: int(), rows: int(), base: int(), next: int(), inputStart: new Int32Array(members + 1),
    producer: new Int32Array(inputs), grantInput: new Int32Array(inputs), grantReader: new Int32Array(inputs), grantDone: new Int32Array(inputs), grantStart: new Int32Array(members + 1), source: new Int32Array(inputs), slots: new Int32Array(inputs),
    ops: real(), lead: real(), made: real(), moved: int(), fixed: real(), interval: real(), paced: real(), previous: real(), lastArrival: real(), candidate: real(),
  };
}

/** Per member of a run of layers sharing a digital unit (unit-run.ts; scratch of one evaluation, indexed by member). */
export interface UnitRunScratch {
  /** Its index in ctx.layers, its rows and their offset in the row scratch. */
  layer: Int32Array;
  /** The member whose rows it has (a layer fused into that member's job), or -1; the members scheduled, in order. */
  aliasOf: Int32Array;
  /** 1: a layer fused into the member it reads (a follower: no channel of its own), aliased to it unless held. */
  follows: Int32Array;
  order: Int32Array;
  rows: Int32Array;
  base: Int32Array;
  /** Its row job's ops in cycles (0: its ops are in a member's job), the part of its fixed time before them, its fixed time. */
  ops: Float64Array;
  lead: Float64Array;
  fixed: Float64Array;
  /** Its row interval and the pace of its rows' arrivals at the unit (latency-terms.ts). */
  interval: Float64Array;
  paced: Float64Array;
  /** Its next row to schedule, the previous row's end, its arrival, and the next row's arrival once known (NaN: not yet). */
  next: Int32Array;
  previous: Float64Array;
  lastArrival: Float64Array;
  candidate: Float64Array;
  /**
   * Its inputs made in the run, at inputStart[j] .. inputStart[j + 1]: the member that makes each, its rows' offset
   * in the row scratch, and the input row each output row needs.
   */
  inputStart: Int32Array;
  producer: Int32Array;
  source: Int32Array;
  need: Int32Array[];
  /**
   * Per input made in the run: the lowest row of it each output row reads, and the slots its producer's rows are
   * granted into at this reader (0: no grant rule here, the producer's rows are another member's).
   */
  low: Int32Array[];
  slots: Int32Array;
  /** Per member: the fewest slots its rows have at a reader in the run (0: none), below which no grant is looked up. */
  grantFrom: Int32Array;
  /** Per member p, at grantStart[p] .. grantStart[p + 1]: the inputs its rows are granted into and their readers. */
  grantStart: Int32Array;
  grantInput: Int32Array;
  grantReader: Int32Array;
  /**
   * Per grant (grantStart's index): the rows its reader must end found at the last look, where the next look searches
   * on (a member's rows are looked up in order, so the figure only grows); 0 where the reader's lowest-row table does
   * not ascend (the search then starts from row 1 each time).
   */
  grantDone: Int32Array;
  /** The members with a job, and those without one with rows left to make (scheduleMembers' lists). */
  jobs: Int32Array;
  jobless: Int32Array;
  /** Per member: the member whose row waitRow its next row last found not made (-1: none); skipped until it is. */
  waitOn: Int32Array;
  waitRow: Int32Array;
  /** Per member: the reader whose row grantWaitRow its next row's grant last found not done (-1: none). */
  grantWaitOn: Int32Array;
  grantWaitRow: Int32Array;
  /** Per member: its layer index when its rows are held to grants of the lone image (lone-grants.ts), else -1. */
  heldLayer: Int32Array;
  /**
   * Per held member: its last row's end before its grants (made, the unit's side) and whether a row of it was held
   * (1: its unit is held from then on, lone-grants.ts heldMemberRowEnd).
   */
  made: Float64Array;
  moved: Int32Array;
  /** Per row (the row scratch's layout): when a member's row has its inputs made before the run in its tile. */
  ready: Float64Array;
  /** Per row (the row scratch's layout): when a member's row reached the unit. */
  arrival: Float64Array;
}
