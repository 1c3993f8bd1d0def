/**
 * sendStarts (optimizer/model/injection.ts) searches each link's queue on from the last row's place: it must start
 * every copy where a bisection of the queue per row (busyUntil, digital-queue.ts) does, rows in any order, on seeded
 * random queues; and a row worked by hand.
 */
import seedrandom from 'seedrandom';
import { addRowJobs, busyUntil, newDigitalQueues, reservePending } from '../optimizer/model/digital-queue';
import { sendStarts } from '../optimizer/model/injection';
import type { DigitalQueues, InjectionScratch } from '../optimizer/model/types';

/** One stored tensor (sendsAs 0: slotPosition[1] is readSlots position 0) sent from `tiles`, `cycles` a copy. */
function scratch(tiles: number[], cycles: number[], queues: DigitalQueues): InjectionScratch {
  return {
    flowOffset: new Float64Array(0),
    sendStart: Int32Array.from([0, tiles.length]),
    sendTile: Int32Array.from(tiles),
    sendCycles: Float64Array.from(cycles),
    slotPosition: Int32Array.from([-1, 0]),
    sent: new Float64Array(0),
    queues,
    tileStamp: new Int32Array(0),
    stamp: 0,
    order: [],
    delays: new Float64Array(0),
    from: [],
  };
}

function queueJobs(q: DigitalQueues, tile: number, arrivals: number[], ops: number): void {
  reservePending(q, arrivals.length);
  arrivals.forEach((a, i) => (q.pending[i] = a));
  q.pendingCount = arrivals.length;
  q.jobTiles.length = 1;
  q.jobTiles[0] = tile;
  addRowJobs(q, ops);
}

/** sendStarts as first written: each row's place in the queue found by bisection. */
function reference(inj: InjectionScratch, ends: Float64Array, base: number, rows: number): number[] {
  const out = Array.from(ends.subarray(base, base + rows));
  const q = inj.queues;
  for (let j = 0; j < inj.sendTile.length; j++) {
    const tile = inj.sendTile[j] as number;
    const cycles = inj.sendCycles[j] as number;
    let free = 0;
    const arrivals: number[] = [];
    for (let i = 0; i < rows; i++) {
      const ready = ends[base + i] as number;
      const start = Math.max(ready, free, busyUntil(q, tile, ready));
      free = start + cycles;
      out[i] = Math.max(out[i] as number, start);
      arrivals.push(ready);
    }
    queueJobs(q, tile, arrivals, cycles);
  }
  return out;
}

describe('sendStarts', () => {
  test('by hand: a row behind a queued copy, the next after it', () => {
    const q = newDigitalQueues();
    // Tile 3's link: one copy arrived at 5, busy until 5 + 20 = 25.
    queueJobs(q, 3, [5], 20);
    const inj = scratch([3], [10], q);
    const ends = Float64Array.from([-1, 10, 12]);
    const out = new Float64Array(3);
    sendStarts(inj, 0, ends, 1, 2, out);
    // Row 0 is ready at 10, behind the copy until 25; row 1 at 12, behind row 0's copy until 35.
    expect(Array.from(out)).toEqual([0, 25, 35]);
  });

  test('300 seeded random queues and rows (in any order) against a bisection per row', () => {
    for (let seed = 0; seed < 300; seed++) {
      const rng = seedrandom(`send-starts-${seed}`);
      const int = (n: number): number => Math.floor(rng() * n);
      const tiles = Array.from({ length: 1 + int(3) }, () => int(4));
      const cycles = tiles.map(() => 1 + int(40));
      const rows = 1 + int(30);
      const base = int(5);
      const ends = new Float64Array(base + rows + int(3));
      let t = int(100);
      for (let i = 0; i < ends.length; i++) ends[i] = rng() < 0.2 ? int(2000) : (t += int(120));
      const queued = (): DigitalQueues => {
        const q = newDigitalQueues();
        const r = seedrandom(`send-starts-queue-${seed}`);
        for (let tile = 0; tile < 4; tile++) {
          let at = 0;
          if (r() < 0.3) continue;
          queueJobs(q, tile, Array.from({ length: Math.floor(r() * 40) }, () => (at += Math.floor(r() * 150))), 1 + Math.floor(r() * 60));
        }
        return q;
      };
      const expected = reference(scratch(tiles, cycles, queued()), ends, base, rows);
      const out = new Float64Array(ends.length);
      sendStarts(scratch(tiles, cycles, queued()), 0, ends, base, rows, out);
      expect({ seed, out: Array.from(out.subarray(base, base + rows)) }).toEqual({ seed, out: expected });
    }
  });
});
