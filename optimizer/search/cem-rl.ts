/**
 * CEM-RL (Pourchot & Sigaud, ICLR 2019, "CEM-RL: Combining evolutionary and gradient-based methods for policy
 * search") over the DDPG actor's parameters, for the RL search (rl-search.ts, opt-in with cemPop). A diagonal
 * Gaussian over the actor's weights and biases; each generation draws cemPop actors, the first half take cemSteps
 * gradient steps from the shared critic (DdpgAgent.update: a critic step, then the actor's step on the critic and the
 * self-imitation of the elite episodes, from a fresh Adam), every actor plays one search episode (one evaluation:
 * the run's evaluations stay warm-up + episodes), and the mean and variance are refit to the better half, weighted
 * by rank as the paper.
 */
import { gaussian } from './ddpg-settings';

export interface CemSettings {
  /**
   * Actors per CEM-RL generation; each plays one search episode, so episodes / cemPop generations (the last one
   * smaller when cemPop does not divide the episodes). 0: off (the single DDPG actor with action noise). HAQ: none.
   * @default 0
   */
  cemPop: number;
  /**
   * Initial sd of every actor parameter around the mean, and the initial sd of the extra variance added at each
   * refit, which decays as the paper's (x 0.95 per generation towards a hundredth of its start in variance).
   * @default 0.0316 (the paper's variance 1e-3)
   */
  cemSigma: number;
  /**
   * Gradient steps (DdpgAgent.update) of each actor in a generation's first half. @default 8 (with cemPop N, 8 N / 2
   * updates per generation: the default search's updatesPerEpisode 4 per episode)
   */
  cemSteps: number;
}

export const DEFAULT_CEM: CemSettings = { cemPop: 0, cemSigma: Math.sqrt(1e-3), cemSteps: 8 };

/** The extra variance's decay per generation and its floor, relative to its start (the paper: 1e-3 to 1e-5 at 0.95). */
const EXTRA_DECAY = 0.95;
const EXTRA_FLOOR = 0.01;

/** The paper's recombination weights for `parents` ranked members, best first: log(1 + parents) - log(i), normalised. */
export function cemWeights(parents: number): number[] {
  const raw = Array.from({ length: parents }, (_, i) => Math.log(1 + parents) - Math.log(i + 1));
  const sum = raw.reduce((a, w) => a + w, 0);
  return raw.map((w) => w / sum);
}

/** A diagonal Gaussian over a parameter vector, refit by the cross-entropy method. */
export class CemPopulation {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  private extra: number;
  private readonly extraFloor: number;

  constructor(mean: ArrayLike<number>, sigma: number) {
    this.mean = Float64Array.from(mean);
    this.variance = new Float64Array(this.mean.length).fill(sigma * sigma);
    this.extra = sigma * sigma;
    this.extraFloor = EXTRA_FLOOR * this.extra;
  }

  /** `count` draws from the Gaussian (per member, parameters in order). */
  sample(count: number, random: () => number): Float64Array[] {
    return Array.from({ length: count }, () => this.mean.map((m, j) => m + Math.sqrt(this.variance[j] as number) * gaussian(random)));
  }

  /**
   * Refit to the better half of `members` (at least one) by `fitness` (higher is better): the mean to their weighted
   * mean, the variance to their weighted squared distance from the old mean plus the extra variance, which then decays.
   * Ties are ordered by a draw of `random` per member, drawn only when two fitness values are equal (in the members'
   * order the gradient half, listed first, would win every tie: r108 found ties at the cut in 7 of 60 generations).
   */
  refit(members: readonly Float64Array[], fitness: readonly number[], random: () => number): void {
    if (members.length !== fitness.length || members.length === 0) throw new Error(`refit: ${members.length} members, ${fitness.length} fitness values`);
    const tieKeys = new Set(fitness).size < fitness.length ? fitness.map(() => random()) : undefined;
    const tieBreak = (a: number, b: number): number => (tieKeys ? (tieKeys[a] as number) - (tieKeys[b] as number) : 0) || a - b;
    const order = [...members.keys()].sort((a, b) => (fitness[b] as number) - (fitness[a] as number) || tieBreak(a, b));
    const parents = Math.max(1, Math.floor(members.length / 2));
    const weights = cemWeights(parents);
    this.extra = EXTRA_DECAY * this.extra + (1 - EXTRA_DECAY) * this.extraFloor;
    for (let j = 0; j < this.mean.length; j++) {
      const old = this.mean[j] as number;
      let mean = 0;
      let variance = 0;
      weights.forEach((w, r) => {
        const z = (members[order[r] as number] as Float64Array)[j] as number;
        mean += w * z;
        variance += w * (z - old) ** 2;
      });
      this.mean[j] = mean;
      this.variance[j] = variance + this.extra;
    }
  }
}

/** What CemSearch needs of the agent (DdpgAgent). */
export interface CemAgent {
  /** The acting actor's parameters (Mlp.parameters order). */
  actorParameters(): Float64Array;
  /** Loads the acting actor's parameters, with a fresh optimizer. */
  loadActor(parameters: ArrayLike<number>): void;
  /** One minibatch update of critic and actor. */
  update(): void;
  /** Loads the parameters the next episode acts with (actPerturbed's copy). */
  actWithParameters(parameters: ArrayLike<number>): void;
}

/** CEM-RL's generations over the search episodes (rl-search.ts: before() ahead of an episode, after() with its fitness). */
export class CemSearch {
  private population: CemPopulation | undefined;
  private members: Float64Array[] = [];
  private fitness: number[] = [];
  /** Generations refit so far. */
  generations = 0;

  constructor(
    private readonly settings: CemSettings,
    private readonly searchEpisodes: number,
    private readonly random: () => number,
  ) {
    if (!Number.isInteger(settings.cemPop) || settings.cemPop < 2) throw new Error(`CemSearch: cemPop ${settings.cemPop}, need an integer from 2`);
  }

  /**
   * Before search episode `episode` (counted after the warm-up): at a generation's start, draws it (the mean starts
   * at the agent's actor) and gives its first half the gradient steps; then loads the episode's actor for acting.
   */
  before(agent: CemAgent, episode: number): void {
    if (this.fitness.length === this.members.length) {
      this.population ??= new CemPopulation(agent.actorParameters(), this.settings.cemSigma);
      const size = Math.max(1, Math.min(this.settings.cemPop, this.searchEpisodes - episode));
      this.members = this.population.sample(size, this.random);
      this.fitness = [];
      for (let i = 0; i < Math.floor(size / 2); i++) {
        agent.loadActor(this.members[i] as Float64Array);
        for (let k = 0; k < this.settings.cemSteps; k++) agent.update();
        this.members[i] = agent.actorParameters();
      }
    }
    agent.actWithParameters(this.members[this.fitness.length] as Float64Array);
  }

  /** The fitness of the episode before() prepared; the last of a generation refits the population. */
  after(fitness: number): void {
    this.fitness.push(fitness);
    if (this.fitness.length < this.members.length) return;
    this.population?.refit(this.members, this.fitness, this.random);
    this.generations++;
  }

  /** The current mean (undefined before the first generation). */
  get mean(): Float64Array | undefined {
    return this.population?.mean;
  }
}
