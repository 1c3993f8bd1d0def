import { analyzeDataflow } from '../arch/dataflow';
import { fillForkHolds, newForkHoldScratch } from '../arch/fork-hold';
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
