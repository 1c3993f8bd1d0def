import { analyzeDataflow } from '../arch/dataflow';
import { fillForkHolds, newForkHoldScratch, ownPathSpareRows } from '../arch/fork-hold';
import { forkSpareRows, type SpareView } from '../arch/fork-spare';
import { channelSlots } from '../arch/tile-buffers';
import { parseNetworkJson } from '../workloads/json';
import { resolveNetwork } from '../workloads/shapes';

/**
 * Rule 1's hold of a forked input, from the paced row recurrence (arch/fork-hold.ts), worked by hand on an SE block
 * whose lead path holds another SE block: a (3x3 conv) feeds the multiply m directly and through b (1x1) -> inner SE
 * (global pool g2, 1x1 conv s2, multiply m2 = b x s2) -> global pool g -> 1x1 conv s. 16 rows; the input's row r
 * arrives at (r + 1) I / 16. Row times are set by hand: a 10, b 20, g2 30, s2 40, m2 5, g 50, s 60 cycles.
 * a's row 0 needs input row 1: F_a(0) = 2I/16 + 10; its rows 14 and 15 both need the last input row (the pad), so
 * F_a(15) = I + 20 and b's row 15 ends at I + 50 (behind its row 14 at I + 30). g2's one row ends at I + 80, s2's at
 * I + 120; m2's 16 rows all wait for s2's, then run back to back: F_m2(15) = I + 120 + 16 x 5; then F_g = I + 250,
 * F_s = I + 310. m's row 0 waits for s: F_s - F_a(0) = 14/16 I + 300: 14 rows of a per interval share, and 300
 * cycles, where one row time per lead stage would give 205 (the inner multiply drains its whole image after its
 * scale: the nested-U-Net effect of IS-Net's outer concats).
 */
const NESTED_SE = JSON.stringify({
  name: 'nested-se',
  input: { channels: 8, height: 16, width: 16 },
  layers: [
    { name: 'a', kind: 'conv', outChannels: 8, kernel: 3, pad: 1 },
    { name: 'b', kind: 'conv', outChannels: 8, kernel: 1 },
    { name: 'g2', kind: 'pool', op: 'avg', global: true },
    { name: 's2', kind: 'conv', outChannels: 8, kernel: 1 },
    { name: 'm2', kind: 'eltwise', op: 'mul', inputs: ['b', 's2'] },
    { name: 'g', kind: 'pool', op: 'avg', global: true },
    { name: 's', kind: 'conv', outChannels: 8, kernel: 1 },
    { name: 'm', kind: 'eltwise', op: 'mul', inputs: ['a', 's'] },
  ],
});

describe('fork hold from the paced row recurrence (rule 1)', () => {
  const net = resolveNetwork(parseNetworkJson(NESTED_SE, 'nested-se'));
  const flow = analyzeDataflow(net);
  const at = (name: string): number => net.layers.findIndex((l) => l.layer.name === name);
  const rowCycles = new Float64Array(net.layers.length);
  const times: Record<string, number> = { a: 10, b: 20, g2: 30, s2: 40, m2: 5, g: 50, s: 60 };
  for (const [name, t] of Object.entries(times)) rowCycles[at(name)] = t;

  it('every layer of the lead path is stored, and m reads a and s', () => {
    for (const name of Object.keys(times)) expect(['weighted', 'digital']).toContain(flow.layers[at(name)]?.role);
    expect(flow.layers[at('m')]?.dataInputs.map((d) => d.producer)).toEqual([at('a'), at('s')]);
    expect(flow.layers[at('m')]?.hasSkew).toBe(true);
  });

  it("a's rows wait 14 rows per interval share plus the lead path's latency, its inner drain included", () => {
    const s = newForkHoldScratch(net, flow);
    const m = at('m');
    const offset = s.inputOffset[m] ?? -1;
    expect(offset).toBeGreaterThanOrEqual(0);
    for (const interval of [1600, 4800]) {
      fillForkHolds(s, net, flow, rowCycles, interval);
      expect(s.skewRows[offset]).toBeCloseTo(14, 9);
      expect(s.leadCycles[offset]).toBeCloseTo(300, 6);
      expect(s.steepSkewRows[offset]).toBeCloseTo(14, 9);
      expect(s.steepLeadCycles[offset]).toBeCloseTo(300, 6);
    }
    // The scale input (k = 1) comes after a on its own path: nothing forks, no wait.
    expect(s.skewRows[offset + 1]).toBe(0);
    expect(s.leadCycles[offset + 1]).toBe(0);
  });
});

