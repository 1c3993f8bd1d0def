import { Container, Environment, EventQueue, RecordFifo, Server, Slab } from '../sim/kernel';

describe('sim kernel: event queue', () => {
  it('pops in (time, seq) order, equal times first-scheduled-first', () => {
    const q = new EventQueue(2); // small, so it has to grow
    const times = [5, 3, 5, 3, 0, 5, 3, 12, 5];
    times.forEach((t, id) => q.push(t, id, id * 10, -id));
    const out: number[] = [];
    while (q.pop()) {
      expect(q.poppedA).toBe(q.poppedHandler * 10);
      out.push(q.poppedHandler);
    }
    // by hand: t0:[4]; t3:[1,3,6]; t5:[0,2,5,8]; t12:[7]
    expect(out).toEqual([4, 1, 3, 6, 0, 2, 5, 8, 7]);
  });

  it('keeps a stable order for 10k equal-time events (no string tie-breaks)', () => {
    const q = new EventQueue();
    for (let i = 0; i < 10000; i++) q.push(7, i, 0, 0);
    const out: number[] = [];
    while (q.pop()) out.push(q.poppedHandler);
    expect(out).toEqual(Array.from({ length: 10000 }, (_, i) => i));
  });

  it('matches a sort on random keys', () => {
    const q = new EventQueue();
    const keys: Array<[number, number]> = [];
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const t = x % 100;
      keys.push([t, i]);
      q.push(t, i, 0, 0);
    }
    keys.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const out: number[] = [];
    while (q.pop()) out.push(q.poppedHandler);
    expect(out).toEqual(keys.map((k) => k[1]));
  });
  it('interleaved with pops, same-cycle entries (the FIFO lane) keep the exact (time, seq) order', () => {
    // Reference: a plain list kept sorted on (time, seq). Delays are often 0, so entries for the current cycle land
    // in the lane while older entries for the same cycle wait in the heap.
    const q = new EventQueue(4);
    const reference: Array<[number, number]> = [];
    let x = 987654321;
    const rand = (m: number): number => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return (x >> 4) % m;
    };
    let now = 0;
    let seq = 0;
    const push = (): void => {
      const time = now + (rand(3) === 0 ? rand(20) : 0);
      q.push(time, seq, seq, -seq);
      // seq only grows: the new entry goes after every entry at or before its time.
      let at = reference.length;
      while (at > 0 && (reference[at - 1] as [number, number])[0] > time) at--;
      reference.splice(at, 0, [time, seq]);
      seq++;
    };
    const popped: number[] = [];
    const expected: number[] = [];
    // NOTE: mismatches are collected and compared once (an expect per step cost seconds of CPU for 20k steps).
    const mismatches: string[] = [];
    for (let step = 0; step < 20000; step++) {
      if (reference.length === 0 || rand(5) < 3) push();
      else {
        const [time, id] = reference.shift() as [number, number];
        if (q.peekTime() !== time) mismatches.push(`step ${step}: peekTime ${q.peekTime()}, expected ${time}`);
        if (!q.pop()) mismatches.push(`step ${step}: pop returned false`);
        now = time;
        if (q.poppedTime !== time) mismatches.push(`step ${step}: poppedTime ${q.poppedTime}, expected ${time}`);
        if (q.poppedB + q.poppedA !== 0) mismatches.push(`step ${step}: payload ${q.poppedA}, ${q.poppedB}`);
        popped.push(q.poppedHandler);
        expected.push(id);
      }
      if (q.size !== reference.length) mismatches.push(`step ${step}: size ${q.size}, expected ${reference.length}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(popped).toEqual(expected);
    expect(popped.length).toBeGreaterThan(5000);
  });
});

describe('sim kernel: environment', () => {
  it('jumps from event to event and runs same-cycle events in scheduling order', () => {
    const env = new Environment();
    const log: string[] = [];
    const h = env.register((a) => {
      log.push(`${env.now}:${a}`);
      if (a === 2) env.schedule(0, h, 5); // same cycle, after the ones already waiting
    });
    env.schedule(1000000, h, 1);
    env.schedule(5, h, 2);
    env.schedule(5, h, 3);
    env.schedule(0, h, 4);
    expect(env.run()).toBe(5);
    expect(log).toEqual(['0:4', '5:2', '5:3', '5:5', '1000000:1']);
  });

  it('stops at untilCycle and after maxEvents, and resumes where it stopped', () => {
    const env = new Environment();
    const seen: number[] = [];
    const h = env.register((a) => seen.push(a));
    for (let t = 0; t < 10; t++) env.schedule(t * 10, h, t);
    expect(env.run(35)).toBe(4);
    expect(env.now).toBe(30);
    expect(env.run(Infinity, 2)).toBe(2);
    expect(env.run()).toBe(4);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(env.processed).toBe(10);
  });

  it('rejects a negative delay and a time before now (the clock never runs backwards)', () => {
    const env = new Environment();
    const h = env.register(() => undefined);
    env.schedule(7, h);
    env.run();
    expect(env.now).toBe(7);
    expect(() => env.schedule(-1, h)).toThrow('a delay must be >= 0');
    expect(() => env.schedule(Number.NaN, h)).toThrow('a delay must be >= 0');
    expect(() => env.scheduleAt(6, h)).toThrow('before now (7)');
    expect(env.queue.size).toBe(0);
  });

  it('propagates a handler failure instead of swallowing it', () => {
    const env = new Environment();
    const h = env.register(() => {
      throw new Error('boom');
    });
    env.schedule(3, h);
    expect(() => env.run()).toThrow('boom');
  });
});

describe('sim kernel: resources', () => {
  class Link extends Server {
    constructor(env: Environment, label: string) {
      super(env, label, { quantum: 2 }); // ceil(flits / 2) cycles
    }
  }
  class Buffer extends Container {}

  it('a server serializes requests FIFO: the second waits for the first', () => {
    const env = new Environment();
    const link = new Link(env, 'link');
    expect(link.serve(10)).toBe(0); // 5 cycles
    expect(link.lastEnd).toBe(5);
    expect(link.serve(4)).toBe(5); // queued behind the first
    expect(link.lastEnd).toBe(7);
    expect(link.waitCycles).toBe(5);
    expect(link.serve(2, 20)).toBe(20); // idle gap
    expect(link.busyCycles).toBe(8);
  });

  it('a container grants first-fit in arrival order on release', () => {
    const env = new Environment();
    const buf = new Buffer(env, 'buf', 100);
    const granted: number[] = [];
    const h = env.register((a) => granted.push(a));
    expect(buf.request(80, h, 1, 0, 'a')).toBe(true);
    expect(buf.request(50, h, 2, 0, 'b')).toBe(false);
    expect(buf.request(10, h, 3, 0, 'c')).toBe(false); // queued behind b (queue not empty)
    buf.release(30); // used 50: b fits exactly (100), then c does not
    env.run();
    expect(granted).toEqual([2]);
    buf.release(80);
    env.run();
    expect(granted).toEqual([2, 3]);
    expect(buf.peakUsed).toBe(100);
  });

  it('a release grants from the middle of the queue; the rest keep their order and each account its own', () => {
    const env = new Environment();
    const buf = new Buffer(env, 'buf', 100);
    const granted: number[] = [];
    const h = env.register((a) => granted.push(a));
    expect(buf.request(90, h, 1, 0, 'r1', 0)).toBe(true);
    expect(buf.request(40, h, 2, 0, 'r2', 1)).toBe(false);
    expect(buf.request(20, h, 3, 0, 'r3', 2)).toBe(false);
    expect(buf.request(5, h, 4, 0, 'r4', 1)).toBe(false); // fits (95), but account 1's r2 waits ahead of it
    expect(buf.queued).toBe(3);
    buf.release(30, 0); // used 60: r2 fits (100); r3 (120) and r4 (105) do not
    env.run();
    expect(granted).toEqual([2]);
    expect(buf.queued).toBe(2);
    expect(buf.request(1, h, 5, 0, 'r5', 2)).toBe(false); // 101: queued behind r3, r4
    buf.release(15, 1); // used 85: r3 (105) no; r4 (90) yes, nothing of account 1 ahead; r5 (91) fits but r3 of account 2 waits
    env.run();
    expect(granted).toEqual([2, 4]);
    expect(buf.queued).toBe(2);
    buf.release(50, 0); // used 40: r3 (60), then r5 (61), account 2's order kept
    env.run();
    expect(granted).toEqual([2, 4, 3, 5]);
    expect(buf.queued).toBe(0);
    expect(buf.used).toBe(61);
  });
});

describe('sim kernel: record FIFO', () => {
  it('returns records first in, first out across wrap-around and growth', () => {
    const q = new RecordFifo(2, 2);
    const out: number[] = [];
    let next = 0;
    const add = (): void => {
      const at = q.add();
      q.data[at] = next;
      q.data[at + 1] = -next;
      next++;
    };
    const take = (): void => {
      const at = q.take();
      expect(q.data[at + 1]).toBe(-(q.data[at] as number));
      out.push(q.data[at] as number);
    };
    // Interleave so the ring wraps before it has to grow, then grow with a wrapped head.
    add();
    add();
    take();
    add();
    expect(q.data[q.newest()]).toBe(2);
    add();
    add();
    while (q.size > 0) take();
    expect(out).toEqual([0, 1, 2, 3, 4]);
    expect(() => q.take()).toThrow('empty');
  });
});

describe('sim kernel: slab', () => {
  it('hands out zeroed, disjoint arrays, starting a new block when one is used up', () => {
    const slab = new Slab((n) => new Int32Array(n), 8);
    const a = slab.take(5);
    const b = slab.take(3);
    const c = slab.take(4); // does not fit the first block's 0 left
    const big = slab.take(20); // larger than a block: a block of its own
    for (const [arr, len] of [[a, 5], [b, 3], [c, 4], [big, 20]] as const) {
      expect(arr.length).toBe(len);
      expect(Array.from(arr).every((v) => v === 0)).toBe(true);
    }
    a.fill(1);
    b.fill(2);
    c.fill(3);
    big.fill(4);
    expect(Array.from(a)).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(b)).toEqual([2, 2, 2]);
    expect(Array.from(c)).toEqual([3, 3, 3, 3]);
  });
});
