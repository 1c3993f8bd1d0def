import { portResidualCycles } from './port-queue';

/**
 * The wait of a row piece's eDRAM write at its tile's port inside a fork loop (docs/hardware-model.md rule 7, "port
 * wait"), cycles. The port serves whole requests first come, first served; a write finds on average the residual of
 * the request in service, R (portResidualCycles), and the requests queued before it, which grow as the port's load
 * nears the interval: the M/G/1 mean wait R / (1 - rho), rho = load / interval. A FIFO port loaded below the interval
 * drains what arrives in a period of the tensor's rows before the next period's, so the wait is at most the port's
 * work of one such period, load / rows (it binds from a load close to the interval, and where the load exceeds the
 * interval, the port's own term paces the pipeline).
 *
 * @param sqAccesses the tile's requests per image, sum of their squared sizes in accesses (TileTimes.edramSq)
 * @param loadCycles the tile's port work per image at its access rate (TileTimes.edram)
 * @param accessesPerCycle the port's accesses per cycle (arch.tile.edram)
 * @param intervalCycles the image interval the loads are taken at
 * @param rows rows per image of the tensor whose piece is written
 */
export function loopPortWaitCycles(sqAccesses: number, loadCycles: number, accessesPerCycle: number, intervalCycles: number, rows: number): number {
  if (loadCycles <= 0 || rows <= 0 || intervalCycles <= 0) return 0;
  const period = loadCycles / rows;
  const rho = loadCycles / intervalCycles;
  if (rho >= 1) return period;
  const residual = portResidualCycles(sqAccesses, loadCycles, intervalCycles) / (accessesPerCycle * accessesPerCycle);
  return Math.min(residual / (1 - rho), period);
}