/**
 * A lagging input that outpaces its reader piles its rows into the reader tile's spare eDRAM, which the forked input
 * then shares (forkSpareRows). a (3x3) -> d (3x3, stride 2: 8 rows) -> up (nearest x2) and c (1x1) reads [up, a]
 * (a: an identity skip). Input row r arrives at r + 1 (interval 16); row times a 10, d 20, up 1, c 100. Worked by hand:
 * F_a(i) = 12 + 10 i; d's row j needs a's row 2j + 1: F_d(j) = 42 + 20 j; F_up(2m) = 43 + 20 m, F_up(2m + 1) = 44 + 20 m;
 * c is the slowest, so its row i starts at 43 + 100 i. By then up's rows 0..10i have ended (all 16 from i = 2) and
 * rows below i are freed: 1, 10, 14, 13, ... held, 14 at most, beyond its 1-row window plus the lookahead.
 */
const LAGGING_UPSAMPLE = JSON.stringify({
  name: 'lagging-upsample',
  input: { channels: 8, height: 16, width: 16 },
  layers: [
    { name: 'a', kind: 'conv', outChannels: 8, kernel: 3, pad: 1 },
    { name: 'd', kind: 'conv', outChannels: 8, kernel: 3, stride: 2, pad: 1 },
    { name: 'up', kind: 'resize', scale: 2 },
    { name: 'cat', kind: 'concat', inputs: ['up', 'a'] },
    { name: 'c', kind: 'conv', outChannels: 8, kernel: 1 },
  ],
});

describe("a lagging input's burst shares the spare eDRAM with the forked input (rule 1)", () => {
  const net = resolveNetwork(parseNetworkJson(LAGGING_UPSAMPLE, 'lagging-upsample'));
  const flow = analyzeDataflow(net);
  const at = (name: string): number => net.layers.findIndex((l) => l.layer.name === name);
  const rowCycles = new Float64Array(net.layers.length);
  for (const [name, t] of Object.entries({ a: 10, d: 20, up: 1, c: 100 })) rowCycles[at(name)] = t;
  const c = at('c');
  const inputs = flow.layers[c]?.dataInputs.map((d) => d.producer) ?? [];
  const kUp = inputs.indexOf(at('up'));
  const kA = inputs.indexOf(at('a'));

  it('up piles 14 rows ahead of c; the skip gets half the spare while it does', () => {
    expect(kUp).toBeGreaterThanOrEqual(0);
    expect(kA).toBeGreaterThanOrEqual(0);
    const s = newForkHoldScratch(net, flow);
    fillForkHolds(s, net, flow, rowCycles, 16);
    const offset = s.inputOffset[c] ?? -1;
    expect(s.aheadRows[offset + kUp]).toBe(14);
    // The forked input's own hold is the window's business, not a burst.
    expect(s.aheadRows[offset + kA]).toBe(0);
    const windows = inputs.map((_, k) => (k === kUp ? 1 : 20));
    // Spare in bits, one bit a row here; the skip waits longer than up, which takes none of it first.
    const view = (w: number[]): SpareView => ({ rowBitsOf: () => 1, rowsOf: () => 16, slotsOf: (j) => channelSlots(16, w[j] ?? 1) });
    expect(forkSpareRows(s, c, kA, windows, 101, view(windows))).toBe(50);
    // A window that holds the burst leaves the spare to the skip.
    const wide = inputs.map((_, k) => (k === kUp ? 13 : 20));
    expect(forkSpareRows(s, c, kA, wide, 101, view(wide))).toBe(101);
  });
});

