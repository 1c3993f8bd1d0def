import type { ModelContext, TileTimes } from './types';
import { rowJobsPerReplica } from './tile-times';

/**
 * What of a row job's read the previous job's compute does not hide, mean cycles per job: the first vector's read
 * `firstCycles` after a port wait W of mean `meanWaitCycles`, against `hideCycles` (the previous job's MVMs, during
 * which the read was asked for): E[max(0, first + W - hide)]. W is taken uniform on [0, 2 x mean], the residual of a
 * request found in service (uniform on [0, d] for one request of d cycles): 0 when hide >= first + 2 mean, first +
 * mean - hide when hide <= first, (2 mean - h)^2 / (4 mean) between (h = hide - first).
 */
export function exposedWaitCycles(firstCycles: number, meanWaitCycles: number, hideCycles: number): number {
  const h = hideCycles - firstCycles;
  if (h <= 0) return meanWaitCycles - h;
  const span = 2 * meanWaitCycles;
  return h >= span ? 0 : ((span - h) * (span - h)) / (2 * span);
}

/**
 * Port queueing term (docs/hardware-model.md rule 7): a replica holds one row job's input ahead (rule 5), so it
 * asks for a job's reads when its previous job's MVMs start, and the job's MVMs wait for the first vector and the
 * crossbars. The port serves whole requests in FIFO order, so a request finds, on average, the residual of the one
 * in service: sum over the tile's other requests of d^2 / (2 T) per image at interval T (each request d is in
 * service a share d / T of the time, with d / 2 left on average; the replica never finds its own request there).
 * It pays that once for its own reads and once for the write of the input piece it waits for (that write queues at
 * the same port; not for off-chip input rows, which arrive ahead of the first layers). The previous job's compute
 * hides what of first read + waits finishes within it: compute + jobs * exposedWaitCycles, on the layer's worst tile.
 */
export function portQueueCycles(
  l: ModelContext['layers'][number],
  computeCycles: number,
  replicas: number,
  tiles: readonly number[],
  accessesPerMvm: number,
  accessesPerCycle: number,
  times: TileTimes,
  interval: number,
  waits: number,
  /** False for a recurrent layer: its next step waits for this one's hidden state, so nothing is read ahead. */
  readsAhead: boolean,
): number {
  if (interval <= 0 || computeCycles <= 0) return 0;
  const share = (l.outRows * l.outCols) / replicas;
  const jobs = rowJobsPerReplica(l.kind, l.outRows, l.outCols, share, replicas);
  const jobAccesses = (share / jobs) * accessesPerMvm;
  const own = jobs * jobAccesses * jobAccesses;
  const load = times.edram;
  const sq = times.edramSq;
  let others = 0;
  for (let k = 0; k < tiles.length; k++) {
    const t = tiles[k] as number;
    const busy = load[t] as number;
    // A port loaded beyond the interval paces the pipeline itself: its requests then share its own busy time.
    const w = ((sq[t] as number) - own) / (2 * (busy > interval ? busy : interval));
    if (w > others) others = w;
  }
  const wait = others / (accessesPerCycle * accessesPerCycle);
  return computeCycles + jobs * exposedWaitCycles(Math.ceil(accessesPerMvm / accessesPerCycle), waits * wait, readsAhead ? computeCycles / jobs : 0);
}

