/**
 * Simulator benchmarks: events per second on a ResNet-50 stream, wall time of 8 images, and the bare event
 * queue's push/pop rate measured in the same run, so the cost per simulated event shows as a ratio.
 */
import { presetArch } from '../../arch/presets';
import { simulate } from '../../sim';
import { EventQueue } from '../../sim/kernel';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNetwork } from '../../workloads/zoo';
import type { ArchSpec } from '../../arch/types';
import { median } from './measure';

/** Push/pop pairs per second on the simulator's queue, with a standing population like a real run's. */
function heapOpsPerS(): number {
  const q = new EventQueue();
  const rates: number[] = [];
  let t = 0;
  for (let i = 0; i < 1000; i++) q.push(i * 7, 1, 0, i, 0);
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

export async function benchSim(): Promise<{ simEventsPerS: number; simResnet50_8imgWallS: number; heapOpsPerS: number; peakRssMb: number }> {
  const puma = presetArch('puma');
  // The preset's 64 KB tiles cannot hold ResNet-50's early rows (the simulator reports the deadlock), so the
  // bench runs with ample eDRAM; NoC and port contention stay as in the preset.
  const arch: ArchSpec = { ...puma, tile: { ...puma.tile, edram: { ...puma.tile.edram, capacityKb: 1e6 } } };
  const net = resolveNetwork(zooNetwork('resnet50'));
  const n = net.weightedIndices.length;
  const choices = { wbits: Array<number>(n).fill(8), abits: Array<number>(n).fill(8), replicas: Array<number>(n).fill(1) };
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
  return { simEventsPerS: median(rates), simResnet50_8imgWallS: median(walls), heapOpsPerS: heapOpsPerS(), peakRssMb: peakRss / 1e6 };
}
