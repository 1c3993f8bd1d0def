/**
 * The project's four plots: per-layer stage time before/after optimization, improvement per benchmark,
 * the pipeline timeline of a simulator trace, and a sweep's metric against a varied parameter.
 */
import * as fs from 'node:fs';
import { parse } from 'csv-parse';
import { InputFileError } from '../../errors';
import { barChart, ganttChart, lineChart, type LineSeries } from './charts';

export interface LayerStageTimes {
  name: string;
  beforeCycles: number;
  afterCycles: number;
}

/** Stage time per layer, two bars each, on a log axis (early convolutions are 100-1000x slower than late ones). */
export function stageTimePlot(layers: readonly LayerStageTimes[], options: { title?: string; beforeLabel?: string; afterLabel?: string } = {}): string {
  const before = options.beforeLabel ?? 'baseline';
  const after = options.afterLabel ?? 'optimized';
  const worstBefore = Math.max(0, ...layers.map((l) => l.beforeCycles));
  const worstAfter = Math.max(0, ...layers.map((l) => l.afterCycles));
  return barChart({
    title: options.title ?? 'Per-layer stage time before and after optimization',
    xTitle: 'layer (pipeline order)',
    yTitle: 'stage time (cycles per image, log scale)',
    categories: layers.map((l) => l.name),
    series: [
      { name: before, values: layers.map((l) => l.beforeCycles) },
      { name: after, values: layers.map((l) => l.afterCycles) },
    ],
    logY: true,
    references: [
      { value: worstBefore, label: `${before} bottleneck`, series: 0 },
      { value: worstAfter, label: `${after} bottleneck`, series: 1 },
    ],
  });
}

/** Minimal shape of a model result this plot needs (the analytical model's ModelResult fits). */
export interface StagedResult {
  layers: ReadonlyArray<{ name: string; stageCycles: number }>;
}

/** Pairs two model results layer by layer (layers with no stage time in either are left out). */
export function stageTimesFromResults(before: StagedResult, after: StagedResult): LayerStageTimes[] {
  const afterByName = new Map(after.layers.map((l) => [l.name, l.stageCycles]));
  return before.layers
    .map((l) => ({ name: l.name, beforeCycles: l.stageCycles, afterCycles: afterByName.get(l.name) ?? 0 }))
    .filter((l) => l.beforeCycles > 0 || l.afterCycles > 0);
}

export interface BenchmarkImprovement {
  network: string;
  latencyImprovement: number;
  throughputImprovement: number;
}

/** Latency and throughput improvement over the baseline per benchmark, grouped bars; 1x marks no change. */
export function improvementPlot(rows: readonly BenchmarkImprovement[], options: { title?: string; published?: boolean } = {}): string {
  const published = options.published !== false;
  return barChart({
    title: options.title ?? 'LRMP improvement over the uniform 8-bit baseline (iso-area)',
    xTitle: 'benchmark (ImageNet network)',
    yTitle: 'improvement over baseline (x, higher is better)',
    categories: rows.map((r) => r.network),
    series: [
      { name: 'latency improvement', values: rows.map((r) => r.latencyImprovement) },
      { name: 'throughput improvement', values: rows.map((r) => r.throughputImprovement) },
    ],
    references: [{ value: 1, label: '1x = baseline' }],
    bands: published
      ? [
          { from: 2.6, to: 9.3, label: 'published latency range 2.6-9.3x', series: 0 },
          { from: 8, to: 18, label: 'published throughput range 8-18x', series: 1 },
        ]
      : [],
    valueLabels: true,
  });
}

interface LaneIntervals {
  firstStart: number;
  /** Flat [start, end, image, ...]. */
  spans: number[];
}

/** Sorts and merges one lane's intervals per image, joining gaps shorter than `tolerance` cycles. */
function mergeSpans(spans: readonly number[], tolerance: number): Array<[number, number, number]> {
  const items: Array<[number, number, number]> = [];
  for (let i = 0; i + 2 < spans.length; i += 3) items.push([spans[i] ?? 0, spans[i + 1] ?? 0, spans[i + 2] ?? 0]);
  items.sort((a, b) => a[2] - b[2] || a[0] - b[0]);
  const merged: Array<[number, number, number]> = [];
  for (const item of items) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last[2] === item[2] && item[0] <= last[1] + tolerance) last[1] = Math.max(last[1], item[1]);
    else merged.push([...item]);
  }
  return merged;
}

/**
 * Pipeline timeline (layer vs cycles) from a simulator trace CSV (sim/trace.ts columns). The trace is streamed,
 * never read whole; a layer's row pieces are merged into busy spans per image (gaps under 1/1000 of the run are
 * closed, below a pixel), coloured by image. NoC rows are left out.
 * @param maxImages images drawn (the first ones). @default 4
 */
