/** Storing an evaluated episode's transitions in the agent's replay (rl-search.ts). */
import type { CriticEnsemble } from './critic-ensemble';
import type { DdpgAgent } from './ddpg';
import type { Step } from './rollout';
import { stateVector, STATE_SIZE } from './state';

/** What rememberEpisode reads of the search's setup (rollout.ts RolloutSetup has it all). */
export interface ReplaySetup {
  steps: readonly Step[];
  agent: DdpgAgent;
  featureOf: (step: Step) => number[];
  settings: { replayRealised: boolean; bootstrap: boolean };
}

/**
 * Each step's transition, rewarded with the episode's `learned` reward: the agent's own action, or with replayRealised
 * the one its realised bits stand for (`realised`). `states` is updated in place to the next states replayed.
 */
export function rememberEpisode(
  setup: ReplaySetup,
  states: Float64Array[],
  actions: readonly (readonly number[])[],
  learned: number,
  realised: (step: Step, t: number) => number[],
  ensemble: CriticEnsemble | undefined,
): void {
  const { steps, agent, featureOf, settings } = setup;
  steps.forEach((step, t) => {
    const act = settings.replayRealised ? realised(step, t) : (actions[t] as number[]);
    const s = states[t] as Float64Array;
    const nextStep = steps[t + 1];
    // The next step's state as the agent saw it (budget and cores spent included; before session 6 the replayed
    // states had both at 0 while the acting states did not); with realised bits, its previous action replaced.
    const seen = states[t + 1];
    const next =
      nextStep === undefined || seen === undefined ? s : settings.replayRealised ? stateVector(featureOf(nextStep), act, seen[STATE_SIZE - 4], seen[STATE_SIZE - 3], [...seen.subarray(STATE_SIZE)]) : seen;
    if (nextStep !== undefined) states[t + 1] = next;
    agent.remember(s, act, learned, next, nextStep === undefined || !settings.bootstrap);
    ensemble?.remember(s, act, learned);
  });
}
