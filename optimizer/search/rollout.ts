/**
 * One pass of the RL search's agent over its steps (rl-search.ts), and critic screening (critScreen): the pass needs
 * no model evaluation, since a step's state depends only on the step, the previous action, the budget share spent
 * (separable accuracy terms) and the core share spent (CandidateEvaluator.coreShare, a mapping-table read).
 */
import { BASELINE_BITS, baselineChoices } from '../../arch/plan';
import type { DdpgAgent } from './ddpg';
import { truncatedNormal } from './ddpg';
import type { CriticEnsemble } from './critic-ensemble';
import { MAX_SEARCH_BITS, MIN_SEARCH_BITS, type CandidateEvaluator } from './evaluator';
import { localAction, type EliteLocalSettings, type LocalEpisode } from './elite-local';
import type { SeparableTerms } from './product-bits';
import { wallRaisesWeights, type RepairCost } from './repair';
import { actionToBits, stateVector } from './state';
import { repairVisited } from './step-wall';
import { followerBits, type TensorActionMode } from './tensor-actions';

export type Step = { product: boolean; k: number };

/** One pass of the agent over its steps: the plan, and the states it saw and the actions it took. */
export interface Rollout {
  wbits: number[];
  abits: number[];
  productBits: number[];
  states: Float64Array[];
  actions: number[][];
}

/** A screened episode's candidate, as the onScreen probe hook sees it. */
export interface ScreenedCandidate {
  plan: Rollout;
  /** DdpgAgent.stepValues of the candidate's steps. */
  stepValues: Float64Array;
  /** What the screen ranked it by. */
  score: number;
  /** The actor's own actions (no noise) at the candidate's states. */
  actorActions: number[][];
}

/** The search settings a pass reads (rl-search.ts SearchSettings documents them). */
export interface RolloutSettings extends EliteLocalSettings {
  paramActionNoise: number;
  tensorActions: TensorActionMode;
  wallRepair: boolean;
  bootstrap: boolean;
  critScreen: number;
  critScreenBonus: number;
  onScreen?: (episode: number, candidates: readonly ScreenedCandidate[], chosen: number) => void;
}

/** What a pass needs that is fixed for the whole search. */
export interface RolloutSetup {
  n: number;
  fixed: ReadonlySet<number>;
  steps: readonly Step[];
  productLayers: readonly number[];
  terms: SeparableTerms | undefined;
  budgetPct: number;
  cost: RepairCost | undefined;
  evaluator: CandidateEvaluator;
  leaders: ReadonlyMap<number, number>;
  groupOf: readonly number[];
  settings: RolloutSettings;
  agent: DdpgAgent;
  random: () => number;
  featureOf: (step: Step) => number[];
  extrasOf: (step: Step) => number[];
  stepOffset: (step: Step, episodeOffset: number[] | undefined, groups: ReadonlyMap<number, number>) => number[] | undefined;
}

/** What an episode drew before its steps (rl-search.ts), shared by its candidate passes. */
export interface EpisodeDraw {
  warm: boolean;
  sd: number;
  noiseP: number;
  reserve: readonly number[];
  centre: number[] | undefined;
  spread: number;
  offset: number[] | undefined;
  groupOffset: ReadonlyMap<number, number>;
  local: LocalEpisode | undefined;
  perturbed: boolean;
  walled: boolean;
}

