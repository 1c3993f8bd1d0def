/**
 * `lrmp sweep --optimize`: the LRMP flow at one architecture point, reduced to the sweep's columns (the chosen
 * plan's figures and its improvement over that point's own uniform 8-bit baseline at iso-area).
 */
import type { ArchSpec } from '../../arch/types';
import type { ResolvedNetwork } from '../../workloads/types';
import { externalOracle } from '../../optimizer/accuracy/external';
import { proxyOracle } from '../../optimizer/accuracy/proxy';
import { optimize } from '../../optimizer/lrmp';
import type { CsvCell as Cell } from './csv-log';

export interface SweepOptimizeSettings {
  /** DDPG search episodes per point. @default 40 */
  episodes: number;
  /** @default 1 */
  seed: number;
  /** Largest accuracy drop allowed, percentage points. @default 1 */
  accuracyBudgetPct: number;
  /**
   * External accuracy program (optimize's --accuracy-cmd: candidate JSON on stdin, {"accuracyPct": n} out);
   * absent: the proxy. A queue worker runs it only when started with --allow-accuracy-cmd.
   */
  accuracyCmd?: string;
  /** Seconds one run of `accuracyCmd` may take. @default 600 */
  accuracyTimeoutS?: number;
}

export const DEFAULT_SWEEP_OPTIMIZE: SweepOptimizeSettings = { episodes: 40, seed: 1, accuracyBudgetPct: 1 };

/** Runs the optimizer (no simulation: a sweep point is analytical) with the proxy or the user's accuracy program. */
export async function optimizePoint(arch: ArchSpec, net: ResolvedNetwork, settings: SweepOptimizeSettings): Promise<Record<string, Cell>> {
  const oracle = settings.accuracyCmd !== undefined ? externalOracle(settings.accuracyCmd, net, { timeoutMs: (settings.accuracyTimeoutS ?? 600) * 1000 }) : proxyOracle(net);
  const result = await optimize(arch, net, oracle, {
    objective: 'throughput',
    accuracyBudgetPct: settings.accuracyBudgetPct,
    episodes: settings.episodes,
    seed: settings.seed,
    milp: 'jslp',
    topK: 1,
    workers: -1,
    // The sweep already runs one point per core: no side thread per point.
    sideWorker: false,
  });
  const chosen = result.rows.find((r) => r.variant === result.chosen) ?? result.rows[0];
  if (chosen === undefined) return {};
  return {
    opt_throughput_images_per_s: chosen.throughputImagesPerS,
    opt_latency_ms: chosen.latencyS * 1e3,
    throughput_improvement: chosen.throughputGain,
    latency_improvement: chosen.latencyGain,
    accuracy_drop_pct: chosen.dropPct,
    opt_area_mm2: chosen.areaMm2,
  };
}
