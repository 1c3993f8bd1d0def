import { candidateKey, type EvaluatedCandidate } from './evaluator';

/**
 * Keeps the K best distinct feasible candidates (lowest cost; ties: first seen, or with `tieBreak` the lower value
 * among costs equal within a relative 1e-9).
 */
export class TopK {
  readonly items: EvaluatedCandidate[] = [];
  private readonly keys = new Set<string>();
  constructor(
    readonly k: number,
    private readonly tieBreak?: (c: EvaluatedCandidate) => number,
  ) {}
  offer(c: EvaluatedCandidate): void {
    if (!c.feasible) return;
    const key = candidateKey(c);
    if (this.keys.has(key)) return;
    this.items.push(c);
    this.keys.add(key);
    const tie = this.tieBreak;
    this.items.sort((a, b) => {
      if (tie !== undefined && Math.abs(a.cost - b.cost) <= 1e-9 * b.cost) {
        const x = tie(a);
        const y = tie(b);
        if (x !== y) return x < y ? -1 : 1;
      }
      return a.cost - b.cost;
    });
    while (this.items.length > this.k) {
      const dropped = this.items.pop();
      if (dropped) this.keys.delete(candidateKey(dropped));
    }
  }
  get best(): EvaluatedCandidate | undefined {
    return this.items[0];
  }
}
