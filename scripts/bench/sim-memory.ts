/**
 * Memory of a long simulated stream: ResNet-20 (8/8 bits, r = 1) on PUMA at image counts a hundredfold apart, each
 * in a fresh process: the largest live heap while the simulation runs (sampled after a full GC at each progress
 * report; peak RSS hides a few tens of MB in V8's heap slack), the peak RSS, and the live heap's growth per 1000
 * images between the shortest and the longest stream. The simulator's tables follow the images in flight (the
 * pipeline's window), so the growth is ~0; it was 10.3 MB per 1000 images while they were sized rows x images.
 * LRMP_BENCH_STREAM_IMAGES sets the longest stream (default 100,000 images, about a minute and a half here).
 */
import { spawnSync } from 'node:child_process';
import { presetArch } from '../../arch/presets';
import { simulate } from '../../sim';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNetwork } from '../../workloads/zoo';

export interface StreamMemory {
  images: number;
  liveHeapMb: number;
  peakRssMb: number;
  wallS: number;
}

/** A child process simulating `images` images. */
function measure(images: number): StreamMemory {
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--expose-gc', __filename, String(images)], { encoding: 'utf8' });
  const [live, rss] = run.stdout.trim().split(' ').map(Number);
  if (run.status !== 0 || !Number.isFinite(live) || !Number.isFinite(rss)) throw new Error(`sim-memory child failed: ${run.stderr}`);
  return { images, liveHeapMb: live as number, peakRssMb: rss as number, wallS: (performance.now() - started) / 1000 };
}

export function simStreamMemory(counts?: number[]): { runs: StreamMemory[]; mbPer1kImages: number } {
  const longest = Number(process.env.LRMP_BENCH_STREAM_IMAGES ?? 100_000);
  const list = counts ?? [1000, 10_000, longest].filter((n, k, all) => n <= longest && all.indexOf(n) === k);
  const runs = list.map(measure);
  const first = runs[0] as StreamMemory;
  const last = runs[runs.length - 1] as StreamMemory;
  const mbPer1kImages = last.images > first.images ? ((last.liveHeapMb - first.liveHeapMb) / (last.images - first.images)) * 1000 : 0;
  return { runs, mbPer1kImages };
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
  await simulate(presetArch('puma'), net, { wbits: Array<number>(k).fill(8), abits: Array<number>(k).fill(8), replicas: Array<number>(k).fill(1) }, { images, onProgress, loneLatency: false });
  process.stdout.write(`${(live / 1e6).toFixed(1)} ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}\n`);
}

if (require.main === module) void child(Number(process.argv[2]));
