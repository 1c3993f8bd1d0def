import { presetArch } from '../../arch/presets';
import { applySetOverrides } from '../../arch/overrides';
import { evaluateModel, prepareModel } from '../../optimizer/model';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNetwork } from '../../workloads/zoo';
import type { ModelResult } from '../../optimizer/model/types';
import { MappingError } from '../../errors';

/**
 * Model-only probe of "more of a resource never makes a plan slower" (issue 13, item 4): seeded random plans of a zoo
 * network on a preset chip and on it with one resource doubled; prints each plan whose interval or latency grows by
 * more than 0.5%. Usage: node dist/scripts/probe/more-resource.js [preset] [network] [plans] [digital|adc|ports|edram|noc|flit|offchip].
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const [preset = 'isaac', netName = 'resnet18', count = '60', set = 'digital'] = process.argv.slice(2);
const arch = presetArch(preset);
const sets: Record<string, string> = {
  digital: `tile.digital.opsPerCycle=${arch.tile.digital.opsPerCycle * 2}`,
  adc: `adc.sampleRateGsps=${arch.adc.sampleRateGsps * 2}`,
  ports: `tile.edram.accessesPerCycle=${arch.tile.edram.accessesPerCycle * 2}`,
  edram: `tile.edram.capacityKb=${arch.tile.edram.capacityKb * 2}`,
  noc: `noc.linkFlitsPerCycle=${arch.noc.linkFlitsPerCycle * 2}`,
  flit: `noc.flitBits=${arch.noc.flitBits * 2}`,
  offchip: `offChip.bandwidthGBps=${arch.offChip.bandwidthGBps * 2}`,
};
const doubled = sets[set];
if (doubled === undefined || !(Number(count) > 0)) {
  console.error(`more-resource: resource '${set}' is not one of ${Object.keys(sets).join(', ')}, or plans '${count}' is not a positive number`);
  process.exit(2);
}
const fast = applySetOverrides(arch, [doubled]);
const net = resolveNetwork(zooNetwork(netName));
const ctxA = prepareModel(arch, net);
const ctxB = prepareModel(fast, net);
const n = net.weightedIndices.length;
let worst = 0;
let viol = 0;
let worstLatency = 0;
let latencyRises = 0;
let done = 0;
const t0 = process.hrtime.bigint();
for (let seed = 1; seed <= Number(count); seed++) {
  const r = rng(seed);
  const wbits = Array.from({ length: n }, () => 2 + Math.floor(r() * 7));
  const abits = Array.from({ length: n }, () => 2 + Math.floor(r() * 7));
  const replicas = Array.from({ length: n }, () => 1 + Math.floor(r() * r() * 8));
  const choices = { wbits, abits, replicas };
  let a: ModelResult;
  let b: ModelResult;
  try {
    a = evaluateModel(ctxA, choices);
    b = evaluateModel(ctxB, choices);
  } catch (error) {
    // A random plan beyond the chip is skipped; anything else is a bug and is thrown.
    if (!(error instanceof MappingError)) throw error;
    continue;
  }
  done++;
  const d = b.bottleneckCycles / a.bottleneckCycles - 1;
  if (d > 0.005) {
    viol++;
    console.log(`seed ${seed}: ${a.bottleneckCycles} (${a.tilesUsed} tiles) -> ${b.bottleneckCycles} (${b.tilesUsed} tiles) ${(100 * d).toFixed(2)}%`);
  }
  worst = Math.max(worst, d);
  // The relation also bounds latency: a rise beyond 0.5% counted apart (a trade for throughput or not).
  const dl = b.latencyCycles / a.latencyCycles - 1;
  if (dl > 0.005) {
    latencyRises++;
    console.log(`seed ${seed}: latency ${a.latencyCycles} -> ${b.latencyCycles} ${(100 * dl).toFixed(2)}% (interval ${(100 * d).toFixed(2)}%)`);
  }
  worstLatency = Math.max(worstLatency, dl);
}
console.log(`${done} plans, ${viol} violations, worst ${(100 * worst).toFixed(2)}%; latency rises ${latencyRises}, worst ${(100 * worstLatency).toFixed(2)}%; ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
