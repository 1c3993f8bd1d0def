import type { LayerFlow } from './dataflow-types';

/**
 * A layer reading several stored inputs (a residual add, a concat) must hold each input's rows until the other
 * inputs catch up: when it wants row i, the other paths have already pulled their shared ancestors further (a
 * skip tensor is consumed by the main path's convolutions rows ahead of the add). For input k and another input j
 * forking from a common ancestor A (A = P_k for an identity skip; P_k's input for a projection shortcut), the
 * window of input k grows to the rows of P_k that A's rows pulled by P_j's row i let P_k produce
 * (docs/hardware-model.md rule 1). The stages on each side of the fork are kept for pacedWindowRows.
 */
export function widenForSkew(layers: LayerFlow[]): void {
  const byIndex = new Map(layers.map((l) => [l.index, l]));
  const memo = new Map<string, Int32Array | null>();
  /** Highest row of stored layer `a` that stored layer `l` needs for each of its output rows; null if none. */
  const ancestorNeed = (a: number, l: number): Int32Array | null => {
    const key = `${a}:${l}`;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    memo.set(key, null); // the graph is acyclic; this only guards re-entry
    const flow = byIndex.get(l);
    let result: Int32Array | null = null;
    for (const d of flow?.dataInputs ?? []) {
      let candidate: Int32Array | null = null;
      if (d.producer === a) candidate = d.need;
      else if (d.producer >= 0) {
        const sub = ancestorNeed(a, d.producer);
        if (sub !== null) candidate = d.need.map((row) => sub[row] ?? 0);
      }
      if (candidate === null) continue;
      result = result === null ? Int32Array.from(candidate) : result.map((x, i) => Math.max(x, candidate?.[i] ?? 0));
    }
    memo.set(key, result);
    return result;
  };
  /** Stored layers after `a` up to and including `l` on any path from `a` to `l` (a must be an ancestor). */
  const stagesBetween = (a: number, l: number, into: Set<number>): void => {
    if (l === a || l < 0 || into.has(l)) return;
    into.add(l);
    for (const d of byIndex.get(l)?.dataInputs ?? []) {
      if (d.producer === a) continue;
      if (d.producer >= 0 && ancestorNeed(a, d.producer) !== null) stagesBetween(a, d.producer, into);
    }
  };
  /** Nearest ancestors of `pk` (itself included) that `pj` also descends from. */
  const forks = (pk: number, pj: number, out: Set<number>, seen: Set<number>): void => {
    // P_j on P_k's own path: input k comes after input j, nothing forks.
    if (seen.has(pk) || pk === pj) return;
    seen.add(pk);
    if (pk === -1 || ancestorNeed(pk, pj) !== null) {
      out.add(pk);
      return;
    }
    for (const d of byIndex.get(pk)?.dataInputs ?? []) forks(d.producer, pj, out, seen);
  };
  /**
   * Lead stages reading `p` directly that read it furthest ahead (SkewPath.heads): the most rows of p beyond the
   * reader's own need `ownNeed` for any reader row i, pulled through the lead producer's rows `need`.
   */
  const leadHeads = (lead: readonly number[], p: number, pj: number, need: Int32Array, ownNeed: Int32Array): number[] => {
    let best = -1;
    let heads: number[] = [];
    for (const st of lead) {
      const direct = byIndex.get(st)?.dataInputs.find((d) => d.producer === p);
      if (direct === undefined) continue;
      const toEnd = st === pj ? null : ancestorNeed(st, pj);
      if (st !== pj && toEnd === null) continue;
      let reach = -Infinity;
      need.forEach((row, i) => {
        reach = Math.max(reach, (direct.need[toEnd === null ? row : (toEnd[row] ?? 0)] ?? 0) - (ownNeed[i] ?? 0));
      });
      if (reach > best) [best, heads] = [reach, [st]];
      else if (reach === best) heads.push(st);
    }
    return heads;
  };
  for (const l of layers) {
    if (l.dataInputs.length < 2) continue;
    l.windowRows = l.dataInputs.map((dk, k) => {
      let w = l.windowRows[k] ?? 1;
      l.dataInputs.forEach((dj, j) => {
        if (j === k || dj.producer < 0) return;
        const found = new Set<number>();
        forks(dk.producer, dj.producer, found, new Set());
        for (const a of found) {
          const viaJ = ancestorNeed(a, dj.producer);
          // Rows of A that P_k's rows need (identity when the fork is P_k itself).
          const viaK = a === dk.producer ? null : ancestorNeed(a, dk.producer);
          if (viaJ === null || (a !== dk.producer && viaK === null)) continue;
          let skewRows = 0;
          for (let i = 0; i < dj.need.length; i++) {
            const ahead = viaJ[dj.need[i] ?? 0] ?? 0;
            // The furthest row of P_k those rows of A let it produce.
            let reach = ahead;
            if (viaK !== null) {
              reach = -1;
              while (reach + 1 < viaK.length && (viaK[reach + 1] ?? 0) <= ahead) reach++;
            }
            skewRows = Math.max(skewRows, reach - (dk.need[i] ?? 0));
            // An identity skip must hold those rows to progress at all: P_k sends each row to both paths at once.
            if (viaK === null) w = Math.max(w, reach - (dk.low[i] ?? 0) + 1);
          }
          const lead = new Set<number>();
          const own = new Set<number>();
          stagesBetween(a, dj.producer, lead);
          stagesBetween(a, dk.producer, own);
          const heads = leadHeads([...lead], dk.producer, dj.producer, dj.need, dk.need);
          l.skewPaths[k]?.push({ lead: [...lead], own: [...own], skewRows, heads });
          l.hasSkew = true;
        }
      });
      return w;
    });
  }
}
