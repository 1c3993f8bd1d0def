/**
 * The search settings' combination rules and the population's ranges, in one place, read by every entry:
 * `--search-settings` (settings.ts parseSearchSettings, over the defaults), optimize() (before the side searches start a
 * thread) and rlSearch (a library caller's settings); `source` names which. A setting that would do nothing, or a
 * population that would not fit in memory, is refused with a ValidationError naming the field.
 */
import { ValidationError } from '../../errors';
import { DEFAULT_CEM } from './cem-rl';
import { DEFAULT_DDPG, type DdpgSettings } from './ddpg-settings';
import { DEFAULT_ELITE_EPISODES } from './elite-rank';
import { checkEliteCross, type EliteCrossSettings } from './elite-cross';
import { STATE_EXTRAS, STATE_SIZE } from './state';

/** The default search's minibatch updates per search episode and per agent step (rl-search.ts defaultSearchSettings). */
export const DEFAULT_UPDATES = { updatesPerEpisode: 4, updatesPerStep: 0 } as const;
/** HAQ's (settings.ts HAQ_SETTINGS): one update per agent step, none per episode. */
const HAQ_UPDATES = { updatesPerEpisode: 0, updatesPerStep: 1 } as const;

/** Largest CEM-RL population (the paper uses 10); each member's actor parameters are held as a Float64Array. */
export const MAX_CEM_POP = 256;
/** Largest cemSteps: a generation's first half takes cemSteps x cemPop / 2 updates (updatesPerEpisode's range: 1,000). */
export const MAX_CEM_STEPS = 2_000;
/** Largest cemSigma (sd of every actor parameter around the mean). */
export const MAX_CEM_SIGMA = 10;
/** Largest storage of one generation's members (cemPop x actor parameters x 8 bytes). */
export const MAX_CEM_BYTES = 256 * 2 ** 20;

/**
 * What the rules read; rl-search's SearchSettings and SearchOverrides both satisfy it. A missing field is at its default
 * (the parser checks a user's overrides before they meet a network's defaults).
 */
export interface CheckedSettings extends Partial<EliteCrossSettings> {
  eliteEpisodes?: number;
  cemPop?: number;
  cemSigma?: number;
  cemSteps?: number;
  paramNoise?: number;
  critScreen?: number;
  eliteLocal?: number;
  updatesPerEpisode?: number;
  updatesPerStep?: number;
  stateExtras?: boolean;
  ddpg?: Partial<Pick<DdpgSettings, 'hidden' | 'actorHeads' | 'actorHeadSticky' | 'imitationWeight'>>;
}

/** Weights and biases of the actor (an Mlp from the state through the hidden layers to the 2 actions). */
export function actorParameterCount(stateSize: number, hidden: readonly number[]): number {
  const sizes = [stateSize, ...hidden, 2];
  let count = 0;
  for (let l = 1; l < sizes.length; l++) count += ((sizes[l - 1] as number) + 1) * (sizes[l] as number);
  return count;
}

export function checkSearchSettings(settings: CheckedSettings, source: string): void {
  const ddpg = { ...DEFAULT_DDPG, ...settings.ddpg };
  checkActorHeads(settings.eliteEpisodes ?? DEFAULT_ELITE_EPISODES, ddpg, source);
  checkCem(settings, ddpg, source);
  checkEliteCross(settings, { imitationWeight: DEFAULT_DDPG.imitationWeight, eliteEpisodes: DEFAULT_ELITE_EPISODES }, source);
}

/**
 * Refuses head settings that would do nothing: sticky heads with one head, and several heads without self-imitation
 * (imitationWeight or eliteEpisodes 0, e.g. `haq,actorHeads=3`): the heads then differ only in their initial weights.
 */
function checkActorHeads(elites: number, ddpg: DdpgSettings, source: string): void {
  const { actorHeads: heads, actorHeadSticky: sticky, imitationWeight: weight } = ddpg;
  if (sticky && heads <= 1) {
    throw new ValidationError(source, 'actorHeadSticky', `true with actorHeads=${heads}`, 'true only with actorHeads above 1');
  }
  if (heads > 1 && (weight === 0 || elites === 0)) {
    throw new ValidationError(source, 'actorHeads', `${heads} with imitationWeight=${weight}, eliteEpisodes=${elites}`, 'above 1 only with imitationWeight and eliteEpisodes above 0 (each head imitates its own elite episode)');
  }
}

