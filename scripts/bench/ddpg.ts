import seedrandom from 'seedrandom';
import { DdpgAgent, DEFAULT_DDPG } from '../../optimizer/search/ddpg';
import { STATE_SIZE } from '../../optimizer/search/state';
import { HAQ_SETTINGS } from '../../optimizer/search/settings';
import { median } from './measure';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNetwork } from '../../workloads/zoo';

/** HAQ's minibatch (64): the 300-300 figures are at HAQ's settings, the default figure at ours (32). */
export const HAQ_BATCH = HAQ_SETTINGS.ddpg?.batchSize ?? 64;

/** An agent (imitation off, as HAQ) with a full replay buffer of random transitions. */
function benchAgent(hidden: number[], batchSize: number): DdpgAgent {
  const random = seedrandom('bench');
  const agent = new DdpgAgent(STATE_SIZE, 2, { ...DEFAULT_DDPG, hidden, batchSize, imitationWeight: 0 }, random);
  const s = new Float64Array(STATE_SIZE);
  const s1 = new Float64Array(STATE_SIZE);
  for (let t = 0; t < DEFAULT_DDPG.replaySize; t++) {
    for (let k = 0; k < STATE_SIZE; k++) {
      s[k] = random();
      s1[k] = random();
    }
    agent.remember(s, [random(), random()], -random(), s1, t % 20 === 19);
  }
  return agent;
}

/**
 * Minibatch updates per second of the DDPG agent (critic + actor + soft targets) on a full replay buffer, on
 * process CPU time (a shared machine's other processes do not count against it; a helper thread's time does).
 */
export function ddpgUpdatesPerS(hidden: number[] = DEFAULT_DDPG.hidden, batchSize = DEFAULT_DDPG.batchSize): number {
  return updateRate(benchAgent(hidden, batchSize), () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1e6;
  });
}

/**
 * The same on wall-clock time: what a search waits, with the MLP's helper thread (mlp-threads.ts) taking half
 * of the large products when the second core is free. Meaningful on a quiet machine only.
 */
export function ddpgUpdatesPerWallS(hidden: number[], batchSize: number): number {
  const agent = benchAgent(hidden, batchSize);
  for (let i = 0; i < 20; i++) agent.update(); // starts the helper thread
  return updateRate(agent, () => performance.now() / 1000);
}

/** Three windows of about half a second each of `clock`; the median rate. */
function updateRate(agent: DdpgAgent, clock: () => number): number {
  const rates: number[] = [];
  for (let w = 0; w < 3; w++) {
    const t0 = clock();
    let calls = 0;
    let seconds = 0;
    do {
      agent.update();
      calls++;
      seconds = clock() - t0;
    } while (seconds < 0.5);
    rates.push(calls / seconds);
  }
  return median(rates);
}

/**
 * Multiply-adds of one update (ddpg.ts update() without self-imitation, as HAQ): five forward passes (target
 * actor, target critic, critic, actor, critic again), the critic's backward with weight gradients (two products
 * per layer), its backward for the action gradient only (one), the actor's backward with weight gradients (two):
 * ten products of each network's layers per sample, per the layer sizes (the critic's input is state + action).
 */
export function ddpgMacsPerUpdate(hidden: readonly number[], batchSize: number, stateSize = STATE_SIZE, actions = 2): number {
  const macs = (sizes: readonly number[]): number => sizes.slice(1).reduce((sum, out, k) => sum + (sizes[k] ?? 0) * out, 0);
  const actor = macs([stateSize, ...hidden, actions]);
  const critic = macs([stateSize + actions, ...hidden, 1]);
  return batchSize * (2 * actor + 3 * critic + 2 * critic + 1 * critic + 2 * actor);
}

/** Agent steps of a ResNet-50 episode at HAQ's settings: its free weighted layers (first and last fixed): 52. */
export function resnet50Steps(): number {
  return resolveNetwork(zooNetwork('resnet50')).weightedIndices.length - 2;
}

/** Multiply-adds of the MLP work of a ResNet-50 search at HAQ's full settings (600 x 52 updates, 300-300, batch 64). */
export function haqSearchResnet50Macs(): number {
  return 600 * resnet50Steps() * ddpgMacsPerUpdate([300, 300], HAQ_BATCH);
}

/**
 * Estimated seconds of the MLP work of a ResNet-50 search at HAQ's full settings: 600 search episodes x 52 agent
 * steps, one 300-300 minibatch update (batch 64) per step, at the measured update rate (an estimate: the
 * evaluations and the rest of optimize come on top).
 */
export function haqSearchResnet50EstimateS(updatesPerS: number): number {
  return (600 * resnet50Steps()) / updatesPerS;
}
