/**
 * Simulator benchmarks: events per second on a ResNet-50 stream, wall time of 8 images, and the bare event
 * queue's push/pop rate measured in the same rounds, so the cost per simulated event shows as a ratio.
 */
import { presetArch } from '../../arch/presets';
import { collectResults } from '../../sim/results';
import { EventQueue } from '../../sim/kernel';
import { Engine } from '../../sim/engine';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNetwork } from '../../workloads/zoo';
import type { ArchSpec } from '../../arch/types';
import { buildTopology } from '../../sim/topology';
import type { ResolvedNetwork } from '../../workloads/types';
import { baselineChoices, type PlanChoices } from '../../arch/plan';
import { median } from './measure';

/** A standing queue of `population` entries for the bare push/pop loop. */
function standingQueue(population: number): EventQueue {
  const q = new EventQueue();
  for (let i = 0; i < population; i++) q.push(i * 7, 0, i, 0);
  return q;
}

/**
 * Nanoseconds per push/pop pair on the simulator's queue, holding a standing population like a real run's: the
 * heap's cost grows with its depth, so a baseline with a far larger population than the simulation keeps would
 * flatter the ratio (1000 entries cost about 2-3x more per pair than the ~13 a ResNet-50 run holds).
 */
function heapNsPerPair(q: EventQueue, pairs: number): { wallNs: number; cpuNs: number } {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < pairs; i++) {
    q.pop();
    q.push(q.poppedTime + 1 + (i % 97), 0, i, 0);
  }
  const wall = Number(process.hrtime.bigint() - start);
  return { wallNs: wall / pairs, cpuNs: cpuNsSince(cpu) / pairs };
}

/** CPU time (user + system) of this process since `since`, ns: unlike wall time, not charged for other processes' turns on a shared machine. */
function cpuNsSince(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) * 1000;
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

/** One simulation of `images` images, timed by phase (what `simulate` does, without trace or progress). */
function timedRun(arch: ArchSpec, net: ResolvedNetwork, choices: PlanChoices): { setupNs: number; eventsNs: number; eventsCpuNs: number; resultsNs: number; events: number } {
  const t0 = process.hrtime.bigint();
  const engine = new Engine(buildTopology(arch, net, choices), { images: 8 });
  engine.start();
  const cpu = process.cpuUsage();
  const t1 = process.hrtime.bigint();
  const events = engine.env.run();
  engine.checkDeadlock();
  const t2 = process.hrtime.bigint();
  const eventsCpuNs = cpuNsSince(cpu);
  collectResults(engine);
  const t3 = process.hrtime.bigint();
  return { setupNs: Number(t1 - t0), eventsNs: Number(t2 - t1), eventsCpuNs, resultsNs: Number(t3 - t2), events };
}

export interface SimBench {
  /** Events per second of the event loop (setup and result collection excluded: they are per run, not per event). */
  simEventsPerS: number;
  /** Topology, placement and engine construction per run. */
  simSetupMs: number;
  /** Whole run: setup, events and results. */
  simResnet50_8imgWallS: number;
  heapOpsPerS: number;
  heapPopulation: number;
  /** Cost of one event of the event loop over one bare push/pop pair, median of per-round ratios (wall time). */
  eventCostVsHeap: number;
  /** The same on CPU time (process.cpuUsage), which a loaded machine's time slicing does not inflate. */
  eventCostVsHeapCpu: number;
  /** The same with the whole run's time (setup and results included) spread over its events. */
  runCostVsHeap: number;
}

/**
 * ResNet-50 x 8 images on PUMA. Each round runs the simulation and then the bare queue loop, and the ratio is
 * taken per round, so the machine's speed drifting between rounds (a shared 2-core machine) cancels out. The
 * first rounds only warm the JIT: a cold run costs 4-5x a warm one, and the bare loop is warm after a few
 * milliseconds, so counting cold runs would compare compilation against a compiled loop.
 */
export function benchSim(warmupRounds = 3, rounds = 9): SimBench {
  // PUMA's own settings (64 KB eDRAM per tile, 1 flit/cycle links): the line-buffer-aware placement and the
  // engine's matching eDRAM guarantees let ResNet-50 stream without deadlock. The chip grows to the tiles the
  // baseline needs when the preset's are too few.
  const puma = presetArch('puma');
  const net = resolveNetwork(zooNetwork('resnet50'));
  const choices = baselineChoices(net.weightedIndices.length);
  const tiles = buildTopology({ ...puma, chip: { tiles: 100_000 } }, net, choices).placement.tilesUsed;
  const arch: ArchSpec = { ...puma, chip: { tiles: Math.max(puma.chip.tiles, tiles) } };
  const heapPopulation = meanQueuePopulation(arch, net, choices);
  const queue = standingQueue(heapPopulation);
  const eventRates: number[] = [];
  const setups: number[] = [];
  const walls: number[] = [];
  const heapRates: number[] = [];
  const eventRatios: number[] = [];
  const runRatios: number[] = [];
  const cpuRatios: number[] = [];
  for (let round = 0; round < warmupRounds + rounds; round++) {
    const run = timedRun(arch, net, choices);
    const heap = heapNsPerPair(queue, run.events * 4);
    const heapNs = heap.wallNs;
    if (round < warmupRounds) continue;
    cpuRatios.push(run.eventsCpuNs / run.events / heap.cpuNs);
    const wallNs = run.setupNs + run.eventsNs + run.resultsNs;
    eventRates.push(run.events / (run.eventsNs / 1e9));
    setups.push(run.setupNs / 1e6);
    walls.push(wallNs / 1e9);
    heapRates.push(1e9 / heapNs);
    eventRatios.push(run.eventsNs / run.events / heapNs);
    runRatios.push(wallNs / run.events / heapNs);
  }
  return {
    simEventsPerS: median(eventRates),
    simSetupMs: median(setups),
    simResnet50_8imgWallS: median(walls),
    heapOpsPerS: median(heapRates),
    heapPopulation,
    eventCostVsHeap: median(eventRatios),
    eventCostVsHeapCpu: median(cpuRatios),
    runCostVsHeap: median(runRatios),
  };
}