/**
 * CEM-RL's ranges, then its combinations. cemPop 1 is not a population (the refit would copy the one member); with a
 * population every search episode is a member's, so the settings that choose how other search episodes act would do
 * nothing, the per-episode and per-step updates do not run (the members' cemSteps replace them), and several heads have
 * no single actor for the members to load.
 */
function checkCem(settings: CheckedSettings, ddpg: DdpgSettings, source: string): void {
  const pop = settings.cemPop ?? DEFAULT_CEM.cemPop;
  if (!Number.isInteger(pop) || pop < 0 || pop === 1 || pop > MAX_CEM_POP) {
    throw new ValidationError(source, 'cemPop', String(pop), `0 (off) or an integer from 2 to ${MAX_CEM_POP} (actors per generation)`);
  }
  const sigma = settings.cemSigma ?? DEFAULT_CEM.cemSigma;
  if (!Number.isFinite(sigma) || sigma <= 0 || sigma > MAX_CEM_SIGMA) {
    throw new ValidationError(source, 'cemSigma', String(sigma), `a number above 0, at most ${MAX_CEM_SIGMA} (0 would make every member the mean)`);
  }
  const steps = settings.cemSteps ?? DEFAULT_CEM.cemSteps;
  if (!Number.isInteger(steps) || steps < 0 || steps > MAX_CEM_STEPS) {
    throw new ValidationError(source, 'cemSteps', String(steps), `an integer from 0 to ${MAX_CEM_STEPS.toLocaleString('en-US')}`);
  }
  if (pop === 0) return;
  const parameters = actorParameterCount(STATE_SIZE + (settings.stateExtras === true ? STATE_EXTRAS : 0), ddpg.hidden);
  const bytes = pop * parameters * 8;
  if (bytes > MAX_CEM_BYTES) {
    const mb = (x: number): string => (x / 2 ** 20).toLocaleString('en-US', { maximumFractionDigits: 0 });
    const most = Math.floor(MAX_CEM_BYTES / (parameters * 8));
    throw new ValidationError(
      source,
      'cemPop',
      `${pop} with hidden=${ddpg.hidden.join('x')} (${parameters.toLocaleString('en-US')} actor parameters: ${mb(bytes)} MB of members)`,
      most >= 2 ? `at most ${most} with these layers (members' parameters within ${mb(MAX_CEM_BYTES)} MB)` : `smaller hidden layers (not even 2 members fit in ${mb(MAX_CEM_BYTES)} MB)`,
    );
  }
  const idle: [string, number, number][] = [
    ['paramNoise', settings.paramNoise ?? 0, 0],
    ['critScreen', settings.critScreen ?? 1, 1],
    ['eliteLocal', settings.eliteLocal ?? 0, 0],
    ['actorHeads', ddpg.actorHeads, 1],
  ];
  for (const [key, value, off] of idle) {
    if (value !== off) throw new ValidationError(source, key, `${value} with cemPop=${pop}`, `${off} with cemPop above 0 (every search episode is a population member's)`);
  }
  const perEpisode = settings.updatesPerEpisode ?? DEFAULT_UPDATES.updatesPerEpisode;
  const perStep = settings.updatesPerStep ?? DEFAULT_UPDATES.updatesPerStep;
  const preset = [DEFAULT_UPDATES, HAQ_UPDATES].some((u) => u.updatesPerEpisode === perEpisode && u.updatesPerStep === perStep);
  if (!preset) {
    const key = perEpisode !== DEFAULT_UPDATES.updatesPerEpisode && perEpisode !== HAQ_UPDATES.updatesPerEpisode ? 'updatesPerEpisode' : 'updatesPerStep';
    throw new ValidationError(
      source,
      key,
      `${key === 'updatesPerEpisode' ? perEpisode : perStep} with cemPop=${pop} (updatesPerEpisode=${perEpisode}, updatesPerStep=${perStep})`,
      'left at the default (4, 0) or haq (0, 1) with cemPop above 0: no per-episode or per-step updates run, the members take cemSteps',
    );
  }
}
