/**
 * Three generic charts as SVG strings: grouped bars, lines, and a Gantt-like timeline. Every chart takes its
 * axis titles from the caller, who puts the unit in them.
 */
import {
  bottomAxis,
  categoryAxis,
  color,
  escapeXml,
  formatTick,
  formatTicks,
  leftAxis,
  legend,
  legendWidth,
  linearScale,
  logScale,
  px,
  svgDocument,
  textWidth,
  type Frame,
  type Scale,
} from './svg';

export interface Reference {
  value: number;
  label: string;
  /** Colour of that series; grey when absent. */
  series?: number;
}

function referenceColor(r: Reference): string {
  return r.series === undefined ? '#555' : color(r.series);
}

/** A shaded horizontal band, e.g. a published range; `series` picks its colour. */
export interface Band {
  from: number;
  to: number;
  label: string;
  series: number;
}

export interface BarSeries {
  name: string;
  values: readonly number[];
}

export interface BarChartSpec {
  title: string;
  xTitle: string;
  yTitle: string;
  categories: readonly string[];
  series: readonly BarSeries[];
  /** Log-scale y axis (values <= 0 are drawn at the axis floor). @default false */
  logY?: boolean;
  /** Dashed horizontal lines, e.g. "1x = baseline". @default [] */
  references?: readonly Reference[];
  /** Shaded ranges behind the bars, listed in the legend. @default [] */
  bands?: readonly Band[];
  /** Print each bar's value above it. @default false */
  valueLabels?: boolean;
}

function finite(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v));
}

function yScale(values: readonly number[], frame: Frame, log: boolean): Scale {
  return log ? logScale(values, frame.bottom, frame.top) : linearScale(values, frame.bottom, frame.top, true);
}

function yLabelMargin(scale: Scale): number {
  return 34 + Math.max(...(scale.log ? scale.ticks.map(formatTick) : formatTicks(scale.ticks)).map((t) => textWidth(t, 11)));
}

/** Dashed horizontal lines; their labels go in the legend, where they cannot hide a bar. */
function referenceLines(frame: Frame, scale: Scale, refs: readonly Reference[]): string {
  return refs
    .map((r) => {
      const y = scale(r.value);
      if (y < frame.top - 0.5 || y > frame.bottom + 0.5) return '';
      return `<line class="reference" x1="${px(frame.left)}" y1="${px(y)}" x2="${px(frame.right)}" y2="${px(y)}" stroke="${referenceColor(r)}" stroke-width="1.5" stroke-dasharray="6,4"/>`;
    })
    .join('');
}