/**
 * Forked inputs of one reader take the tile's spare eDRAM in arrival order (forkSpareRows, docs/hardware-model.md rule
 * 7). a (1x1) -> b (3x3, pad 1) -> c (3x3, pad 1), and r (1x1) reads concat [a, b, c]: c's row i needs b's row i + 1,
 * which needs a's row i + 2. 16 rows, input row n at (n + 1) I / 16, every row time 10 cycles, I = 160 (period 10).
 * Worked by hand: F_a(i) = 10 (i + 1) + 10, F_b(i) = F_a(i + 1) + 10, F_c(i) = F_b(i + 1) + 10 (the last rows alike,
 * behind their row before). r's row i waits for c: a's row 40 cycles (skew 2 periods, lead 20), b's 20 (1 period,
 * lead 10), c's none. Holds in rows of the loop's pace: skew + (lead + r's row + producer's row) x 16 / I, a 2 + 40 x
 * 16 / 160 = 6, b 1 + 30 x 16 / 160 = 4. At the interval a holds floor(40 / 10) + 1 = 5 rows, b 3, c 1 (s96: the
 * rows held, not s92's need). With windows capped at 1 each (2 slots), a takes 3 rows beyond its slots, b 1; of 3
 * spare rows a (first to arrive) keeps all 3, b and c (each waits less than a) none. Rows of 2 bits for a: 6 bits
 * hold a's 3 rows, so b gets none; with 8 bits b gets the 2 a leaves.
 */
const FORKED_THREE = JSON.stringify({
  name: 'forked-three',
  input: { channels: 8, height: 16, width: 16 },
  layers: [
    { name: 'a', kind: 'conv', outChannels: 8, kernel: 1 },
    { name: 'b', kind: 'conv', outChannels: 8, kernel: 3, pad: 1 },
    { name: 'c', kind: 'conv', outChannels: 8, kernel: 3, pad: 1 },
    { name: 'cat', kind: 'concat', inputs: ['a', 'b', 'c'] },
    { name: 'r', kind: 'conv', outChannels: 8, kernel: 1 },
  ],
});

describe("a reader's forked inputs take the spare eDRAM in arrival order (rule 7)", () => {
  const net = resolveNetwork(parseNetworkJson(FORKED_THREE, 'forked-three'));
  const flow = analyzeDataflow(net);
  const at = (name: string): number => net.layers.findIndex((l) => l.layer.name === name);
  const rowCycles = new Float64Array(net.layers.length);
  for (const name of ['a', 'b', 'c', 'r']) rowCycles[at(name)] = 10;
  const r = at('r');
  const k = (name: string): number => flow.layers[r]?.dataInputs.findIndex((d) => d.producer === at(name)) ?? -1;

  it('waits and holds as worked by hand; the earliest input keeps the spare, the next gets what is left', () => {
    const s = newForkHoldScratch(net, flow);
    fillForkHolds(s, net, flow, rowCycles, 160);
    const o = s.inputOffset[r] ?? -1;
    expect(['a', 'b', 'c'].map((name) => [s.skewRows[o + k(name)], s.leadCycles[o + k(name)]])).toEqual([[2, 20], [1, 10], [0, 0]]);
    expect(s.waitCycles[o + k('a')]).toBeCloseTo(40, 9);
    expect(s.waitCycles[o + k('b')]).toBeCloseTo(20, 9);
    expect(s.waitCycles[o + k('c')]).toBe(0);
    expect(s.holdRows[o + k('a')]).toBeCloseTo(6, 9);
    expect(s.holdRows[o + k('b')]).toBeCloseTo(4, 9);
    const capped = [1, 1, 1];
    const view = (w: number[], aBits = 1): SpareView => ({
      rowBitsOf: (j) => (j === k('a') ? aBits : 1),
      rowsOf: () => 16,
      slotsOf: (j) => channelSlots(16, w[j] ?? 1),
    });
    expect(channelSlots(16, 1)).toBe(2);
    expect(forkSpareRows(s, r, k('a'), capped, 3, view(capped))).toBe(3);
    expect(forkSpareRows(s, r, k('b'), capped, 3, view(capped))).toBe(0);
    expect(forkSpareRows(s, r, k('c'), capped, 3, view(capped))).toBe(0);
    // 5 spare rows: a takes 3, b 1 of the 2 left, c gets 1.
    expect(forkSpareRows(s, r, k('b'), capped, 5, view(capped))).toBe(2);
    expect(forkSpareRows(s, r, k('c'), capped, 5, view(capped))).toBe(1);
    // Bits: a's rows 2 bits, b's 1; a takes 3 rows = 6 bits.
    expect(forkSpareRows(s, r, k('a'), capped, 6, view(capped, 2))).toBe(3);
    expect(forkSpareRows(s, r, k('b'), capped, 6, view(capped, 2))).toBe(0);
    expect(forkSpareRows(s, r, k('b'), capped, 8, view(capped, 2))).toBe(2);
    // Paced windows (a 5, b 3: slots 6 and 4 cover the rows held) leave every input the whole spare.
    expect(forkSpareRows(s, r, k('b'), [5, 3, 1], 3, view([5, 3, 1]))).toBe(3);
    expect(forkSpareRows(s, r, k('c'), [5, 3, 1], 3, view([5, 3, 1]))).toBe(3);
  });
});

