/**
 * Plots of one optimizer result (`lrmp optimize --plots DIR`, and per network in `lrmp reproduce --plots DIR`):
 * per-layer stage time of the baseline vs the chosen plan, and the improvement of every variant.
 */
import * as path from 'node:path';
import type { ArchSpec } from '../../arch/types';
import type { ResolvedNetwork } from '../../workloads/types';
import { writeFileAtomic } from '../../io';
import { prepareModel, evaluateModel } from '../../optimizer/model';
import type { OptimizeResult } from '../../optimizer/lrmp';
import { barChart } from './charts';
import { stageTimePlot, stageTimesFromResults } from './lrmp-plots';

/** Writes `<network>-stage-times.svg` and `<network>-variants.svg` into `dir`; returns the files. */
export async function writeOptimizePlots(result: OptimizeResult, arch: ArchSpec, net: ResolvedNetwork, dir: string): Promise<string[]> {
  const ctx = prepareModel(arch, net);
  const base = result.rows.find((r) => r.variant === 'baseline');
  const chosen = result.rows.find((r) => r.variant === result.chosen);
  const files: string[] = [];
  if (base !== undefined && chosen !== undefined) {
    const before = evaluateModel(ctx, base.choices);
    const after = evaluateModel(ctx, chosen.choices);
    const file = path.join(dir, `${result.network}-stage-times.svg`);
    await writeFileAtomic(
      file,
      stageTimePlot(stageTimesFromResults(before, after), {
        title: `${result.network} on ${result.arch}: stage time per layer, baseline vs ${result.chosen}`,
        beforeLabel: 'baseline (8/8, r = 1)',
        afterLabel: result.chosen,
      }),
    );
    files.push(file);
  }
  const variants = result.rows.filter((r) => r.variant !== 'baseline');
  const file = path.join(dir, `${result.network}-variants.svg`);
  await writeFileAtomic(
    file,
    barChart({
      title: `${result.network} on ${result.arch}: improvement of each variant (analytical; sim where confirmed)`,
      xTitle: 'variant (same area as the baseline)',
      yTitle: 'improvement over baseline (x, higher is better)',
      categories: variants.map((r) => r.variant),
      series: [
        { name: 'latency', values: variants.map((r) => r.latencyGain) },
        { name: 'throughput', values: variants.map((r) => r.throughputGain) },
        { name: 'simulated latency', values: variants.map((r) => r.simulated?.latencyGain ?? NaN) },
        { name: 'simulated throughput', values: variants.map((r) => r.simulated?.throughputGain ?? NaN) },
      ],
      references: [{ value: 1, label: '1x = baseline' }],
      valueLabels: true,
    }),
  );
  files.push(file);
  return files;
}
