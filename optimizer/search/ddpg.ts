import { Mlp, type AdamSettings } from './mlp';

/** DDPG settings; defaults follow HAQ (Wang et al., CVPR 2019) except where the README says otherwise. */
export interface DdpgSettings {
  /** Hidden layer sizes of actor and critic. HAQ: [300, 300]. @default [64, 64] (speed; see README) */
  hidden: number[];
  /** @default 1e-4 */
  actorLr: number;
  /** @default 1e-3 */
  criticLr: number;
  /** Soft target update. @default 0.01 */
  tau: number;
  /** @default 64 */
  batchSize: number;
  /** Replay buffer transitions. @default 2000 */
  replaySize: number;
  /** HAQ: 1. @default 1 */
  discount: number;
  /** Moving-average reward baseline rate (HAQ moving_alpha). @default 0.5 */
  baselineRate: number;
}

export const DEFAULT_DDPG: DdpgSettings = {
  hidden: [64, 64],
  actorLr: 1e-4,
  criticLr: 1e-3,
  tau: 0.01,
  batchSize: 64,
  replaySize: 2000,
  discount: 1,
  baselineRate: 0.5,
};

function adam(lr: number): AdamSettings {
  return { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
}

/** Sample of N(mean, sd) truncated to [0, 1] (rejection, then clamped after 100 tries). */
export function truncatedNormal(random: () => number, mean: number, sd: number): number {
  for (let k = 0; k < 100; k++) {
    const u = 1 - random();
    const v = random();
    const x = mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, mean));
}

/** Deep deterministic policy gradient agent with a replay buffer and soft target networks. */
export class DdpgAgent {
  private readonly actor: Mlp;
  private readonly actorTarget: Mlp;
  private readonly critic: Mlp;
  private readonly criticTarget: Mlp;
  private readonly states: Float64Array;
  private readonly nextStates: Float64Array;
  private readonly actions: Float64Array;
  private readonly rewards: Float64Array;
  private readonly dones: Uint8Array;
  private stored = 0;
  private cursor = 0;
  private baseline = 0;
  private hasBaseline = false;

  constructor(
    readonly stateSize: number,
    readonly actionSize: number,
    readonly settings: DdpgSettings,
    private readonly random: () => number,
  ) {
    this.actor = new Mlp([stateSize, ...settings.hidden, actionSize], 'sigmoid', random);
    this.actorTarget = new Mlp([stateSize, ...settings.hidden, actionSize], 'sigmoid', random);
    this.critic = new Mlp([stateSize + actionSize, ...settings.hidden, 1], 'linear', random);
    this.criticTarget = new Mlp([stateSize + actionSize, ...settings.hidden, 1], 'linear', random);
    this.actorTarget.blendFrom(this.actor, 1);
    this.criticTarget.blendFrom(this.critic, 1);
    const n = settings.replaySize;
    this.states = new Float64Array(n * stateSize);
    this.nextStates = new Float64Array(n * stateSize);
    this.actions = new Float64Array(n * actionSize);
    this.rewards = new Float64Array(n);
    this.dones = new Uint8Array(n);
  }

  /** The actor's action for one state, with truncated-normal exploration noise of `sd` (0: none). */
  act(state: Float64Array, sd: number): number[] {
    const out = this.actor.forward(state, 1);
    const action: number[] = [];
    for (let k = 0; k < this.actionSize; k++) {
      const mean = out[k] ?? 0.5;
      action.push(sd > 0 ? truncatedNormal(this.random, mean, sd) : mean);
    }
    return action;
  }

  remember(state: Float64Array, action: readonly number[], reward: number, nextState: Float64Array, done: boolean): void {
    const i = this.cursor;
    this.states.set(state.subarray(0, this.stateSize), i * this.stateSize);
    this.nextStates.set(nextState.subarray(0, this.stateSize), i * this.stateSize);
    action.forEach((a, k) => (this.actions[i * this.actionSize + k] = a));
    this.rewards[i] = reward;
    this.dones[i] = done ? 1 : 0;
    this.cursor = (this.cursor + 1) % this.settings.replaySize;
    this.stored = Math.min(this.stored + 1, this.settings.replaySize);
  }

  get size(): number {
    return this.stored;
  }

  /** One minibatch update of critic and actor, then soft target updates. */
  update(): void {
    if (this.stored === 0) return;
    const { batchSize: B, discount, tau } = this.settings;
    const S = this.stateSize;
    const A = this.actionSize;
    const s = new Float64Array(B * S);
    const s1 = new Float64Array(B * S);
    const a = new Float64Array(B * A);
    const r = new Float64Array(B);
    const done = new Uint8Array(B);
    let meanReward = 0;
    for (let b = 0; b < B; b++) {
      const i = Math.floor(this.random() * this.stored);
      s.set(this.states.subarray(i * S, i * S + S), b * S);
      s1.set(this.nextStates.subarray(i * S, i * S + S), b * S);
      a.set(this.actions.subarray(i * A, i * A + A), b * A);
      r[b] = this.rewards[i] ?? 0;
      done[b] = this.dones[i] ?? 1;
      meanReward += (r[b] ?? 0) / B;
    }
    // HAQ subtracts a moving average of the reward to centre the critic's targets.
    if (!this.hasBaseline) {
      this.baseline = meanReward;
      this.hasBaseline = true;
    } else this.baseline += this.settings.baselineRate * (meanReward - this.baseline);

    // Critic target: (r - baseline) + discount * Q'(s1, mu'(s1)) for non-terminal transitions.
    const a1 = this.actorTarget.forward(s1, B);
    const sa1 = new Float64Array(B * (S + A));
    for (let b = 0; b < B; b++) {
      sa1.set(s1.subarray(b * S, b * S + S), b * (S + A));
      sa1.set(a1.subarray(b * A, b * A + A), b * (S + A) + S);
    }
    const q1 = Float64Array.from(this.criticTarget.forward(sa1, B));
    const sa = new Float64Array(B * (S + A));
    for (let b = 0; b < B; b++) {
      sa.set(s.subarray(b * S, b * S + S), b * (S + A));
      sa.set(a.subarray(b * A, b * A + A), b * (S + A) + S);
    }
    const q = this.critic.forward(sa, B);
    const grad = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      const target = (r[b] ?? 0) - this.baseline + (done[b] ? 0 : discount * (q1[b] ?? 0));
      grad[b] = 2 * ((q[b] ?? 0) - target); // d(MSE)/dq
    }
    this.critic.backward(grad, true);
    this.critic.adamStep(adam(this.settings.criticLr), B);

    // Actor: ascend Q(s, mu(s)): gradient of -Q through the critic's action inputs.
    const mu = Float64Array.from(this.actor.forward(s, B));
    for (let b = 0; b < B; b++) sa.set(mu.subarray(b * A, b * A + A), b * (S + A) + S);
    this.critic.forward(sa, B);
    const dIn = this.critic.backward(new Float64Array(B).fill(-1), false);
    const dMu = new Float64Array(B * A);
    for (let b = 0; b < B; b++) for (let k = 0; k < A; k++) dMu[b * A + k] = dIn[b * (S + A) + S + k] ?? 0;
    this.actor.forward(s, B);
    this.actor.backward(dMu, true);
    this.actor.adamStep(adam(this.settings.actorLr), B);

    this.actorTarget.blendFrom(this.actor, tau);
    this.criticTarget.blendFrom(this.critic, tau);
  }
}
