/** The agent's settings and the noise draws it and the search share (ddpg.ts re-exports them); the rules on them: check-settings.ts. */
/** DDPG settings; defaults follow HAQ (Wang et al., CVPR 2019) except where the README says otherwise. */
export interface DdpgSettings {
  /** Hidden layer sizes of actor and critic. HAQ: [300, 300]. @default [64, 64] (speed; see README) */
  hidden: number[];
  /** HAQ: 1e-4. @default 1e-3 (with self-imitation; see optimizer/README.md) */
  actorLr: number;
  /** @default 1e-3 */
  criticLr: number;
  /** Soft target update. @default 0.01 */
  tau: number;
  /** HAQ: 64. @default 32 (half the work; no consistent difference over 5 seeds, docs/validation.md) */
  batchSize: number;
  /** Replay buffer transitions. @default 2000 */
  replaySize: number;
  /** HAQ: 1. @default 1 */
  discount: number;
  /** Moving-average reward baseline rate (HAQ moving_alpha). @default 0.5 */
  baselineRate: number;
  /** Divide the centred reward by a moving average of the minibatch's reward spread (HAQ: false). */
  normalizeReward: boolean;
  /**
   * Weight of self-imitation (Oh et al., ICML 2018): each update also pulls the actor towards the actions of
   * the best episodes so far, by this weight on the squared distance (HAQ: 0). @default 10
   */
  imitationWeight: number;
  /**
   * Actor heads sharing the critic (actor-heads.ts): head k imitates the k-th best elite episode and each search
   * episode acts with one head, drawn per episode; the critic's targets use the target actor of the head that imitates
   * the best elite episode (setTargetHead; by rank head 0). Meant to equal rl-search's eliteEpisodes (fewer heads leave
   * the lower elites unimitated, more share them). 1: one actor imitating every elite. @default 1 (s101: opt-in, docs/validation.md)
   */
  actorHeads: number;
  /** With actorHeads > 1: heads keep their imitated episode while it stays in the elite (actor-heads.ts HeadAssignment). @default false */
  actorHeadSticky: boolean;
  /**
   * TD3 (Fujimoto et al., ICML 2018): twin critics regressed on the clipped double-Q target (the smaller of the two
   * target critics' values), target policy smoothing (clipped noise on the target actor's action) and the actor and
   * target networks updated every td3Delay-th update only. The actor ascends the first critic, which is also the one
   * episodeValue reads. HAQ: false. @default false
   */
  td3: boolean;
  /** With td3: critic updates per actor (and target) update (TD3: 2). @default 2 */
  td3Delay: number;
  /**
   * With td3: sd of the target policy smoothing noise, in action units ([0, 1]; TD3's 0.2 on [-1, 1] is 0.1 here),
   * clipped at 2.5 sd (TD3: 0.5 on [-1, 1]). @default 0.1
   */
  td3Noise: number;
}

export const DEFAULT_DDPG: DdpgSettings = {
  hidden: [64, 64],
  actorLr: 1e-3,
  criticLr: 1e-3,
  tau: 0.01,
  batchSize: 32,
  replaySize: 2000,
  discount: 1,
  baselineRate: 0.5,
  normalizeReward: false,
  imitationWeight: 10,
  actorHeads: 1,
  actorHeadSticky: false,
  td3: false,
  td3Delay: 2,
  td3Noise: 0.1,
};

/** TD3's clip of the target policy smoothing noise, in multiples of its sd (0.5 / 0.2 in the paper). */
export const TD3_NOISE_CLIP_SDS = 2.5;

/** A standard normal draw (Box-Muller). */
export function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Sample of N(mean, sd) truncated to [0, 1] (rejection, then clamped after 100 tries). */
export function truncatedNormal(random: () => number, mean: number, sd: number): number {
  for (let k = 0; k < 100; k++) {
    const x = mean + sd * gaussian(random);
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, mean));
}
