import { ValidationError } from '../../errors';
import type { DdpgSettings } from './ddpg';
import { checkSearchSettings, MAX_CEM_POP, MAX_CEM_SIGMA, MAX_CEM_STEPS } from './check-settings';
import type { SearchOverrides } from './rl-search';

/**
 * HAQ's published agent (Wang et al., CVPR 2019; github mit-han-lab/haq, lib/rl/ddpg.py and rl_quantize.py):
 * 300-300 hidden units, one minibatch update per agent step after 20 warm-up episodes, 600 search episodes,
 * replay of the agent's own actions, bootstrapped targets with discount 1, no reward scaling beyond the
 * moving-average baseline, noise 0.5 decaying 0.99 per episode, replay of 128 episodes' transitions (HAQ's
 * rmsize 128 is per layer), the constraint enforced once after the episode, no self-imitation.
 */
export const HAQ_SETTINGS: SearchOverrides = {
  warmupEpisodes: 20,
  noiseSd: 0.5,
  noiseDecay: 0.99,
  updatesPerEpisode: 0,
  updatesPerStep: 1,
  bootstrap: true,
  replayRealised: false,
  replayEpisodes: 128,
  stepWall: false,
  wallRepair: false,
  repairPressure: false,
  wallReserve: 0,
  noiseLayers: 0,
  restartAfter: 0,
  paramNoise: 0,
  critScreen: 1,
  eliteLocal: 0,
  eliteLocalMoves: 0,
  structuredWarmup: false,
  episodeNoise: 0,
  smoothShaping: 0,
  tensorActions: 0,
  bitShaping: 0,
  smoothRank: 0,
  reachRank: 0,
  deficitRank: 0,
  rankReward: 0,
  repairCost: 0,
  stateExtras: false,
  ddpg: { hidden: [300, 300], actorLr: 1e-4, criticLr: 1e-3, tau: 0.01, batchSize: 64, discount: 1, baselineRate: 0.5, normalizeReward: false, imitationWeight: 0, actorHeads: 1, actorHeadSticky: false, td3: false },
};

const NUMBER_KEYS = ['eliteCross', 'eliteCrossMode', 'eliteCrossSd', 'cemPop', 'cemSigma', 'cemSteps', 'critScreenBonus', 'critScreenUntil', 'critScreen', 'paramNoiseAfter', 'paramNoise', 'paramNoiseScale', 'paramActionNoise', 'eliteLocalLayers', 'eliteLocalAfter', 'eliteLocal', 'eliteLocalSd', 'eliteLocalGroup', 'eliteLocalMoves', 'tensorActions', 'groupNoise', 'eliteNarrowAfter', 'restartAfter', 'noiseLayers', 'warmupEpisodes', 'replayEpisodes', 'eliteEpisodes', 'noiseSd', 'noiseDecay', 'updatesPerEpisode', 'updatesPerStep', 'polishEvaluations', 'smoothShaping', 'episodeNoise', 'bitShaping', 'smoothRank', 'reachRank', 'deficitRank', 'deficitDelta', 'repairCost', 'wallReserve', 'rankReward'] as const;
const DDPG_NUMBER_KEYS = ['actorHeads', 'imitationWeight', 'actorLr', 'criticLr', 'tau', 'batchSize', 'replaySize', 'discount', 'baselineRate', 'td3Delay', 'td3Noise'] as const;
const BOOLEAN_KEYS = ['bootstrap', 'replayRealised', 'stepWall', 'wallRepair', 'repairPressure', 'structuredWarmup', 'productSteps', 'stateExtras', 'deficitBest'] as const;
const INTEGER_KEYS = new Set<string>(['eliteCrossMode', 'cemPop', 'cemSteps', 'rankReward', 'td3Delay', 'actorHeads', 'deficitRank', 'critScreenUntil', 'critScreen', 'eliteLocalMoves', 'paramNoiseAfter', 'eliteLocalAfter', 'tensorActions', 'eliteNarrowAfter', 'restartAfter', 'warmupEpisodes', 'replayEpisodes', 'eliteEpisodes', 'updatesPerEpisode', 'polishEvaluations', 'batchSize', 'replaySize']);
const ALL_KEYS = ['hidden', ...NUMBER_KEYS, ...DDPG_NUMBER_KEYS, ...BOOLEAN_KEYS, 'normalizeReward', 'actorHeadSticky', 'td3'];

const SOURCE = '--search-settings';

