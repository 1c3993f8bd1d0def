import { Mlp, type AdamSettings } from './mlp';
import { ImitationTargets } from './actor-heads';
import { TD3_NOISE_CLIP_SDS, gaussian, truncatedNormal, type DdpgSettings } from './ddpg-settings';

export { DEFAULT_DDPG, TD3_NOISE_CLIP_SDS, gaussian, truncatedNormal, type DdpgSettings } from './ddpg-settings';

function adam(lr: number): AdamSettings {
  return { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
}

/** update()'s buffers for minibatch size B, allocated once. */
interface Scratch {
  B: number;
  s: Float64Array;
  sE: Float64Array;
  s1: Float64Array;
  sa1: Float64Array;
  sa: Float64Array;
  r: Float64Array;
  done: Uint8Array;
  q1: Float64Array;
  grad: Float64Array;
  minus: Float64Array;
  dMu: Float64Array;
}

/** Deep deterministic policy gradient agent with a replay buffer and soft target networks. */
export class DdpgAgent {
  /** The actor heads (one unless settings.actorHeads > 1); act() uses heads[head]. */
  private readonly heads: Mlp[];
  private head = 0;
  /** The head the target actor (the critic's bootstrap policy) follows. */
  private targetHead = 0;
  private readonly actorTarget: Mlp;
  private readonly critic: Mlp;
  private readonly criticTarget: Mlp;
  /** TD3's second critic and its target (undefined unless settings.td3). */
  private readonly twin: { critic: Mlp; target: Mlp } | undefined;
  private updates = 0;
  private readonly states: Float64Array;
  private readonly nextStates: Float64Array;
  private readonly actions: Float64Array;
  private readonly rewards: Float64Array;
  private readonly dones: Uint8Array;
  private stored = 0;
  /** Per head, its self-imitation targets (the best episodes' states and actions). */
  private readonly imitation: ImitationTargets[];
  private cursor = 0;
  private baseline = 0;
  private spread = 0;
  private hasBaseline = false;

  constructor(
    readonly stateSize: number,
    readonly actionSize: number,
    readonly settings: DdpgSettings,
    private readonly random: () => number,
  ) {
    const actor = new Mlp([stateSize, ...settings.hidden, actionSize], 'sigmoid', random);
    this.actorTarget = new Mlp([stateSize, ...settings.hidden, actionSize], 'sigmoid', random);
    this.critic = new Mlp([stateSize + actionSize, ...settings.hidden, 1], 'linear', random);
    this.criticTarget = new Mlp([stateSize + actionSize, ...settings.hidden, 1], 'linear', random);
    // Further heads are drawn after the single-actor agent's networks, so its initial weights are the same.
    this.heads = [actor];
    for (let k = 1; k < settings.actorHeads; k++) this.heads.push(new Mlp([stateSize, ...settings.hidden, actionSize], 'sigmoid', random));
    this.imitation = this.heads.map(() => new ImitationTargets(stateSize, actionSize));
    this.actorTarget.blendFrom(actor, 1);
    this.criticTarget.blendFrom(this.critic, 1);
    // Built after the others, so without td3 the random stream (and every plan) is as before the setting.
    if (settings.td3) {
      const critic = new Mlp([stateSize + actionSize, ...settings.hidden, 1], 'linear', random);
      const target = new Mlp([stateSize + actionSize, ...settings.hidden, 1], 'linear', random);
      target.blendFrom(critic, 1);
      this.twin = { critic, target };
    }
    const n = settings.replaySize;
    this.states = new Float64Array(n * stateSize);
    this.nextStates = new Float64Array(n * stateSize);
    this.actions = new Float64Array(n * actionSize);
    this.rewards = new Float64Array(n);
    this.dones = new Uint8Array(n);
  }

  /** The head act(), perturbActor() and perturbationDistance() use. */
  private get actor(): Mlp {
    return this.heads[this.head] as Mlp;
  }

  get headCount(): number {
    return this.heads.length;
  }

  /** The head the following episode acts with (0 to headCount - 1). */
  selectHead(head: number): void {
    this.head = this.checkedHead(head, 'selectHead');
  }

  /** The head the critic's target actor blends from in the following updates (the head imitating the best episode). */
  setTargetHead(head: number): void {
    this.targetHead = this.checkedHead(head, 'setTargetHead');
  }

  private checkedHead(head: number, caller: string): number {
    if (!Number.isInteger(head) || head < 0 || head >= this.heads.length) throw new Error(`${caller}: no head ${head} of ${this.heads.length}`);
    return head;
  }

  /**
   * The actor's action for one state, with truncated-normal exploration noise of `sd` (0: none) around the
   * actor's output moved by `offset` (per action dimension, clamped to [0, 1]).
   */
  act(state: Float64Array, sd: number, offset?: readonly number[]): number[] {
    return this.actWith(this.actor, state, sd, offset);
  }

  /** `net`'s action for one state, noise and offset as act(). */
  private actWith(net: Mlp, state: Float64Array, sd: number, offset?: readonly number[]): number[] {
    const out = net.forward(state, 1);
    const action: number[] = [];
    for (let k = 0; k < this.actionSize; k++) {
      const mean = Math.min(1, Math.max(0, (out[k] ?? 0.5) + (offset?.[k] ?? 0)));
      action.push(sd > 0 ? truncatedNormal(this.random, mean, sd) : mean);
    }
    return action;
  }

  private perturbed: Mlp | undefined;

  /**
   * A copy of the acting head with N(0, sd) added to every parameter, acted with by actPerturbed (parameter-space
   * noise). The caller's sd is one for all heads: it adapts to whichever head acted.
   */
  perturbActor(sd: number): void {
    // Built once with a constant draw (its weights are overwritten), so the agent's own random stream is not consumed.
    this.perturbed ??= new Mlp([this.stateSize, ...this.settings.hidden, this.actionSize], 'sigmoid', () => 0.5, 3e-3, false);
    this.perturbed.perturbFrom(this.actor, sd, () => gaussian(this.random));
  }

  /** The acting head's weights and biases (Mlp.parameters order; CEM-RL, cem-rl.ts). */
  actorParameters(): Float64Array {
    return this.actor.parameters();
  }

  /** Loads the acting head's weights and biases, with a fresh Adam (a CEM-RL member about to take gradient steps). */
  loadActor(parameters: ArrayLike<number>): void {
    this.actor.setParameters(parameters);
    this.actor.resetOptimizer();
  }

  /** Loads the copy actPerturbed acts with (a CEM-RL member), as perturbActor without a draw. */
  actWithParameters(parameters: ArrayLike<number>): void {
    this.perturbed ??= new Mlp([this.stateSize, ...this.settings.hidden, this.actionSize], 'sigmoid', () => 0.5, 3e-3, false);
    this.perturbed.setParameters(parameters);
  }

  /** The perturbed actor's action for one state, as act() with the perturbed actor (sd 0: no action noise). */
  actPerturbed(state: Float64Array, sd: number, offset?: readonly number[]): number[] {
    if (this.perturbed === undefined) throw new Error('actPerturbed before perturbActor');
    return this.actWith(this.perturbed, state, sd, offset);
  }

  /** Root-mean-square distance between the actor's and the perturbed actor's actions over `states`. */
  perturbationDistance(states: readonly Float64Array[]): number {
    if (this.perturbed === undefined || states.length === 0) return 0;
    let sum = 0;
    for (const st of states) {
      const a = [...this.actor.forward(st, 1)];
      const b = this.perturbed.forward(st, 1);
      for (let k = 0; k < this.actionSize; k++) sum += ((a[k] ?? 0) - (b[k] ?? 0)) ** 2;
    }
    return Math.sqrt(sum / (states.length * this.actionSize));
  }

  /**
   * Per step, the critic's estimate of the episode's (centred) reward from the step's state and action: Q(s, a)
   * divided by the discounted number of rewards still to come (bootstrapped targets: Q sums them; otherwise each step
   * is terminal and Q is one reward). No random draw, no update.
   */
  stepValues(states: readonly Float64Array[], actions: readonly (readonly number[])[], bootstrap: boolean): Float64Array {
    const T = states.length;
    const S = this.stateSize;
    const W = S + this.actionSize;
    const rows = new Float64Array(T * W);
    states.forEach((st, t) => {
      rows.set(st.subarray(0, S), t * W);
      for (let k = 0; k < this.actionSize; k++) rows[t * W + S + k] = actions[t]?.[k] ?? 0;
    });
    const values = new Float64Array(T);
    if (T === 0) return values;
    const q = this.critic.forward(rows, T);
    let horizon = 0;
    // Backwards, so the horizon of step t (1 + discount + ... over the steps from t) accumulates.
    for (let t = T - 1; t >= 0; t--) {
      horizon = bootstrap ? 1 + this.settings.discount * horizon : 1;
      values[t] = (q[t] as number) / horizon;
    }
    return values;
  }

  /** The mean of stepValues over the episode's steps (0 for no step). */
  episodeValue(states: readonly Float64Array[], actions: readonly (readonly number[])[], bootstrap: boolean): number {
    const values = this.stepValues(states, actions, bootstrap);
    return values.length === 0 ? 0 : values.reduce((a, v) => a + v, 0) / values.length;
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

  /** Replaces head `head`'s self-imitation targets (the best episodes' states and the actions to imitate there). */
  setElite(states: readonly Float64Array[], actions: readonly (readonly number[])[], head = 0): void {
    (this.imitation[this.checkedHead(head, 'setElite')] as ImitationTargets).set(states, actions);
  }

  get size(): number {
    return this.stored;
  }

  private scratch: Scratch | undefined;

  private buffers(B: number): Scratch {
    if (this.scratch?.B === B) return this.scratch;
    const S = this.stateSize;
    const A = this.actionSize;
    this.scratch = {
      B,
      s: new Float64Array(B * S),
      sE: new Float64Array(B * S),
      s1: new Float64Array(B * S),
      sa1: new Float64Array(B * (S + A)),
      sa: new Float64Array(B * (S + A)),
      r: new Float64Array(B),
      done: new Uint8Array(B),
      q1: new Float64Array(B),
      grad: new Float64Array(B),
      minus: new Float64Array(B).fill(-1),
      dMu: new Float64Array(B * A),
    };
    return this.scratch;
  }

  /** One minibatch update of critic and actor, then soft target updates. */
  update(): void {
    if (this.stored === 0) return;
    const { batchSize: B, discount, tau } = this.settings;
    const S = this.stateSize;
    const A = this.actionSize;
    const W = S + A;
    const scratch = this.buffers(B);
    const { s, s1, sa, r, done, grad } = scratch;
    let meanReward = 0;
    let squares = 0;
    for (let b = 0; b < B; b++) {
      const i = Math.floor(this.random() * this.stored);
      for (let k = 0; k < S; k++) {
        const v = this.states[i * S + k] as number;
        s[b * S + k] = v;
        sa[b * W + k] = v;
        s1[b * S + k] = this.nextStates[i * S + k] as number;
      }
      for (let k = 0; k < A; k++) sa[b * W + S + k] = this.actions[i * A + k] as number;
      r[b] = this.rewards[i] as number;
      done[b] = this.dones[i] as number;
      meanReward += (r[b] as number) / B;
      squares += (r[b] as number) ** 2 / B;
    }
    // HAQ subtracts a moving average of the reward to centre the critic's targets.
    const sd = Math.sqrt(Math.max(0, squares - meanReward * meanReward));
    if (!this.hasBaseline) {
      this.baseline = meanReward;
      this.spread = sd;
      this.hasBaseline = true;
    } else {
      this.baseline += this.settings.baselineRate * (meanReward - this.baseline);
      this.spread += this.settings.baselineRate * (sd - this.spread);
    }
    const scale = this.settings.normalizeReward && this.spread > 1e-12 ? 1 / this.spread : 1;

    // Critic target: (r - baseline) + discount * Q'(s1, mu'(s1)) for non-terminal transitions (td3: nextValues).
    const q1 = this.nextValues(s1, B);
    const critics = this.twin ? [this.critic, this.twin.critic] : [this.critic];
    for (const critic of critics) {
      const q = critic.forward(sa, B);
      for (let b = 0; b < B; b++) {
        const target = ((r[b] as number) - this.baseline) * scale + (done[b] ? 0 : discount * (q1[b] as number));
        grad[b] = 2 * ((q[b] as number) - target); // d(MSE)/dq
      }
      critic.backward(grad, true, 0, 0);
      critic.adamStep(adam(this.settings.criticLr), B);
    }
    this.updates++;
    // TD3's delayed policy updates: the actor and the targets move every td3Delay-th critic update only.
    if (this.twin && this.updates % Math.max(1, this.settings.td3Delay) !== 0) return;

    // Each head: ascend Q(s, mu(s)) on the same minibatch, plus its own self-imitation.
    this.heads.forEach((actor, h) => this.updateActor(actor, this.imitation[h] as ImitationTargets, scratch));
    this.actorTarget.blendFrom(this.heads[this.targetHead] as Mlp, tau);
    this.criticTarget.blendFrom(this.critic, tau);
    this.twin?.target.blendFrom(this.twin.critic, tau);
  }

  /**
   * One Adam step of `actor`: the critic's gradient at the minibatch's states s (sa's state columns filled), then
   * imitation of `elite` at states drawn into sE (not s: the next head's critic step reads s).
   */
  private updateActor(actor: Mlp, elite: ImitationTargets, { B, s, sE, sa, minus, dMu }: Scratch): void {
    const S = this.stateSize;
    const A = this.actionSize;
    const W = S + A;
    // Gradient of -Q through the critic's action inputs.
    const mu = actor.forward(s, B);
    for (let b = 0; b < B; b++) for (let k = 0; k < A; k++) sa[b * W + S + k] = mu[b * A + k] as number;
    this.critic.forward(sa, B);
    dMu.set(this.critic.backward(minus, false, S, S + A));
    actor.backward(dMu, true, 0, 0);
    const weight = this.settings.imitationWeight;
    if (weight > 0 && elite.count > 0) {
      // Self-imitation: gradient of weight * |mu(s_e) - a_e|^2 over a minibatch of the imitated episodes' steps.
      for (let b = 0; b < B; b++) {
        const i = Math.floor(this.random() * elite.count);
        for (let k = 0; k < S; k++) sE[b * S + k] = elite.states[i * S + k] as number;
        for (let k = 0; k < A; k++) dMu[b * A + k] = elite.actions[i * A + k] as number;
      }
      const muE = actor.forward(sE, B);
      for (let j = 0; j < B * A; j++) dMu[j] = 2 * weight * ((muE[j] as number) - (dMu[j] as number));
      actor.backward(dMu, true, 0, 0);
    }
    actor.adamStep(adam(this.settings.actorLr), B);
  }

  /**
   * The target actor's actions for `batch` next states (rows of stateSize), as [batch][actionSize]; with `smoothing`
   * and td3, plus TD3's target policy smoothing: N(0, td3Noise) clipped at TD3_NOISE_CLIP_SDS sd, then to [0, 1].
   */
  targetActions(nextStates: Float64Array, batch: number, smoothing: boolean): Float64Array {
    const A = this.actionSize;
    const out = Float64Array.from(this.actorTarget.forward(nextStates, batch).subarray(0, batch * A));
    const sd = smoothing && this.twin ? this.settings.td3Noise : 0;
    if (sd > 0) {
      const clip = TD3_NOISE_CLIP_SDS * sd;
      for (let j = 0; j < batch * A; j++) {
        const noise = Math.min(clip, Math.max(-clip, sd * gaussian(this.random)));
        out[j] = Math.min(1, Math.max(0, (out[j] as number) + noise));
      }
    }
    return out;
  }

  /** Each target critic's value (one array per critic: two with td3) at `batch` rows of states and actions. */
  targetValues(states: Float64Array, actions: Float64Array, batch: number): Float64Array[] {
    const S = this.stateSize;
    const A = this.actionSize;
    const rows = new Float64Array(batch * (S + A));
    for (let b = 0; b < batch; b++) {
      rows.set(states.subarray(b * S, (b + 1) * S), b * (S + A));
      rows.set(actions.subarray(b * A, (b + 1) * A), b * (S + A) + S);
    }
    const targets = this.twin ? [this.criticTarget, this.twin.target] : [this.criticTarget];
    return targets.map((t) => Float64Array.from(t.forward(rows, batch).subarray(0, batch)));
  }

  /**
   * The bootstrap term of the critics' targets at `batch` next states: Q'(s1, mu'(s1)); with td3, the clipped double-Q
   * value min(Q1', Q2') at the smoothed target action (targetActions). Returns a scratch array, valid until the next call.
   */
  nextValues(nextStates: Float64Array, batch: number): Float64Array {
    const S = this.stateSize;
    const A = this.actionSize;
    const W = S + A;
    const { sa1, q1 } = this.buffers(batch);
    const a1 = this.targetActions(nextStates, batch, true);
    for (let b = 0; b < batch; b++) {
      sa1.set(nextStates.subarray(b * S, (b + 1) * S), b * W);
      sa1.set(a1.subarray(b * A, (b + 1) * A), b * W + S);
    }
    q1.set(this.criticTarget.forward(sa1, batch));
    if (this.twin) {
      const q2 = this.twin.target.forward(sa1, batch);
      for (let b = 0; b < batch; b++) q1[b] = Math.min(q1[b] as number, q2[b] as number);
    }
    return q1;
  }
}
