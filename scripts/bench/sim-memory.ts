/**
 * Memory of a long simulated stream: ResNet-20 (8/8 bits, r = 1) on PUMA at two image counts, each in a fresh
 * process: the largest live heap while the simulation runs (sampled after a full GC at each progress report; peak
 * RSS hides a few tens of MB in V8's heap slack), and the growth per 1000 images. Flat memory in the image count shows as ~0 MB per 1k images;
 * today the simulator's tables are sized rows x images, so it grows linearly (issue 13, item 8).
 */
import { spawnSync } from 'node:child_process';
import { presetArch } from '../../arch/presets';
import { simulate } from '../../sim';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNetwork } from '../../workloads/zoo';

/** Largest live heap (MB) of a child process simulating `images` images. */
function peakRssMb(images: number): number {
  const run = spawnSync(process.execPath, ['--expose-gc', __filename, String(images)], { encoding: 'utf8' });
  const value = Number(run.stdout.trim());
  if (run.status !== 0 || !Number.isFinite(value)) throw new Error(`sim-memory child failed: ${run.stderr}`);
  return value;
}

export function simStreamMemory(small = 1000, large = 4000): { smallMb: number; largeMb: number; mbPer1kImages: number; large: number } {
  const smallMb = peakRssMb(small);
  const largeMb = peakRssMb(large);
  return { smallMb, largeMb, mbPer1kImages: ((largeMb - smallMb) / (large - small)) * 1000, large };
}

async function child(images: number): Promise<void> {
  const net = resolveNetwork(zooNetwork('resnet20'));
  const k = net.weightedIndices.length;
  const gc = (globalThis as { gc?: () => void }).gc;
  let live = 0;
  const onProgress = (): void => {
    gc?.();
    live = Math.max(live, process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers);
  };
  await simulate(presetArch('puma'), net, { wbits: Array<number>(k).fill(8), abits: Array<number>(k).fill(8), replicas: Array<number>(k).fill(1) }, { images, onProgress });
  process.stdout.write(`${(live / 1e6).toFixed(1)}\n`);
}

if (require.main === module) void child(Number(process.argv[2]));
