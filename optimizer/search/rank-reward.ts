export interface RankRewardSettings {
  /** Learn from the episode's centred rank among the last N episodes' learned rewards (RankReward). 0 or absent: none. @default 0 */
  rankReward?: number;
}

/** The default (no rank reward), listed with the other settings so a result's settings record names it. */
export const DEFAULT_RANK_REWARD: Required<RankRewardSettings> = { rankReward: 0 };

/**
 * Rank-based reward (rl-search.ts rankReward): the agent learns from an episode's centred rank among the last N
 * episodes' learned rewards instead of the reward itself. -log(cost) differences shrink as the plans improve (a
 * late episode's noisy candidates differ by a few per cent, the warm-up's by a factor of several), so the critic's
 * targets late in the search are small against what it fitted early; a rank keeps the scale fixed in [-0.5, 0.5].
 */
export class RankReward {
  private readonly window: number[] = [];

  constructor(private readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`RankReward: window ${size} is not a positive integer`);
  }

  /**
   * Adds `reward` to the window (dropping the oldest beyond `size`) and returns its centred rank there: 0.5 above
   * every other, -0.5 below every other, ties sharing the mean of their ranks; 0 while it is alone.
   */
  next(reward: number): number {
    this.window.push(reward);
    if (this.window.length > this.size) this.window.shift();
    const n = this.window.length;
    if (n < 2) return 0;
    let below = 0;
    let equal = 0;
    for (const r of this.window) {
      if (r < reward) below++;
      else if (r === reward) equal++;
    }
    return (below + (equal - 1) / 2) / (n - 1) - 0.5;
  }
}
