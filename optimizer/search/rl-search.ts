import seedrandom from 'seedrandom';
import type { ResolvedNetwork } from '../../workloads/types';
import { DdpgAgent, DEFAULT_DDPG, type DdpgSettings } from './ddpg';
import { CandidateEvaluator, MAX_SEARCH_BITS, MIN_SEARCH_BITS, TopK, type EvaluatedCandidate } from './evaluator';
import { actionToBits, bitsToAction, staticFeatures, stateVector, STATE_SIZE } from './state';

/** One row of the search history (one per episode). */
export interface EpisodeRecord {
  episode: number;
  phase: 'warmup' | 'search' | 'random';
  noiseSd: number;
  reward: number;
  cost: number;
  feasible: boolean;
  dropPct: number;
  throughputImagesPerS: number;
  latencyCycles: number;
  bestCost: number;
  wbits: string;
  abits: string;
  replicas: string;
}

export interface SearchSettings {
  seed: number | string;
  /** Search episodes after the warm-up. HAQ: 600. */
  episodes: number;
  /** Random-action episodes that fill the replay buffer first. HAQ: 20. @default 20 */
  warmupEpisodes: number;
  /** Initial exploration sd (HAQ 0.5), multiplied by `noiseDecay` (0.99) each search episode. */
  noiseSd: number;
  noiseDecay: number;
  /** Minibatch updates after each search episode (HAQ: one per step; fewer here for speed, see README). @default 4 */
  updatesPerEpisode: number;
  /** Weighted layers whose bits stay at 8 (default: first and last). */
  fixedLayers: number[];
  topK: number;
  ddpg: DdpgSettings;
  onEpisode?: (record: EpisodeRecord) => void;
}

export function defaultSearchSettings(net: ResolvedNetwork, overrides: Partial<SearchSettings> = {}): SearchSettings {
  const n = net.weightedIndices.length;
  return {
    seed: 1,
    episodes: 600,
    warmupEpisodes: 20,
    noiseSd: 0.5,
    noiseDecay: 0.99,
    updatesPerEpisode: 4,
    fixedLayers: n > 1 ? [0, n - 1] : [0],
    topK: 5,
    ddpg: { ...DEFAULT_DDPG },
    ...overrides,
  };
}

export interface SearchResult {
  best: EvaluatedCandidate | undefined;
  top: EvaluatedCandidate[];
  history: EpisodeRecord[];
  evaluations: number;
}

function record(episode: number, phase: EpisodeRecord['phase'], sd: number, c: EvaluatedCandidate, top: TopK): EpisodeRecord {
  return {
    episode,
    phase,
    noiseSd: sd,
    reward: c.reward,
    cost: c.cost,
    feasible: c.feasible,
    dropPct: c.dropPct,
    throughputImagesPerS: c.throughputImagesPerS,
    latencyCycles: c.latencyCycles,
    bestCost: top.best?.cost ?? c.cost,
    wbits: c.wbits.join(' '),
    abits: c.abits.join(' '),
    replicas: c.replicas.join(' '),
  };
}

/**
 * HAQ-style DDPG search over per-layer (weight, activation) bits: one agent step per free layer with a
 * two-dimensional action (weights, activations), the whole episode rewarded with the final -log(cost) of the
 * plan under its best replication (a reward given to every step, as HAQ does).
 */
export async function rlSearch(net: ResolvedNetwork, evaluator: CandidateEvaluator, settings: SearchSettings): Promise<SearchResult> {
  const random = seedrandom(String(settings.seed));
  const n = net.weightedIndices.length;
  const fixed = new Set(settings.fixedLayers);
  const free = [...Array(n).keys()].filter((i) => !fixed.has(i));
  const features = staticFeatures(net);
  const agent = new DdpgAgent(STATE_SIZE, 2, settings.ddpg, random);
  const top = new TopK(settings.topK);
  const history: EpisodeRecord[] = [];
  const total = settings.warmupEpisodes + settings.episodes;
  for (let episode = 0; episode < total; episode++) {
    const warm = episode < settings.warmupEpisodes;
    const sd = warm ? 1 : settings.noiseSd * settings.noiseDecay ** (episode - settings.warmupEpisodes);
    const wbits = new Array<number>(n).fill(8);
    const abits = new Array<number>(n).fill(8);
    const states: Float64Array[] = [];
    let previous = [1, 1];
    for (const i of free) {
      const s = stateVector(features[i] ?? [], previous);
      const action = warm ? [random(), random()] : agent.act(s, sd);
      wbits[i] = actionToBits(action[0] ?? 1, MIN_SEARCH_BITS, MAX_SEARCH_BITS);
      abits[i] = actionToBits(action[1] ?? 1, MIN_SEARCH_BITS, MAX_SEARCH_BITS);
      states.push(s);
      previous = action;
    }
    const c = await evaluator.evaluate(wbits, abits);
    top.offer(c);
    // Transitions use the realised (repaired) bits, so the critic learns the reward of what was evaluated.
    free.forEach((i, t) => {
      const act = [bitsToAction(c.wbits[i] ?? 8, MIN_SEARCH_BITS, MAX_SEARCH_BITS), bitsToAction(c.abits[i] ?? 8, MIN_SEARCH_BITS, MAX_SEARCH_BITS)];
      const s = states[t] as Float64Array;
      const nextI = free[t + 1];
      const next = nextI === undefined ? s : stateVector(features[nextI] ?? [], act);
      if (nextI !== undefined) states[t + 1] = next;
      agent.remember(s, act, c.reward, next, nextI === undefined);
    });
    if (!warm) for (let u = 0; u < settings.updatesPerEpisode; u++) agent.update();
    const row = record(episode, warm ? 'warmup' : 'search', warm ? 0 : sd, c, top);
    history.push(row);
    settings.onEpisode?.(row);
  }
  return { best: top.best, top: [...top.items], history, evaluations: evaluator.evaluations };
}

/** Random search with the same evaluation budget: uniform bits per free layer, repaired the same way. */
export async function randomSearch(net: ResolvedNetwork, evaluator: CandidateEvaluator, settings: SearchSettings): Promise<SearchResult> {
  const random = seedrandom(`${String(settings.seed)}:random`);
  const n = net.weightedIndices.length;
  const fixed = new Set(settings.fixedLayers);
  const top = new TopK(settings.topK);
  const history: EpisodeRecord[] = [];
  const total = settings.warmupEpisodes + settings.episodes;
  for (let episode = 0; episode < total; episode++) {
    const wbits = new Array<number>(n).fill(8);
    const abits = new Array<number>(n).fill(8);
    for (let i = 0; i < n; i++) {
      if (fixed.has(i)) continue;
      wbits[i] = actionToBits(random(), MIN_SEARCH_BITS, MAX_SEARCH_BITS);
      abits[i] = actionToBits(random(), MIN_SEARCH_BITS, MAX_SEARCH_BITS);
    }
    const c = await evaluator.evaluate(wbits, abits);
    top.offer(c);
    const row = record(episode, 'random', 0, c, top);
    history.push(row);
    settings.onEpisode?.(row);
  }
  return { best: top.best, top: [...top.items], history, evaluations: evaluator.evaluations };
}
