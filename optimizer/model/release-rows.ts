/**
 * How many rows a reader must end before it lets go of a producer's rows, from its lowest-row table (`low[m]`: the
 * lowest input row it still holds after m output rows; every row is let go after its last). Shared by the lone-image
 * grants (lone-grants.ts) and the unit runs' grants (unit-run-schedule.ts).
 */

/** The fewest rows (>= 1) a reader with lowest-row table `low` of `rows` rows must end to let go of `released` rows. */
export function doneToRelease(low: Int32Array, rows: number, released: number): number {
  // low ascends: binary search.
  let lo = 1;
  let hi = rows;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if ((low[m] as number) >= released) hi = m;
    else lo = m + 1;
  }
  return lo;
}

/**
 * doneToRelease for an ascending `low`, searched on from `from` (at most the answer: the released rows only grow).
 * NOTE: written for speed: a step or two per look where the binary search took log2(rows).
 */
export function doneFrom(low: Int32Array, rows: number, released: number, from: number): number {
  let m = from;
  while (m < rows && (low[m] as number) < released) m++;
  return m;
}