export function barChart(spec: BarChartSpec): string {
  const n = spec.categories.length;
  const k = Math.max(1, spec.series.length);
  const bands = spec.bands ?? [];
  const values = finite([...spec.series.flatMap((s) => s.values), ...(spec.references ?? []).map((r) => r.value), ...bands.flatMap((b) => [b.from, b.to])]);
  const names = spec.series.length > 1 ? spec.series.map((s) => s.name) : [];
  // Few categories: room for their labels upright; many: narrow slots and rotated labels.
  const labelSlot = n <= 12 ? Math.max(0, ...spec.categories.map((c) => textWidth(c, 11) + 12)) : 0;
  const slotWidth = Math.max(18, 8 * k + 10, labelSlot);
  const plotWidth = Math.max(360, n * slotWidth);
  const plotHeight = 300;
  const probe = yScale(values, { width: 0, height: 0, left: 0, right: 1, top: 0, bottom: plotHeight }, spec.logY ?? false);
  const left = yLabelMargin(probe);
  const frame: Frame = { width: 0, height: 0, left, right: left + plotWidth, top: 40, bottom: 40 + plotHeight };
  const scale = yScale(values, frame, spec.logY ?? false);
  const slot = plotWidth / Math.max(1, n);
  const groupWidth = slot * 0.8;
  const barWidth = groupWidth / k;
  const centers = spec.categories.map((_, i) => frame.left + slot * (i + 0.5));
  const axisX = categoryAxis(frame, spec.categories, centers, spec.xTitle);
  const base = scale.log ? frame.bottom : scale(0);
  const bars: string[] = [];
  spec.series.forEach((series, s) => {
    series.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const x = (centers[i] ?? 0) - groupWidth / 2 + s * barWidth;
      const y = scale(v);
      const top = Math.min(y, base);
      const height = Math.max(0.5, Math.abs(base - y));
      bars.push(
        `<rect x="${px(x)}" y="${px(top)}" width="${px(Math.max(1, barWidth - 1))}" height="${px(height)}" fill="${color(s)}">` +
          `<title>${escapeXml(`${spec.categories[i] ?? ''} ${series.name}: ${formatTick(v)}`)}</title></rect>`,
      );
      if (spec.valueLabels === true) {
        bars.push(`<text x="${px(x + barWidth / 2)}" y="${px(top - 3)}" text-anchor="middle" font-size="10">${escapeXml(formatTick(v))}</text>`);
      }
    });
  });
  const bandMarks = bands
    .map((b) => {
      const y0 = scale(Math.max(b.from, b.to));
      const y1 = scale(Math.min(b.from, b.to));
      return `<rect class="band" x="${px(frame.left)}" y="${px(y0)}" width="${px(plotWidth)}" height="${px(Math.max(0.5, y1 - y0))}" fill="${color(b.series)}" fill-opacity="0.12"/>`;
    })
    .join('');
  const extraLegend = [
    ...bands.map((b) => ({ name: b.label, swatch: `fill="${color(b.series)}" fill-opacity="0.25"` })),
    ...(spec.references ?? []).map((r) => ({ name: r.label, swatch: `fill="none" stroke="${referenceColor(r)}" stroke-dasharray="3,2"` })),
  ];
  const width = frame.right + Math.max(20, legendWidth([...names, ...extraLegend.map((e) => e.name)]));
  const height = frame.bottom + axisX.labelDepth + 30;
  const body = [
    bandMarks,
    leftAxis(frame, scale, spec.yTitle),
    `<g class="marks">${bars.join('')}</g>`,
    referenceLines(frame, scale, spec.references ?? []),
    axisX.svg,
    legend(frame, names, 'box', extraLegend),
  ].join('\n');
  return svgDocument(width, height, spec.title, body);
}

export interface LinePoint {
  x: number | string;
  y: number;
}

export interface LineSeries {
  name: string;
  points: readonly LinePoint[];
}

export interface LineChartSpec {
  title: string;
  xTitle: string;
  yTitle: string;
  series: readonly LineSeries[];
  /** @default false */
  logY?: boolean;
}

