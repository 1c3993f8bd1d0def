import { presetArch } from '../../arch/presets';
import { applySetOverrides } from '../../arch/overrides';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNames, zooNetwork } from '../../workloads/zoo';
import { simulate } from '../../sim/simulate';
import { RELATIONS, suitePlans } from '../metamorphic/suite';

/**
 * One metamorphic check's simulated stream at a given length, without the settle rule's ladder of shorter runs
 * (issue 13: a stream the suite's event cap stops short of settling, run straight at the length the ladder would
 * reach next). Prints the run's steady state as one JSON line, with progress lines (events/s) on stderr.
 * Usage: node dist/scripts/probe/long-stream.js preset network plan-index relation-index|-1 images
 * (relation -1: the preset chip itself).
 */
const [preset = '', network = '', planText = '', relationText = '', imagesText = ''] = process.argv.slice(2);
const planIndex = Number(planText);
const relationIndex = Number(relationText);
const images = Number(imagesText);
const validPreset = preset === 'isaac' || preset === 'puma' || preset === 'xformer';
if (!validPreset || !zooNames().includes(network) || !(planIndex === 0 || planIndex === 1) || !Number.isInteger(relationIndex) || relationIndex < -1 || relationIndex >= RELATIONS.length || !(Number.isInteger(images) && images >= 1)) {
  process.stderr.write('long-stream: usage: preset(isaac|puma|xformer) network(zoo) plan(0|1) relation(-1..8) images(>=1)\n');
  process.exit(2);
}

async function main(): Promise<void> {
  const net = resolveNetwork(zooNetwork(network));
  const plan = suitePlans(presetArch(preset), net)[planIndex];
  if (plan === undefined) throw new Error('no such plan');
  const relation = RELATIONS[relationIndex];
  const arch = relation === undefined ? plan.arch : applySetOverrides(plan.arch, relation.sets(plan.arch));
  const started = performance.now();
  let lastReport = started;
  const sim = await simulate(arch, net, plan.choices, {
    images,
    loneLatency: false,
    onProgress: (fraction, done) => {
      const now = performance.now();
      if (now - lastReport < 60_000) return;
      lastReport = now;
      process.stderr.write(`${new Date().toISOString()} ${(fraction * 100).toFixed(2)}% jobs, ${done} images done, ${((now - started) / 1000).toFixed(0)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB\n`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const s = sim.steadyState;
  process.stdout.write(`${JSON.stringify({
    preset, network, plan: plan.name, relation: relation?.name ?? '(preset chip)', images, events: sim.events, wallS: Math.round(seconds),
    eventsPerS: Math.round(sim.events / seconds), throughputImagesPerS: sim.throughputImagesPerS, clockGHz: sim.clockGHz,
    ...s, aboveBound: s.measuredIntervalCycles / s.boundIntervalCycles - 1,
  })}\n`);
}

void main();
