import seedrandom from 'seedrandom';
import { DdpgAgent, DEFAULT_DDPG } from '../../optimizer/search/ddpg';
import { STATE_SIZE } from '../../optimizer/search/state';
import { medianRatePerS } from './measure';

/** Minibatch updates per second of the DDPG agent (critic + actor + soft targets) on a full replay buffer. */
export function ddpgUpdatesPerS(hidden: number[] = DEFAULT_DDPG.hidden): number {
  const random = seedrandom('bench');
  const agent = new DdpgAgent(STATE_SIZE, 2, { ...DEFAULT_DDPG, hidden }, random);
  const s = new Float64Array(STATE_SIZE);
  const s1 = new Float64Array(STATE_SIZE);
  for (let t = 0; t < DEFAULT_DDPG.replaySize; t++) {
    for (let k = 0; k < STATE_SIZE; k++) {
      s[k] = random();
      s1[k] = random();
    }
    agent.remember(s, [random(), random()], -random(), s1, t % 20 === 19);
  }
  return medianRatePerS(() => agent.update(), 3, 500);
}

/**
 * Estimated seconds of the MLP work of a ResNet-50 search at HAQ's full settings: 600 search episodes x 52 agent
 * steps, one 300-300 minibatch update per step, at the measured update rate (an estimate: the evaluations and
 * the rest of optimize come on top).
 */
export function haqSearchResnet50EstimateS(): number {
  const updates = 600 * 52;
  return updates / ddpgUpdatesPerS([300, 300]);
}
