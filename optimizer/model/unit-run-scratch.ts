/**
 * The scratch of the runs of layers sharing one digital unit (unit-run.ts), reused by every evaluation of a context.
 */
import type { UnitRunScratch } from './types';

export function newUnitRunScratch(): UnitRunScratch {
  return { ...memberArrays(16, 32), need: [], low: [], ready: new Float64Array(0), arrival: new Float64Array(0) };
}

type MemberArrays = Omit<UnitRunScratch, 'need' | 'low' | 'ready' | 'arrival'>;

/** The per-member and per-input arrays for `members` members and `inputs` inputs made in the run. */
export function memberArrays(members: number, inputs: number): MemberArrays {
  const int = (): Int32Array => new Int32Array(members);
  const real = (): Float64Array => new Float64Array(members);
  return {
    layer: int(), aliasOf: int(), grantFrom: int(), jobs: int(), jobless: int(), waitOn: int(), waitRow: int(), grantWaitOn: int(), grantWaitRow: int(), heldLayer: new Int32Array(members).fill(-1), order: int(), rows: int(), base: int(), next: int(), inputStart: new Int32Array(members + 1),
    producer: new Int32Array(inputs), grantInput: new Int32Array(inputs), grantReader: new Int32Array(inputs), grantDone: new Int32Array(inputs), grantStart: new Int32Array(members + 1), source: new Int32Array(inputs), slots: new Int32Array(inputs),
    ops: real(), lead: real(), made: real(), moved: int(), fixed: real(), interval: real(), paced: real(), previous: real(), lastArrival: real(), candidate: real(),
  };
}
