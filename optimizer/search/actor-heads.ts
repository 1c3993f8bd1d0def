/**
 * Multi-head actor (DdpgSettings.actorHeads K > 1): Osband et al.'s bootstrapped heads (NeurIPS 2016, "Deep
 * Exploration via Bootstrapped DQN") applied to the DDPG actor. K actors share the critic; head k imitates the k-th
 * best distinct episode (the elite of rl-search.ts, best first) besides ascending the critic, and each search episode
 * acts with one head drawn per episode. One actor imitating 3 elites acts between them (the median late episode
 * 11-17% below the best plan, docs/validation.md, session 11); one head per elite explores around each of them.
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

/** How a search episode's head is drawn: uniformly, or with weight 1 / (rank + 1) (the best elite's head first). */
export type HeadPick = 'uniform' | 'rank';

/** The head a search episode acts with. No random draw with one head, so the single actor's stream is unchanged. */
export function drawHead(heads: number, pick: HeadPick, random: () => number): number {
  if (heads <= 1) return 0;
  const u = random();
  if (pick === 'uniform') return Math.min(heads - 1, Math.floor(u * heads));
  const weights = Array.from({ length: heads }, (_, k) => 1 / (k + 1));
  let left = u * weights.reduce((a, w) => a + w, 0);
  for (const [k, w] of weights.entries()) {
    left -= w;
    if (left < 0) return k;
  }
  return heads - 1;
}
