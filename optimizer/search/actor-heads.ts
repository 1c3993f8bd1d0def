/**
 * Multi-head actor (DdpgSettings.actorHeads K > 1): Osband et al.'s bootstrapped heads (NeurIPS 2016, "Deep
 * Exploration via Bootstrapped DQN") applied to the DDPG actor. K actors share the critic; head k imitates the k-th
 * best distinct episode (the elite of rl-search.ts, best first) besides ascending the critic, and each search episode
 * acts with one head drawn per episode. One actor imitating 3 elites acts between them (the median late episode
 * 11-17% below the best plan, docs/validation.md, session 11); one head per elite was meant to explore around each.
 * Measured (s101, docs/validation.md): each head's late episodes sit further from its elite than the one actor's from
 * the three (the heads do not keep up with their moving targets); opt-in.
 */

/** One actor head's self-imitation targets: states (rows of stateSize) and the actions to imitate there. */
export class ImitationTargets {
  states = new Float64Array(0);
  actions = new Float64Array(0);
  count = 0;

  constructor(
    private readonly stateSize: number,
    private readonly actionSize: number,
  ) {}

  set(states: readonly Float64Array[], actions: readonly (readonly number[])[]): void {
    const S = this.stateSize;
    const A = this.actionSize;
    if (this.states.length < states.length * S) {
      this.states = new Float64Array(states.length * S);
      this.actions = new Float64Array(states.length * A);
    }
    states.forEach((st, i) => this.states.set(st.subarray(0, S), i * S));
    actions.forEach((a, i) => a.forEach((v, k) => (this.actions[i * A + k] = v)));
    this.count = states.length;
  }
}

/** An imitated episode: its states and the (realised) actions to imitate at them. */
export interface ImitatedEpisode {
  states: readonly Float64Array[];
  actions: readonly (readonly number[])[];
}

/**
 * Per head, the steps it imitates: with one head every elite episode's (the single actor's targets); with K heads,
 * head k the k-th best episode's, or while fewer than K are known the (k mod count)-th, so no head is left without a
 * target; none when the elite is empty.
 */
export function headTargets(elite: readonly ImitatedEpisode[], heads: number): ImitatedEpisode[] {
  if (heads <= 1) return [{ states: elite.flatMap((e) => e.states), actions: elite.flatMap((e) => e.actions) }];
  return Array.from({ length: heads }, (_, k) => elite[k % Math.max(1, elite.length)] ?? { states: [], actions: [] });
}

/** The head a search episode acts with, drawn uniformly. No random draw with one head, so the single actor's stream is unchanged. */
export function drawHead(heads: number, random: () => number): number {
  return heads <= 1 ? 0 : Math.min(heads - 1, Math.floor(random() * heads));
}

/**
 * Which elite episode each head imitates. By rank (headTargets): head k the k-th best, so a new best moves every
 * head's target by one place, and each head must learn its neighbour's plan again (ResNet-50 seed 1: 12-22 target
 * changes per head, and at episode 400 the heads' noise-free actions missed 56-61% of their own target's bit levels).
 * Sticky (actorHeadSticky): the head that produced an elite episode imitates it (its actions are already near it), the
 * others keep theirs while it stays in the elite and no head before them holds it; a head left without one takes the
 * best episode no head holds (while there is none, the (k mod count)-th best).
 */
export class HeadAssignment {
  private keys: (string | undefined)[];

  constructor(
    readonly heads: number,
    readonly sticky: boolean,
  ) {
    this.keys = Array.from({ length: heads }, () => undefined);
  }

  /** Per head, its targets after an elite change; `producer`: the head that acted in the episode `produced` (undefined: none). */
  targets(elite: readonly (ImitatedEpisode & { key: string })[], producer: number | undefined, produced: string | undefined): ImitatedEpisode[] {
    if (!this.sticky || this.heads <= 1) return headTargets(elite, this.heads);
    const present = new Set(elite.map((e) => e.key));
    const taken = new Set<string>();
    const next: (string | undefined)[] = Array.from({ length: this.heads }, () => undefined);
    if (producer !== undefined && produced !== undefined && present.has(produced)) {
      next[producer] = produced;
      taken.add(produced);
    }
    this.keys.forEach((key, k) => {
      if (next[k] !== undefined || key === undefined || !present.has(key) || taken.has(key)) return;
      next[k] = key;
      taken.add(key);
    });
    for (let k = 0; k < this.heads; k++) {
      if (next[k] !== undefined || elite.length === 0) continue;
      const free = elite.find((e) => !taken.has(e.key)) ?? elite[k % elite.length];
      next[k] = free?.key;
      if (free) taken.add(free.key);
    }
    this.keys = next;
    return next.map((key) => elite.find((e) => e.key === key) ?? { states: [], actions: [] });
  }
}