/** One pass over the agent's steps with the episode's draws (the step wall applied as it goes). */
export function rollout(setup: RolloutSetup, draw: EpisodeDraw): Rollout {
  const { steps, terms, budgetPct, settings, agent, random, evaluator, cost } = setup;
  const { warm, centre, spread, local, perturbed, sd, noiseP, offset, groupOffset, walled, reserve } = draw;
  const layerDrop = terms?.layer;
  const { wbits, abits } = baselineChoices(setup.n);
  const productBits = setup.productLayers.map(() => BASELINE_BITS);
  const states: Float64Array[] = [];
  const actions: number[][] = [];
  let previous = [1, 1];
  let spentPct = 0;
  let coresSpent = 0;
  if (layerDrop) for (const i of setup.fixed) spentPct += layerDrop(i, BASELINE_BITS, BASELINE_BITS);
  for (const [t, step] of steps.entries()) {
    const limitPct = budgetPct - (reserve[t + 1] ?? 0);
    const s = stateVector(setup.featureOf(step), previous, budgetPct > 0 ? spentPct / budgetPct : 0, coresSpent, setup.extrasOf(step));
    const action = warm
      ? centre
        ? centre.map((c) => truncatedNormal(random, c, spread))
        : [random(), random()]
      : local
        ? localAction(local, t, step.product ? undefined : (setup.groupOf[step.k] ?? step.k), steps.length, settings, random)
        : perturbed
          ? agent.actPerturbed(s, settings.paramActionNoise * sd, setup.stepOffset(step, offset, groupOffset))
          : agent.act(s, noiseP >= 1 || random() < noiseP ? sd : 0, setup.stepOffset(step, offset, groupOffset));
    if (step.product) {
      let b = actionToBits(action[1] ?? 1, MIN_SEARCH_BITS, MAX_SEARCH_BITS);
      if (walled && terms) {
        while (spentPct + terms.product(step.k, b) > limitPct + 1e-12 && b < MAX_SEARCH_BITS) b++;
        spentPct += terms.product(step.k, b);
      }
      productBits[step.k] = b;
    } else {
      const i = step.k;
      let w = actionToBits(action[0] ?? 1, MIN_SEARCH_BITS, MAX_SEARCH_BITS);
      const leader = setup.leaders.get(i);
      let a = followerBits(settings.tensorActions, actionToBits(action[1] ?? 1, MIN_SEARCH_BITS, MAX_SEARCH_BITS), leader === undefined ? undefined : abits[leader]);
      if (walled && layerDrop && !settings.wallRepair) {
        // AMC's per-step wall: the layer may spend only what the budget has left (later layers can stay at 8 bits).
        while (spentPct + layerDrop(i, w, a) > limitPct + 1e-12 && (w < MAX_SEARCH_BITS || a < MAX_SEARCH_BITS)) {
          if (wallRaisesWeights(layerDrop, i, w, a, cost, abits)) w++;
          else a++;
        }
        spentPct += layerDrop(i, w, a);
      }
      wbits[i] = w;
      abits[i] = a;
      // With wallRepair the wall pays from any layer visited so far (the layers still to come are at 8 bits).
      if (walled && terms && settings.wallRepair) ({ spentPct, coresSpent } = repairVisited(terms, { wbits, abits, productBits }, limitPct, cost, evaluator, steps, step));
      else coresSpent += evaluator.coreShare(i, w, a);
    }
    states.push(s);
    actions.push(action);
    previous = action;
  }
  return { wbits, abits, productBits, states, actions };
}

/**
 * The episode's plan: with critScreen K > 1 (and the episode screened), K passes, each with its own noise draws,
 * and the one the critic values most (DdpgAgent.stepValues averaged, plus critScreenBonus x the ensemble's spread);
 * otherwise one pass, the same draws as without screening.
 */
export function screenedRollout(setup: RolloutSetup, draw: EpisodeDraw, screened: boolean, ensemble: CriticEnsemble | undefined, episode: number): Rollout {
  const first = rollout(setup, draw);
  const { settings, agent } = setup;
  if (!screened) return first;
  const candidates = [first];
  for (let k = 1; k < settings.critScreen; k++) candidates.push(rollout(setup, draw));
  const values = candidates.map((r) => agent.stepValues(r.states, r.actions, settings.bootstrap));
  const score = values.map((v, k) => {
    const value = v.length === 0 ? 0 : v.reduce((a, x) => a + x, 0) / v.length;
    const candidate = candidates[k];
    return ensemble && candidate ? value + settings.critScreenBonus * ensemble.spread(candidate.states, candidate.actions) : value;
  });
  const chosen = score.indexOf(Math.max(...score));
  settings.onScreen?.(
    episode,
    candidates.map((r, k) => ({ plan: r, stepValues: values[k] ?? new Float64Array(0), score: score[k] ?? 0, actorActions: r.states.map((st) => agent.act(st, 0)) })),
    chosen,
  );
  return candidates[chosen] ?? first;
}
