/**
 * One sweep point: load the inputs with the point's assignments, run the analytical model (and the simulator or
 * the optimizer when asked), and return the row's metric cells. Runs inside a piscina worker or in-process.
 * A failure (the network does not fit, a cross-field rule, a deadlock) becomes the row's error text.
 */
import { prepareModel, evaluateModel } from '../../optimizer/model';
import { simulateSettled } from '../../sim/settle';
import { loadInputs, type LoadedInputs, type NetworkArchArgs } from '../commands/inputs';
import { isLrmpError } from '../../errors';
import { assertFinite } from '../commands/output';
import { optimizePoint, type SweepOptimizeSettings } from './optimize-point';
import type { CsvCell } from './csv-log';

export type SweepMode = 'analyze' | 'simulate' | 'optimize';
export const SWEEP_MODES: readonly SweepMode[] = ['analyze', 'simulate', 'optimize'];

export interface SweepTask {
  index: number;
  mode: SweepMode;
  /** Network, arch and plan arguments; `set` already holds the user's --set then the point's assignments. */
  inputs: NetworkArchArgs;
  /** Images simulated per point (simulate mode). @default as `simulate`: until the interval settles (sim/settle.ts) */
  images?: number | undefined;
  optimize: SweepOptimizeSettings;
}

/** A metric value in a sweep row (the CSV's cell type). */
export type Cell = CsvCell;

export interface SweepOutcome {
  index: number;
  /** Metric column -> value; absent columns are written empty. */
  metrics: Record<string, Cell>;
  /** Empty when the point succeeded. */
  error: string;
}

export interface MetricColumn {
  column: string;
  /** Axis title with unit; undefined for text columns (not plotted). */
  label?: string;
}

const ANALYTICAL: readonly MetricColumn[] = [
  { column: 'throughput_images_per_s', label: 'throughput (images/s)' },
  { column: 'latency_ms', label: 'latency (ms)' },
  { column: 'latency_cycles', label: 'latency (cycles)' },
  { column: 'bottleneck_layer' },
  { column: 'bottleneck_cycles', label: 'bottleneck stage time (cycles)' },
  { column: 'area_mm2', label: 'area (mm2)' },
  { column: 'tiles_used', label: 'tiles used (count)' },
  { column: 'crossbars_used', label: 'crossbars used (count)' },
  { column: 'energy_per_image_uj', label: 'energy per image (uJ)' },
];

const SIMULATED: readonly MetricColumn[] = [
  { column: 'sim_throughput_images_per_s', label: 'simulated throughput (images/s)' },
  { column: 'sim_latency_ms', label: 'simulated latency (ms)' },
  { column: 'sim_latency_cycles', label: 'simulated latency (cycles)' },
  { column: 'sim_energy_per_image_uj', label: 'simulated energy per image (uJ)' },
  { column: 'sim_bottleneck' },
  { column: 'sim_images' },
  // 'yes', or 'no: why' (a throughput that has not settled within 1% is not a figure to compare points by).
  { column: 'sim_settled' },
];

const OPTIMIZED: readonly MetricColumn[] = [
  { column: 'opt_throughput_images_per_s', label: 'optimized throughput (images/s)' },
  { column: 'opt_latency_ms', label: 'optimized latency (ms)' },
  { column: 'throughput_improvement', label: 'throughput improvement over baseline (x)' },
  { column: 'latency_improvement', label: 'latency improvement over baseline (x)' },
  { column: 'accuracy_drop_pct', label: 'accuracy drop (percentage points)' },
  { column: 'opt_area_mm2', label: 'optimized area (mm2)' },
];

/** The metric columns of a mode, in CSV order. */
export function metricColumns(mode: SweepMode): MetricColumn[] {
  return [...ANALYTICAL, ...(mode === 'simulate' ? SIMULATED : []), ...(mode === 'optimize' ? OPTIMIZED : [])];
}

/** An error as one line of text for the CSV (a deadlock report spans lines). */
export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const text = message.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' | ');
  return isLrmpError(error) ? text : `internal error (a bug in lrmp, please report it): ${text}`;
}

/** Drops non-finite numbers (a NaN in an output is a bug; the cell is left empty rather than written). */
function clean(metrics: Record<string, Cell>): Record<string, Cell> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => typeof v === 'string' || Number.isFinite(v)));
}

/**
 * The outcome of a point that ran through: a non-finite figure is a bug, so the row says so in its error column
 * (and leaves that cell empty) instead of passing silently.
 */
export function finishedOutcome(index: number, metrics: Record<string, Cell>): SweepOutcome {
  try {
    assertFinite(metrics, 'sweep point');
    return { index, metrics, error: '' };
  } catch (error) {
    return { index, metrics: clean(metrics), error: errorText(error) };
  }
}

export async function evaluatePoint(task: SweepTask): Promise<SweepOutcome> {
  return evaluateLoaded(task, () => loadInputs(task.inputs));
}

/**
 * The row of one point whose inputs `load` builds (from the command line's files, or from a queue job's
 * content); a failure while loading is the row's error too.
 */
export async function evaluateLoaded(task: Omit<SweepTask, 'inputs'>, load: () => LoadedInputs): Promise<SweepOutcome> {
  const metrics: Record<string, Cell> = {};
  try {
    const inputs = load();
    const model = evaluateModel(prepareModel(inputs.arch, inputs.net), inputs.choices);
    Object.assign(metrics, {
      throughput_images_per_s: model.throughputImagesPerS,
      latency_ms: model.latencyS * 1e3,
      latency_cycles: model.latencyCycles,
      bottleneck_layer: model.bottleneckLayer,
      bottleneck_cycles: model.bottleneckCycles,
      area_mm2: model.areaMm2,
      tiles_used: model.tilesUsed,
      crossbars_used: model.crossbarsUsed,
      energy_per_image_uj: model.energyPerImagePj / 1e6,
    });
    if (task.mode === 'simulate') {
      const { sim, runs } = await simulateSettled(inputs.arch, inputs.net, inputs.choices, { images: task.images });
      const steady = sim.steadyState;
      Object.assign(metrics, {
        sim_throughput_images_per_s: sim.throughputImagesPerS,
        sim_latency_ms: sim.latencyS * 1e3,
        sim_latency_cycles: sim.latencyCycles,
        sim_energy_per_image_uj: sim.energyPerImagePj / 1e6,
        sim_bottleneck: `${sim.bottleneck.kind} ${sim.bottleneck.name}`,
        sim_images: runs[runs.length - 1] ?? 0,
        sim_settled: steady.settled ? 'yes' : `no: ${steady.note}`,
      });
    } else if (task.mode === 'optimize') {
      Object.assign(metrics, await optimizePoint(inputs.arch, inputs.net, task.optimize));
    }
    return finishedOutcome(task.index, metrics);
  } catch (error) {
    return { index: task.index, metrics: clean(metrics), error: errorText(error) };
  }
}