/**
 * A forked input with a path of its own (a lateral 1x1 conv p on the skip, M-LSD's decoder) can be sent late: its
 * input rows back up into the spare eDRAM of p's tile (ownPathSpareRows). a (3x3, 16 rows) feeds p (1x1) and the
 * lead path d (3x3, stride 2) -> up (nearest x2); c reads [up, p]. With 10,000 spare bits on p's tile and 1,000-bit rows
 * of a, 10 rows of a wait there: 10 rows of p (same rows). The lead input up has a path of its own too (d, up: a's
 * rows also back up before d), here on a tile with no spare.
 */
describe("a forked input's own path holds rows in its tiles' spare eDRAM (rule 1)", () => {
  const net = resolveNetwork(
    parseNetworkJson(
      JSON.stringify({
        name: 'lateral',
        input: { channels: 8, height: 16, width: 16 },
        layers: [
          { name: 'a', kind: 'conv', outChannels: 8, kernel: 3, pad: 1 },
          { name: 'p', kind: 'conv', outChannels: 32, kernel: 1 },
          { name: 'd', kind: 'conv', outChannels: 8, kernel: 3, stride: 2, pad: 1, inputs: ['a'] },
          { name: 'up', kind: 'resize', scale: 2 },
          { name: 'cat', kind: 'concat', inputs: ['up', 'p'] },
          { name: 'c', kind: 'conv', outChannels: 8, kernel: 1 },
        ],
      }),
      'lateral',
    ),
  );
  const flow = analyzeDataflow(net);
  const at = (name: string): number => net.layers.findIndex((l) => l.layer.name === name);
  it('counts the spare of the own path in rows of the forked input', () => {
    const s = newForkHoldScratch(net, flow);
    const c = at('c');
    const kP = flow.layers[c]?.dataInputs.findIndex((d) => d.producer === at('p')) ?? -1;
    expect(flow.layers[c]?.skewPaths[kP]?.[0]?.own).toEqual([at('p')]);
    const tileOf = (q: number): number => (q === at('p') ? 3 : 0);
    const spare = ownPathSpareRows(s, net, flow, (q) => [tileOf(q)], (t) => (t === 3 ? 10000 : 0), (q) => (q === at('a') ? 1000 : 4000));
    expect(spare[(s.inputOffset[c] ?? 0) + kP]).toBe(10);
    expect(spare[(s.inputOffset[c] ?? 0) + (1 - kP)]).toBe(0);
  });
});
