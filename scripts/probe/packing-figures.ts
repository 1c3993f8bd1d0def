import { presetArch } from '../../arch/presets';
import { applySetOverrides } from '../../arch/overrides';
import { prepareModel, evaluateModel } from '../../optimizer/model';
import { evaluateModelAt } from '../../optimizer/model/evaluate';
import { packingLadder } from '../../arch/packing-choice';
import { newPlacementScratch, detachPlacement, type Placement } from '../../arch/placement';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNetwork } from '../../workloads/zoo';
import { suitePlans } from '../metamorphic/suite';
import type { ModelResult } from '../../optimizer/model/types';

/**
 * Model-only probe: every packing the model compares for a zoo suite plan on a preset chip and on it with one
 * `--set` (e.g. tile.edram.capacityKb=128), each evaluated on both chips. Usage:
 * node dist/scripts/probe/packing-figures.js preset network 'plan name' set
 */
const [preset = 'isaac', netName = 'resnet50', planName = 'replication only', set = 'tile.edram.capacityKb=128'] = process.argv.slice(2);
const net = resolveNetwork(zooNetwork(netName));
const plan = suitePlans(presetArch(preset), net).find((p) => p.name === planName);
if (plan === undefined) {
  console.error(`packing-figures: no plan '${planName}'`);
  process.exit(2);
}
const chips = { '1x': plan.arch, more: applySetOverrides(plan.arch, [set]) };
const describe = (m: ModelResult): string => {
  const b = m.layers.reduce((x, y) => (y.stageCycles > x.stageCycles ? y : x));
  return `interval ${m.bottleneckCycles} latency ${m.latencyCycles.toFixed(0)} tiles ${m.tilesUsed} bound ${b.name}/${b.boundBy}`;
};
const ladders: Array<[string, Placement[]]> = [];
for (const [name, arch] of Object.entries(chips)) {
  const ctx = prepareModel(arch, net);
  const scratch = newPlacementScratch(net, ctx.flow);
  const mappings = evaluateModel(ctx, plan.choices).mappings;
  const ladder = packingLadder(arch, net, ctx.flow, mappings, plan.choices.replicas, scratch, plan.choices.productBits).map((p) => detachPlacement(p));
  ladders.push([name, ladder]);
  console.log(`${name} chip chooses: ${describe(evaluateModel(ctx, plan.choices))}`);
}
for (const [name, arch] of Object.entries(chips)) {
  const ctx = prepareModel(arch, net);
  for (const [from, ladder] of ladders)
    ladder.forEach((p, k) => {
      try {
        console.log(`on ${name}: ${from}'s packing ${k}: ${describe(evaluateModelAt(ctx, plan.choices, p))}`);
      } catch (e) {
        console.log(`on ${name}: ${from}'s packing ${k}: ${(e as Error).message.split('\n')[0]}`);
      }
    });
}
{
  // Why the smaller chip's packing is or is not on the larger chip's ladder: its windows against the densest's.
  const windows = (p: Placement): string => p.windowRows.map((w) => (w ?? []).join('/')).join(',');
  const [, small] = ladders[0] as [string, Placement[]];
  const [, large] = ladders[1] as [string, Placement[]];
  const a = windows(small[0] as Placement);
  const b = windows(large[0] as Placement);
  console.log(`windows equal: ${a === b}`);
  if (a !== b) {
    const wa = (small[0] as Placement).windowRows;
    const wb = (large[0] as Placement).windowRows;
    wa.forEach((w, i) => {
      const x = (w ?? []).join('/');
      const y = (wb[i] ?? []).join('/');
      if (x !== y) console.log(`  layer ${net.layers[i]?.layer.name}: 1x ${x} more ${y}`);
    });
  }
}
