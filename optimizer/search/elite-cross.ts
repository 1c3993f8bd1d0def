/**
 * Crossover episodes between two imitated (elite) plans, for the RL search (rl-search.ts, opt-in with eliteCross):
 * each step takes the realised action of one of two distinct elites, either drawn per step (uniform crossover) or
 * the second elite's over one contiguous run of steps (a point of a relinking walk from one plan toward the other,
 * in either direction: relink.ts's walk between two seeds' ResNet-50 plans found the best-known plan, 11% above
 * both ends, docs/validation.md). The episode then goes through the step wall like the actor's, is evaluated once
 * and replayed like the actor's episodes (DDPG learns off-policy).
 */
import { ValidationError } from '../../errors';
import type { LocalEpisode } from './elite-local';

export interface EliteCrossSettings {
  /**
   * Share of the search episodes that cross two elite plans (drawn before eliteLocal's draw, so with both set an
   * episode is a crossover with probability eliteCross, else local with eliteLocal). 0: none (HAQ). Needs
   * imitationWeight > 0 and eliteEpisodes >= 2; an episode with fewer than two elites so far is the actor's. @default 0
   */
  eliteCross: number;
  /** 0: each step's parent drawn uniformly; 1: the second parent's actions over one contiguous run of steps. @default 0 */
  eliteCrossMode: 0 | 1;
  /** Truncated-normal noise sd on the crossed actions, in action units (one bit level is 1/7); 0: exact. @default 0 */
  eliteCrossSd: number;
}

export const DEFAULT_ELITE_CROSS: EliteCrossSettings = { eliteCross: 0, eliteCrossMode: 0, eliteCrossSd: 0 };

/** A crossover episode: the crossed actions, and per step whether it took the second parent's. */
export interface CrossEpisode extends LocalEpisode {
  parents: [number, number];
  fromSecond: boolean[];
}

/** Whether this search episode is a crossover, and of which elites (no draw when eliteCross is 0). */
export function drawCrossEpisode(settings: EliteCrossSettings, elite: readonly { actions: number[][] }[], random: () => number, stepCount: number): CrossEpisode | undefined {
  if (!(settings.eliteCross > 0) || elite.length < 2 || stepCount <= 0 || random() >= settings.eliteCross) return undefined;
  const i = Math.floor(random() * elite.length);
  const j = (i + 1 + Math.floor(random() * (elite.length - 1))) % elite.length;
  const a = elite[i];
  const b = elite[j];
  if (a === undefined || b === undefined) return undefined;
  let fromSecond: boolean[];
  if (settings.eliteCrossMode === 1) {
    // A run [start, end) with start uniform over the steps and end uniform after it (1 to stepCount - start steps).
    const start = Math.floor(random() * stepCount);
    const end = start + 1 + Math.floor(random() * (stepCount - start));
    fromSecond = Array.from({ length: stepCount }, (_, t) => t >= start && t < end);
  } else fromSecond = Array.from({ length: stepCount }, () => random() < 0.5);
  const actions = fromSecond.map((second, t) => [...((second ? b : a).actions[t] ?? [0.5, 0.5])]);
  return { actions, group: undefined, groupOffset: 0, sd: settings.eliteCrossSd, parents: [i, j], fromSecond };
}


/** What checkEliteCross reads (a partial override list or the full search settings). */
export interface EliteCrossCheck extends Partial<EliteCrossSettings> {
  eliteEpisodes?: number;
  cemPop?: number;
  ddpg?: { imitationWeight?: number };
}

/**
 * Refuses crossover settings out of range or that would do nothing: eliteCross above 0 needs the elites
 * (imitationWeight > 0, eliteEpisodes >= 2) and no CEM population (every search episode is a member's);
 * eliteCrossMode or eliteCrossSd set with eliteCross 0. Called by check-settings.ts checkSearchSettings (every entry) with the
 * defaults of imitationWeight and eliteEpisodes (elite-rank.ts, ddpg-settings.ts) for keys not given.
 */
export function checkEliteCross(s: EliteCrossCheck, defaults: { imitationWeight: number; eliteEpisodes: number }, source: string): void {
  const p = s.eliteCross ?? 0;
  if (!(p >= 0 && p <= 1)) throw new ValidationError(source, 'eliteCross', `${p}`, 'a number from 0 to 1');
  const mode: number = s.eliteCrossMode ?? 0;
  if (mode !== 0 && mode !== 1) throw new ValidationError(source, 'eliteCrossMode', `${mode}`, '0 (uniform per step) or 1 (one contiguous run of steps)');
  const sd = s.eliteCrossSd ?? 0;
  if (!(sd >= 0 && sd <= 1)) throw new ValidationError(source, 'eliteCrossSd', `${sd}`, 'a number from 0 to 1');
  if (p === 0) {
    if (mode !== 0) throw new ValidationError(source, 'eliteCrossMode', `${mode} with eliteCross=0`, '0 unless eliteCross is above 0 (no crossover episodes)');
    if (sd !== 0) throw new ValidationError(source, 'eliteCrossSd', `${sd} with eliteCross=0`, '0 unless eliteCross is above 0 (no crossover episodes)');
    return;
  }
  const weight = s.ddpg?.imitationWeight ?? defaults.imitationWeight;
  const elites = s.eliteEpisodes ?? defaults.eliteEpisodes;
  if (weight === 0 || elites < 2) {
    throw new ValidationError(source, 'eliteCross', `${p} with imitationWeight=${weight}, eliteEpisodes=${elites}`, '0 unless imitationWeight is above 0 and eliteEpisodes at least 2 (two elite plans to cross)');
  }
  const pop = s.cemPop ?? 0;
  if (pop > 0) throw new ValidationError(source, 'eliteCross', `${p} with cemPop=${pop}`, '0 with cemPop above 0 (every search episode is a population member\'s)');
}