export async function timelinePlot(traceFile: string, options: { title?: string; maxImages?: number } = {}): Promise<string> {
  const maxImages = options.maxImages ?? 4;
  const lanes = new Map<string, LaneIntervals>();
  let lastEnd = 0;
  let header: string[] | undefined;
  if (!fs.existsSync(traceFile)) throw new InputFileError(traceFile, 'file not found');
  const input = fs.createReadStream(traceFile);
  const stream = input.pipe(parse());
  input.on('error', (error) => stream.destroy(error)); // pipe() does not forward read errors
  try {
    for await (const record of stream as AsyncIterable<string[]>) {
      if (header === undefined) {
        header = record;
        for (const column of ['kind', 'layer', 'image', 'start_cycle', 'end_cycle']) {
          if (!header.includes(column)) throw new InputFileError(traceFile, `not a simulator trace: no '${column}' column (found ${header.join(', ')})`);
        }
        continue;
      }
      const at = (name: string): string => record[header?.indexOf(name) ?? -1] ?? '';
      const kind = at('kind');
      if (kind === 'noc') continue;
      const image = Number(at('image'));
      if (!(image < maxImages)) continue;
      const start = Number(at('start_cycle'));
      const end = Number(at('end_cycle'));
      if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
      const name = at('layer');
      let lane = lanes.get(name);
      if (lane === undefined) {
        lane = { firstStart: start, spans: [] };
        lanes.set(name, lane);
      }
      lane.firstStart = Math.min(lane.firstStart, start);
      lane.spans.push(start, end, image);
      lastEnd = Math.max(lastEnd, end);
    }
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new InputFileError(traceFile, `cannot read the trace: ${detail}`);
  }
  if (lanes.size === 0) throw new InputFileError(traceFile, 'the trace has no layer rows to plot');
  const ordered = [...lanes.entries()].sort((a, b) => a[1].firstStart - b[1].firstStart);
  const tolerance = lastEnd / 1000;
  const bars = ordered.flatMap(([, lane], index) => mergeSpans(lane.spans, tolerance).map(([start, end, image]) => ({ lane: index, start, end, group: image })));
  const images = Math.max(...bars.map((b) => b.group)) + 1;
  return ganttChart({
    title: options.title ?? `Pipeline timeline (${images} image${images === 1 ? '' : 's'})`,
    xTitle: 'time (cycles)',
    yTitle: 'layer (by first start)',
    lanes: ordered.map(([name]) => name),
    groups: Array.from({ length: images }, (_, i) => `image ${i}`),
    bars,
  });
}

/** Axis title of an architecture field path, with the unit its name carries (counts when it carries none). */
export function fieldAxisTitle(path: string): string {
  const leaf = path.split('.').pop() ?? path;
  const units: Array<[RegExp, string]> = [
    [/Mm2$/, 'mm2'],
    [/Mw$/, 'mW'],
    [/GHz$/, 'GHz'],
    [/Gsps$/, 'GS/s'],
    [/GBps$/, 'GB/s'],
    [/Kb$/, 'KB'],
    [/Pj(PerAdd|PerOp|PerAccess|PerFlit|PerBit|PerConversion)?$/, 'pJ'],
    [/Cycles$/, 'cycles'],
    [/PerCycle$/, 'per cycle'],
    [/^(bits|cellBits|flitBits|accessBits|packetPayloadBits|energyFlitBits)$/, 'bits'],
    [/^(differentialWeights)$/, 'true/false'],
    [/^name$/, 'name'],
  ];
  const unit = units.find(([re]) => re.test(leaf))?.[1] ?? 'count';
  return `${path} (${unit})`;
}

export interface SweepMetric {
  /** CSV column. */
  column: string;
  /** Axis title with its unit, e.g. 'throughput (images/s)'. */
  label: string;
}

/**
 * A sweep's metric against one varied parameter, one line per combination of the other varied parameters.
 * Rows with an error or a non-numeric metric are left out.
 */
export function sweepPlot(rows: ReadonlyArray<Record<string, string>>, param: string, metric: SweepMetric, otherParams: readonly string[], options: { title?: string } = {}): string {
  const numericX = rows.every((r) => r[param] !== undefined && r[param] !== '' && Number.isFinite(Number(r[param])));
  const series = new Map<string, LineSeries & { points: Array<{ x: number | string; y: number }> }>();
  for (const row of rows) {
    if ((row['error'] ?? '') !== '') continue;
    const y = Number(row[metric.column]);
    if (row[metric.column] === '' || !Number.isFinite(y)) continue;
    const name = otherParams.map((p) => `${p}=${row[p] ?? ''}`).join(', ') || metric.label;
    let s = series.get(name);
    if (s === undefined) {
      s = { name, points: [] };
      series.set(name, s);
    }
    s.points.push({ x: numericX ? Number(row[param]) : (row[param] ?? ''), y });
  }
  return lineChart({
    title: options.title ?? `${metric.label.replace(/ \(.*\)$/, '')} vs ${param}`,
    xTitle: fieldAxisTitle(param),
    yTitle: metric.label,
    series: [...series.values()].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true })),
  });
}
