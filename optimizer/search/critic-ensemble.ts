import { Mlp } from './mlp';

/**
 * The uncertainty of critic screening's score (rl-search.ts critScreenBonus): a few small critics, each regressing
 * the episode's centred reward on every step's state and action (no bootstrap: one target per step) from minibatches
 * of its own, so they agree where the replay has data and disagree away from it. Their spread over a candidate
 * episode is the bonus's unit. Its own random stream, so the agent's draws are those of screening without a bonus.
 */
export class CriticEnsemble {
  private readonly members: Mlp[];
  private readonly inputs: Float64Array;
  private readonly rewards: Float64Array;
  private stored = 0;
  private cursor = 0;
  private rewardSum = 0;
  private rewardCount = 0;

  constructor(
    private readonly stateSize: number,
    private readonly actionSize: number,
    hidden: readonly number[],
    size: number,
    private readonly capacity: number,
    private readonly random: () => number,
  ) {
    this.members = Array.from({ length: size }, () => new Mlp([stateSize + actionSize, ...hidden, 1], 'linear', random, 3e-3, false));
    this.inputs = new Float64Array(capacity * (stateSize + actionSize));
    this.rewards = new Float64Array(capacity);
  }

  remember(state: Float64Array, action: readonly number[], reward: number): void {
    const W = this.stateSize + this.actionSize;
    this.inputs.set(state.subarray(0, this.stateSize), this.cursor * W);
    for (let k = 0; k < this.actionSize; k++) this.inputs[this.cursor * W + this.stateSize + k] = action[k] ?? 0;
    this.rewards[this.cursor] = reward;
    this.rewardSum += reward;
    this.rewardCount++;
    this.cursor = (this.cursor + 1) % this.capacity;
    this.stored = Math.min(this.stored + 1, this.capacity);
  }

  /** One minibatch step of every member (each its own rows), towards the reward less the mean reward seen. */
  update(batch: number, lr: number): void {
    if (this.stored === 0) return;
    const W = this.stateSize + this.actionSize;
    const centre = this.rewardSum / this.rewardCount;
    const rows = new Float64Array(batch * W);
    const targets = new Float64Array(batch);
    const grad = new Float64Array(batch);
    for (const member of this.members) {
      for (let b = 0; b < batch; b++) {
        const i = Math.floor(this.random() * this.stored);
        rows.set(this.inputs.subarray(i * W, (i + 1) * W), b * W);
        targets[b] = (this.rewards[i] as number) - centre;
      }
      const q = member.forward(rows, batch);
      for (let b = 0; b < batch; b++) grad[b] = 2 * ((q[b] as number) - (targets[b] as number));
      member.backward(grad, true, 0, 0);
      member.adamStep({ lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, batch);
    }
  }

  /** Per member, its mean value over the episode's steps. */
  values(states: readonly Float64Array[], actions: readonly (readonly number[])[]): number[] {
    const T = states.length;
    const W = this.stateSize + this.actionSize;
    const rows = new Float64Array(T * W);
    states.forEach((st, t) => {
      rows.set(st.subarray(0, this.stateSize), t * W);
      for (let k = 0; k < this.actionSize; k++) rows[t * W + this.stateSize + k] = actions[t]?.[k] ?? 0;
    });
    return this.members.map((member) => {
      if (T === 0) return 0;
      const q = member.forward(rows, T);
      let sum = 0;
      for (let t = 0; t < T; t++) sum += q[t] as number;
      return sum / T;
    });
  }

  /** Standard deviation of the members' values over an episode (the bonus's unit). */
  spread(states: readonly Float64Array[], actions: readonly (readonly number[])[]): number {
    const v = this.values(states, actions);
    const mean = v.reduce((a, x) => a + x, 0) / v.length;
    return Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(1, v.length - 1));
  }
}
