/**
 * Simulator benchmarks: events per second on a ResNet-50 stream, wall time of 8 images, and the bare event
 * queue's push/pop rate measured in the same run, so the cost per simulated event shows as a ratio.
 */
import { presetArch } from '../../arch/presets';
import { simulate } from '../../sim';
import { EventQueue } from '../../sim/kernel';
import { Engine } from '../../sim/engine';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNetwork } from '../../workloads/zoo';
import type { ArchSpec } from '../../arch/types';
import { buildTopology } from '../../sim/topology';
import type { ResolvedNetwork } from '../../workloads/types';
import type { PlanChoices } from '../../arch/plan';
import { median } from './measure';

/** Uniform 8/8, r = 1. */
function baselineChoicesOf(net: ResolvedNetwork): PlanChoices {
  const n = net.weightedIndices.length;
  return { wbits: Array<number>(n).fill(8), abits: Array<number>(n).fill(8), replicas: Array<number>(n).fill(1) };
}

/**
 * Push/pop pairs per second on the simulator's queue, holding `population` entries like a real run's: the
 * heap's cost grows with its depth, so a baseline with a far larger standing population than the simulation
 * keeps would flatter the ratio (1000 entries cost about 2-3x more per pair than the ~13 a ResNet-50 run holds).
 */
function heapOpsPerS(population: number): number {
  const q = new EventQueue();
  const rates: number[] = [];
  let t = 0;
  for (let i = 0; i < population; i++) q.push(i * 7, 1, 0, i, 0);
  for (let run = 0; run < 5; run++) {
    const n = 1_000_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      q.pop();
      t = q.poppedTime;
      q.push(t + 1 + (i % 97), 1, 0, i, 0);
    }
    rates.push(n / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  return median(rates);
}

/** Mean number of entries in the event queue over a run, sampled before each event (one unmeasured run). */
function meanQueuePopulation(arch: ArchSpec, net: ResolvedNetwork, choices: PlanChoices): number {
  const engine = new Engine(buildTopology(arch, net, choices), { images: 8 });
  engine.start();
  let sum = 0;
  let events = 0;
  while (engine.env.queue.size > 0) {
    sum += engine.env.queue.size;
    events += engine.env.run(Infinity, 1);
  }
  return Math.max(1, Math.round(sum / Math.max(1, events)));
}

export async function benchSim(): Promise<{ simEventsPerS: number; simResnet50_8imgWallS: number; heapOpsPerS: number; heapPopulation: number; peakRssMb: number }> {
  // PUMA's own settings (64 KB eDRAM per tile, 1 flit/cycle links): the line-buffer-aware placement and the
  // engine's matching eDRAM guarantees let ResNet-50 stream without deadlock. The chip grows to the tiles the
  // baseline needs when the preset's are too few (DESIGN.md section 9).
  const puma = presetArch('puma');
  const net = resolveNetwork(zooNetwork('resnet50'));
  const tiles = buildTopology({ ...puma, chip: { tiles: 100_000 } }, net, baselineChoicesOf(net)).placement.tilesUsed;
  const arch: ArchSpec = { ...puma, chip: { tiles: Math.max(puma.chip.tiles, tiles) } };
  const choices = baselineChoicesOf(net);
  let peakRss = process.memoryUsage().rss;
  const walls: number[] = [];
  const rates: number[] = [];
  for (let run = 0; run < 5; run++) {
    const start = process.hrtime.bigint();
    const result = await simulate(arch, net, choices, { images: 8, onProgress: () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)) });
    const wallS = Number(process.hrtime.bigint() - start) / 1e9;
    walls.push(wallS);
    rates.push(result.events / wallS);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const heapPopulation = meanQueuePopulation(arch, net, choices);
  return { simEventsPerS: median(rates), simResnet50_8imgWallS: median(walls), heapOpsPerS: heapOpsPerS(heapPopulation), heapPopulation, peakRssMb: peakRss / 1e6 };
}
