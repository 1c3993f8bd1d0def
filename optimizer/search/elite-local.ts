import { gaussian, truncatedNormal } from './ddpg';

/** Search episodes sampled around an elite plan instead of by the actor (rl-search.ts; optimizer/README.md). */
export interface EliteLocalSettings {
  /**
   * Share of the search episodes that sample around an elite episode's plan instead of acting with the actor: each
   * step's action is the realised action of one of the imitated (elite) episodes, drawn uniformly per episode, plus
   * truncated-normal noise of sd eliteLocalSd. The actor's late episodes sit between its elites, 11-17% below the
   * best plan at the median (docs/validation.md, issue 17 session 11), so the best plan's neighbourhood is hardly
   * sampled. The episodes are replayed like the actor's (DDPG learns off-policy). 0: none (HAQ). Needs
   * imitationWeight > 0 (the elites). @default 0 (session 11, 0.25 with sd 0.075, seeds 11-30: RL means +2.0%
   * ResNet-18, +1.1% ResNet-50, +1.0% MobileNetV2, within the seed spread; VGG-16 -0.07% on seeds 11-20, ResNet-20
   * -0.02% on seeds 11-30, one seed a plateau step lower each; not adopted)
   */
  eliteLocal: number;
  /** Noise sd of the eliteLocal episodes, in action units (one bit level is 1/7). @default 0.075 (0.03-0.1 tried) */
  eliteLocalSd: number;
  /** Search episode (counted after the warm-up) from which eliteLocal episodes are drawn. @default 0 */
  eliteLocalAfter: number;
  /** Each action of a local episode takes the noise with probability eliteLocalLayers / steps; 0: every action. @default 0 */
  eliteLocalLayers: number;
  /**
   * One coupled group (the readers of one stored tensor, as groupNoise), drawn per local episode, has its members'
   * activation actions moved by one shared N(0, eliteLocalGroup) offset, so the tensor's bits move. 0: none. @default 0
   */
  eliteLocalGroup: number;
  /**
   * Local episodes move exactly this many actions by one bit level (weights or activations of a step drawn uniformly,
   * up or down with equal chance) from the elite plan, and every other step takes the elite's realised action
   * unchanged (no eliteLocalSd noise): one-bit neighbours of the imitated plans, where s64's walks found the
   * improving moves the actor's episodes did not take (ResNet-50 seed 1, docs/validation.md). These episodes skip the
   * step wall (the evaluator's repair after the episode keeps the budget, as for polish's moves). 0: off. @default 0
   * (s64, with eliteLocal 0.1-0.5, 1-2 moves, walled or not, seeds 1-5 and 11-20: ResNet-18 -2.0% to -7.3%, ResNet-50
   * down to -14%, MobileNetV2 -5.1% to +2.5%; the neighbours hold the search on the elite's plateau)
   */
  eliteLocalMoves: number;
}

export const DEFAULT_ELITE_LOCAL: EliteLocalSettings = { eliteLocal: 0, eliteLocalSd: 0.075, eliteLocalAfter: 0, eliteLocalLayers: 0, eliteLocalGroup: 0, eliteLocalMoves: 0 };

/** One elite-local episode: the elite plan's realised actions per step, and the coupled group shifted with its offset. */
export interface LocalEpisode {
  actions: readonly (readonly number[])[];
  group: number | undefined;
  groupOffset: number;
  /** With eliteLocalMoves: per step, the offset of its (weight, activation) actions in action units. */
  moves?: ReadonlyMap<number, readonly number[]>;
  /** A crossover episode's noise sd (elite-cross.ts): every action takes it, 0: none; eliteLocalSd and its options do not apply. */
  sd?: number;
}

/** One bit level in action units (actionToBits: 7 levels from MIN_SEARCH_BITS to MAX_SEARCH_BITS). */
const BIT_LEVEL = 1 / 7;

/** Whether this search episode samples around an elite, and which (no draw when the setting is off). */
export function drawLocalEpisode(settings: EliteLocalSettings, searchEpisode: number, elite: readonly { actions: number[][] }[], coupled: readonly number[], random: () => number, stepCount = 0): LocalEpisode | undefined {
  if (!(settings.eliteLocal > 0) || searchEpisode < settings.eliteLocalAfter || elite.length === 0 || random() >= settings.eliteLocal) return undefined;
  const chosen = elite[Math.floor(random() * elite.length)];
  if (chosen === undefined) return undefined;
  const group = settings.eliteLocalGroup > 0 && coupled.length > 0 ? coupled[Math.floor(random() * coupled.length)] : undefined;
  const groupOffset = group === undefined ? 0 : gaussian(random) * settings.eliteLocalGroup;
  if (!(settings.eliteLocalMoves > 0) || stepCount <= 0) return { actions: chosen.actions, group, groupOffset };
  const moves = new Map<number, number[]>();
  for (let k = 0; k < settings.eliteLocalMoves; k++) {
    const t = Math.floor(random() * stepCount);
    const d = random() < 0.5 ? 0 : 1;
    const offset = moves.get(t) ?? [0, 0];
    offset[d] = (offset[d] ?? 0) + (random() < 0.5 ? -BIT_LEVEL : BIT_LEVEL);
    moves.set(t, offset);
  }
  return { actions: chosen.actions, group, groupOffset, moves };
}

/** Step t's action in a local episode (`group`: the step's coupled group, undefined for a product step). */
export function localAction(episode: LocalEpisode, t: number, group: number | undefined, stepCount: number, settings: EliteLocalSettings, random: () => number): number[] {
  const sd = episode.sd;
  if (sd !== undefined) return (episode.actions[t] ?? [0.5, 0.5]).map((m) => (sd > 0 ? truncatedNormal(random, m, sd) : Math.min(1, Math.max(0, m))));
  if (episode.moves !== undefined) {
    const offset = episode.moves.get(t);
    return (episode.actions[t] ?? [0.5, 0.5]).map((m, d) => Math.min(1, Math.max(0, m + (offset?.[d] ?? 0))));
  }
  return (episode.actions[t] ?? [0.5, 0.5]).map((m, d) => {
    const shift = d === 1 && episode.group !== undefined && group === episode.group ? episode.groupOffset : 0;
    const mean = Math.min(1, Math.max(0, m + shift));
    if (settings.eliteLocalLayers > 0 && random() >= settings.eliteLocalLayers / stepCount) return mean;
    return truncatedNormal(random, mean, settings.eliteLocalSd);
  });
}