export function lineChart(spec: LineChartSpec): string {
  const points = spec.series.flatMap((s) => s.points);
  const categorical = points.some((p) => typeof p.x === 'string');
  const categories = categorical ? [...new Set(points.map((p) => String(p.x)))] : [];
  const ys = finite(points.map((p) => p.y));
  const names = spec.series.length > 1 ? spec.series.map((s) => s.name) : [];
  const plotWidth = Math.max(420, categories.length * 60);
  const plotHeight = 300;
  const probe = yScale(ys, { width: 0, height: 0, left: 0, right: 1, top: 0, bottom: plotHeight }, spec.logY ?? false);
  const left = yLabelMargin(probe);
  const frame: Frame = { width: 0, height: 0, left, right: left + plotWidth, top: 40, bottom: 40 + plotHeight };
  const scaleY = spec.logY === true ? logScale(ys, frame.bottom, frame.top) : linearScale(ys, frame.bottom, frame.top, false);
  let xOf: (x: number | string) => number;
  let axisX: string;
  let labelDepth = 40;
  if (categorical) {
    const slot = plotWidth / Math.max(1, categories.length);
    const centers = categories.map((_, i) => frame.left + slot * (i + 0.5));
    xOf = (x) => centers[categories.indexOf(String(x))] ?? frame.left;
    const axis = categoryAxis(frame, categories, centers, spec.xTitle);
    axisX = axis.svg;
    labelDepth = axis.labelDepth + 22;
  } else {
    const scaleX = linearScale(finite(points.map((p) => Number(p.x))), frame.left, frame.right, false);
    xOf = (x) => scaleX(Number(x));
    axisX = bottomAxis(frame, scaleX, spec.xTitle);
  }
  const marks: string[] = [];
  spec.series.forEach((series, s) => {
    const drawn = series.points.filter((p) => Number.isFinite(p.y) && (categorical || Number.isFinite(Number(p.x))));
    const sorted = categorical ? drawn : [...drawn].sort((a, b) => Number(a.x) - Number(b.x));
    if (sorted.length > 1) {
      const d = sorted.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(xOf(p.x))},${px(scaleY(p.y))}`).join(' ');
      marks.push(`<path d="${d}" fill="none" stroke="${color(s)}" stroke-width="2"/>`);
    }
    for (const p of sorted) {
      marks.push(
        `<circle cx="${px(xOf(p.x))}" cy="${px(scaleY(p.y))}" r="3.5" fill="${color(s)}"><title>${escapeXml(`${series.name} ${String(p.x)}: ${formatTick(p.y)}`)}</title></circle>`,
      );
    }
  });
  const width = frame.right + Math.max(20, legendWidth(names));
  const height = frame.bottom + labelDepth + 12;
  const body = [leftAxis(frame, scaleY, spec.yTitle), axisX, `<g class="marks">${marks.join('')}</g>`, legend(frame, names, 'line')].join('\n');
  return svgDocument(width, height, spec.title, body);
}

export interface GanttBar {
  /** Index into `lanes`. */
  lane: number;
  start: number;
  end: number;
  /** Index into `groups` (colour). */
  group: number;
}

export interface GanttSpec {
  title: string;
  xTitle: string;
  yTitle: string;
  /** Lane labels, drawn top to bottom. */
  lanes: readonly string[];
  groups: readonly string[];
  bars: readonly GanttBar[];
}

export function ganttChart(spec: GanttSpec): string {
  const laneHeight = 14;
  const labelWidth = Math.max(40, ...spec.lanes.map((l) => textWidth(l, 10)));
  const left = 34 + labelWidth;
  const plotWidth = 640;
  const top = 40;
  const frame: Frame = { width: 0, height: 0, left, right: left + plotWidth, top, bottom: top + Math.max(1, spec.lanes.length) * laneHeight };
  const ends = finite(spec.bars.flatMap((b) => [b.start, b.end]));
  const scaleX = linearScale([0, ...ends], frame.left, frame.right, true);
  const laneLabels = spec.lanes
    .map((label, i) => `<text x="${px(frame.left - 6)}" y="${px(frame.top + i * laneHeight + laneHeight * 0.72)}" text-anchor="end" font-size="10">${escapeXml(label)}</text>`)
    .join('');
  const cy = (frame.top + frame.bottom) / 2;
  const yAxis =
    `<g class="axis axis-y">${laneLabels}<line x1="${px(frame.left)}" y1="${px(frame.top)}" x2="${px(frame.left)}" y2="${px(frame.bottom)}" stroke="#333"/>` +
    `<text class="axis-title" x="14" y="${px(cy)}" transform="rotate(-90 14 ${px(cy)})" text-anchor="middle" font-size="13">${escapeXml(spec.yTitle)}</text></g>`;
  const bars = spec.bars
    .filter((b) => Number.isFinite(b.start) && Number.isFinite(b.end))
    .map((b) => {
      const x = scaleX(b.start);
      const w = Math.max(0.6, scaleX(b.end) - x);
      const y = frame.top + b.lane * laneHeight + 2;
      return `<rect x="${px(x)}" y="${px(y)}" width="${px(w)}" height="${px(laneHeight - 4)}" fill="${color(b.group)}" fill-opacity="0.85"/>`;
    })
    .join('');
  const names = spec.groups.length > 1 ? spec.groups : [];
  const width = frame.right + Math.max(24, legendWidth(names));
  const height = frame.bottom + 52;
  const body = [yAxis, bottomAxis(frame, scaleX, spec.xTitle), `<g class="marks">${bars}</g>`, legend(frame, names, 'box')].join('\n');
  return svgDocument(width, height, spec.title, body);
}