/** Largest values of the count-like keys: each sizes an allocation or a loop (a typo must not reach them). */
const MAXIMA: Readonly<Record<string, number>> = {
  tensorActions: 2,
  eliteCrossMode: 1,
  eliteCrossSd: 1,
  cemPop: MAX_CEM_POP,
  cemSigma: MAX_CEM_SIGMA,
  cemSteps: MAX_CEM_STEPS,
  critScreen: 256,
  critScreenBonus: 100,
  critScreenUntil: 1_000_000,
  warmupEpisodes: 1_000_000,
  replayEpisodes: 100_000,
  eliteEpisodes: 1_000,
  updatesPerEpisode: 1_000,
  updatesPerStep: 100,
  polishEvaluations: 1_000_000,
  batchSize: 4_096,
  replaySize: 10_000_000,
  noiseSd: 10,
  episodeNoise: 10,
  groupNoise: 10,
  noiseLayers: 10_000,
  restartAfter: 1_000_000,
  eliteNarrowAfter: 1_000_000,
  imitationWeight: 1_000,
  actorHeads: 16,
  actorLr: 1,
  criticLr: 1,
  bitShaping: 10,
  smoothRank: 10,
  reachRank: 10,
  deficitRank: 2,
  deficitDelta: 0.5,
  repairCost: 4,
  wallReserve: 1,
  eliteLocalSd: 1,
  eliteLocalAfter: 1_000_000,
  eliteLocalLayers: 10_000,
  eliteLocalGroup: 1,
  eliteLocalMoves: 64,
  paramNoise: 1,
  paramNoiseScale: 100,
  paramActionNoise: 10,
  paramNoiseAfter: 1_000_000,
  rankReward: 100_000,
  td3Delay: 100,
  td3Noise: 1,
};

function parseNumber(key: string, text: string): number {
  const v = Number(text);
  const integer = INTEGER_KEYS.has(key);
  const max = MAXIMA[key] ?? Infinity;
  const ok = text.trim() !== '' && Number.isFinite(v) && v >= 0 && v <= max && (!integer || Number.isInteger(v));
  const positive = key === 'actorHeads' || key === 'td3Delay' || key === 'critScreen' || key === 'batchSize' || key === 'replaySize' || key === 'actorLr' || key === 'criticLr' || key === 'noiseDecay' || key === 'cemSigma';
  if (!ok || (positive && v <= 0)) {
    const range = `${positive ? (integer ? '1' : 'above 0') : '0'} to ${max === Infinity ? 'any finite value' : max.toLocaleString('en-US')}`;
    throw new ValidationError(SOURCE, key, `'${text}'`, `${integer ? 'an integer' : 'a number'} from ${range}`);
  }
  if ((key === 'tau' || key === 'baselineRate' || key === 'noiseDecay' || key === 'discount' || key === 'smoothShaping' || key === 'eliteLocal' || key === 'eliteCross') && v > 1) {
    throw new ValidationError(SOURCE, key, `'${text}'`, 'a number from 0 to 1');
  }
  return v;
}

function parseBoolean(key: string, text: string): boolean {
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new ValidationError(SOURCE, key, `'${text}'`, 'true or false');
}

/**
 * `--search-settings`: `haq` (HAQ's published agent), or comma-separated key=value pairs applied over the
 * defaults (or over HAQ's when the list starts with `haq`), e.g. `haq,hidden=128x128` or
 * `updatesPerStep=0.5,noiseDecay=0.995`. `hidden` is sizes joined by x.
 */
export function parseSearchSettings(text: string): { overrides: SearchOverrides; haq: boolean } {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  let haq = false;
  const top: Record<string, number | boolean> = {};
  const ddpg: Partial<DdpgSettings> = {};
  const seen = new Set<string>();
  parts.forEach((part, k) => {
    if (part === 'haq' && k === 0) {
      haq = true;
      return;
    }
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (seen.has(key)) throw new ValidationError(SOURCE, key, `given twice in '${text}'`, 'each key at most once');
    seen.add(key);
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!ALL_KEYS.includes(key)) throw new ValidationError(SOURCE, key || part, `'${part}'`, `haq (first), or key=value with key one of ${ALL_KEYS.join(', ')}`);
    if (key === 'hidden') {
      const sizes = value.split('x').map((s) => Number(s));
      if (value === '' || sizes.some((s) => !Number.isInteger(s) || s < 1 || s > 4096)) {
        throw new ValidationError(SOURCE, 'hidden', `'${value}'`, 'layer sizes from 1 to 4096 joined by x, e.g. 300x300');
      }
      ddpg.hidden = sizes;
    } else if ((DDPG_NUMBER_KEYS as readonly string[]).includes(key)) (ddpg as Record<string, number>)[key] = parseNumber(key, value);
    else if (key === 'normalizeReward' || key === 'actorHeadSticky' || key === 'td3') ddpg[key] = parseBoolean(key, value);
    else if ((BOOLEAN_KEYS as readonly string[]).includes(key)) top[key] = parseBoolean(key, value);
    else top[key] = parseNumber(key, value);
  });
  const base = haq ? HAQ_SETTINGS : {};
  const overrides: SearchOverrides = { ...base, ...top, ddpg: { ...base.ddpg, ...ddpg } };
  checkSearchSettings(overrides, SOURCE);
  return { overrides, haq };
}
