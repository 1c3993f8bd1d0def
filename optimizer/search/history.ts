import type { EvaluatedCandidate } from './evaluator';
import type { TopK } from './top-k';

/** One row of the search history (one per episode). */
export interface EpisodeRecord {
  episode: number;
  /**
   * local: a search episode sampled around an elite plan (eliteLocal) instead of by the actor; param: acted by a
   * perturbed actor (paramNoise); cem: acted by a CEM-RL population member (cemPop); cross: two elite plans crossed
   * (eliteCross).
   */
  phase: 'warmup' | 'search' | 'local' | 'param' | 'cem' | 'random' | 'cross';
  noiseSd: number;
  reward: number;
  cost: number;
  feasible: boolean;
  dropPct: number;
  throughputImagesPerS: number;
  /** Absent when the episode's plan was evaluated without it (CandidateEvaluator.setLatencyNeeded). */
  latencyCycles?: number;
  bestCost: number;
  wbits: string;
  abits: string;
  replicas: string;
}

/** The history row of one evaluated episode (bestCost: the best plan so far, this one included). */
export function record(episode: number, phase: EpisodeRecord['phase'], sd: number, c: EvaluatedCandidate, top: TopK): EpisodeRecord {
  return {
    episode,
    phase,
    noiseSd: sd,
    reward: c.reward,
    cost: c.cost,
    feasible: c.feasible,
    dropPct: c.dropPct,
    throughputImagesPerS: c.throughputImagesPerS,
    ...(Number.isNaN(c.latencyCycles) ? {} : { latencyCycles: c.latencyCycles }),
    bestCost: top.best?.cost ?? c.cost,
    wbits: c.wbits.join(' '),
    abits: c.abits.join(' '),
    replicas: c.replicas.join(' '),
  };
}
