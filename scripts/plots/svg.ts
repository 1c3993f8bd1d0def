/**
 * SVG building blocks for the plots: escaping, number labels, tick choice, axes, legend and the document.
 * Hand-written rather than vega: vega 6 is ESM-only (require() fails with ERR_REQUIRE_ASYNC_MODULE from this
 * CommonJS build and under jest), weighs 25 MB in 79 packages and takes ~0.4 s to load; four chart kinds
 * need a few hundred lines. Text widths are estimated (no font metrics without a canvas).
 */

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Coordinates with two decimals: short files, no exponent notation. */
export function px(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`non-finite coordinate ${String(value)}`);
  return String(Math.round(value * 100) / 100);
}

const SI_UNITS: ReadonlyArray<[number, string]> = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];

/** A tick or value label: 3 significant digits, SI suffixes for large numbers. */
export function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  for (const [scale, suffix] of SI_UNITS) {
    if (abs >= scale) return `${trimZeros((value / scale).toPrecision(3))}${suffix}`;
  }
  if (abs < 1e-3) return value.toExponential(1);
  return trimZeros(value.toPrecision(3));
}

/**
 * Labels for a whole axis: one shared SI suffix and as many decimals as the tick step needs, so neighbouring
 * ticks never read the same (a latency varying by 0.05% gets 13.400, 13.402, ... not five "13.4").
 */
export function formatTicks(ticks: readonly number[]): string[] {
  let step = Infinity;
  for (let i = 1; i < ticks.length; i++) {
    const d = Math.abs((ticks[i] ?? 0) - (ticks[i - 1] ?? 0));
    if (d > 0) step = Math.min(step, d);
  }
  if (!Number.isFinite(step)) return ticks.map(formatTick);
  const maxAbs = Math.max(...ticks.map((t) => Math.abs(t)));
  if (maxAbs < 1e-3) {
    // Exponent notation: enough mantissa digits to resolve the step at the largest magnitude.
    const digits = Math.max(1, Math.ceil(Math.log10(maxAbs / step) - 1e-9));
    return ticks.map((t) => (t === 0 ? '0' : t.toExponential(Math.min(20, digits))));
  }
  const [scale, suffix] = SI_UNITS.find(([s]) => maxAbs >= s) ?? [1, ''];
  const decimals = Math.min(20, Math.max(0, Math.ceil(-Math.log10(step / scale) - 1e-9)));
  return ticks.map((t) => (t === 0 ? '0' : `${(t / scale).toFixed(decimals)}${suffix}`));
}

function trimZeros(text: string): string {
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : text;
}

/** Rough width of a label in the default sans-serif font. */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.58;
}

/** "Nice" linear ticks (1, 2, 5 x 10^k steps) from at or below min to at or above max. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const rough = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  // Outward to whole steps, so the largest value sits below the top tick rather than on the frame.
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** Powers of ten covering [min, max] (min > 0). */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) ticks.push(10 ** e);
  return ticks;
}

/** Maps data values to pixels along one axis. */
export interface Scale {
  (value: number): number;
  ticks: number[];
  log: boolean;
}

/** Linear scale from a domain (padded to nice ticks) to [from, to] pixels. */
export function linearScale(values: readonly number[], from: number, to: number, includeZero: boolean): Scale {
  let lo = Math.min(...values, ...(includeZero ? [0] : []));
  let hi = Math.max(...values, ...(includeZero ? [0] : []));
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi === lo) [lo, hi] = lo === 0 ? [0, 1] : [Math.min(0, lo * 0.9), Math.max(0, hi * 1.1)];
  const ticks = niceTicks(lo, hi);
  const d0 = Math.min(lo, ticks[0] ?? lo);
  const d1 = Math.max(hi, ticks[ticks.length - 1] ?? hi);
  const scale = ((v: number) => from + ((v - d0) / (d1 - d0)) * (to - from)) as Scale;
  scale.ticks = ticks;
  scale.log = false;
  return scale;
}

/** Base-10 log scale over the positive values, widened to whole decades. */
export function logScale(values: readonly number[], from: number, to: number): Scale {
  const positive = values.filter((v) => v > 0);
  const lo = positive.length > 0 ? Math.min(...positive) : 1;
  const hi = positive.length > 0 ? Math.max(...positive) : 10;
  const ticks = logTicks(lo, hi === lo ? lo * 10 : hi);
  const d0 = Math.log10(ticks[0] ?? lo);
  const d1 = Math.log10(ticks[ticks.length - 1] ?? hi);
  const span = d1 > d0 ? d1 - d0 : 1;
  const scale = ((v: number) => from + ((Math.log10(Math.max(v, 10 ** d0)) - d0) / span) * (to - from)) as Scale;
  scale.ticks = ticks;
  scale.log = true;
  return scale;
}

/** The plotting rectangle inside the document, in pixels. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d', '#bab0ac', '#ff9da6'];

export function color(index: number): string {
  return PALETTE[index % PALETTE.length] ?? '#4c78a8';
}

/** Gridlines, tick labels and the title of a vertical numeric axis. */
export function leftAxis(frame: Frame, scale: Scale, title: string): string {
  const parts: string[] = [];
  const labels = scale.log ? scale.ticks.map(formatTick) : formatTicks(scale.ticks);
  scale.ticks.forEach((tick, i) => {
    const y = scale(tick);
    parts.push(`<line x1="${px(frame.left)}" y1="${px(y)}" x2="${px(frame.right)}" y2="${px(y)}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${px(frame.left - 6)}" y="${px(y + 4)}" text-anchor="end" font-size="11">${escapeXml(labels[i] ?? '')}</text>`);
  });
  parts.push(`<line x1="${px(frame.left)}" y1="${px(frame.top)}" x2="${px(frame.left)}" y2="${px(frame.bottom)}" stroke="#333"/>`);
  const cy = (frame.top + frame.bottom) / 2;
  parts.push(
    `<text class="axis-title" x="16" y="${px(cy)}" transform="rotate(-90 16 ${px(cy)})" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
  );
  return `<g class="axis axis-y">${parts.join('')}</g>`;
}

/** Tick labels and the title of a horizontal numeric axis. */
export function bottomAxis(frame: Frame, scale: Scale, title: string): string {
  const parts: string[] = [];
  const labels = scale.log ? scale.ticks.map(formatTick) : formatTicks(scale.ticks);
  scale.ticks.forEach((tick, i) => {
    const x = scale(tick);
    parts.push(`<line x1="${px(x)}" y1="${px(frame.top)}" x2="${px(x)}" y2="${px(frame.bottom)}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${px(x)}" y="${px(frame.bottom + 16)}" text-anchor="middle" font-size="11">${escapeXml(labels[i] ?? '')}</text>`);
  });
  parts.push(`<line x1="${px(frame.left)}" y1="${px(frame.bottom)}" x2="${px(frame.right)}" y2="${px(frame.bottom)}" stroke="#333"/>`);
  parts.push(axisTitleBelow(frame, title, 36));
  return `<g class="axis axis-x">${parts.join('')}</g>`;
}

/** Category labels centred at the given x positions, rotated when they would overlap. */
export function categoryAxis(frame: Frame, labels: readonly string[], centers: readonly number[], title: string): { svg: string; rotated: boolean; labelDepth: number } {
  const slot = labels.length > 1 ? Math.abs((centers[1] ?? 0) - (centers[0] ?? 0)) : frame.right - frame.left;
  const widest = Math.max(0, ...labels.map((l) => textWidth(l, 11)));
  const rotated = widest > slot - 4;
  const parts: string[] = [];
  labels.forEach((label, i) => {
    const x = centers[i] ?? 0;
    const y = frame.bottom + 14;
    parts.push(
      rotated
        ? `<text x="${px(x)}" y="${px(y)}" transform="rotate(-60 ${px(x)} ${px(y)})" text-anchor="end" font-size="11">${escapeXml(label)}</text>`
        : `<text x="${px(x)}" y="${px(y)}" text-anchor="middle" font-size="11">${escapeXml(label)}</text>`,
    );
  });
  parts.push(`<line x1="${px(frame.left)}" y1="${px(frame.bottom)}" x2="${px(frame.right)}" y2="${px(frame.bottom)}" stroke="#333"/>`);
  const labelDepth = rotated ? widest * Math.sin(Math.PI / 3) + 14 : 18;
  parts.push(axisTitleBelow(frame, title, labelDepth + 18));
  return { svg: `<g class="axis axis-x">${parts.join('')}</g>`, rotated, labelDepth };
}

function axisTitleBelow(frame: Frame, title: string, offset: number): string {
  return `<text class="axis-title" x="${px((frame.left + frame.right) / 2)}" y="${px(frame.bottom + offset)}" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`;
}

/** Legend swatches in a column at the right of the frame. */
export function legend(frame: Frame, names: readonly string[], kind: 'box' | 'line', extra: ReadonlyArray<{ name: string; swatch: string }> = []): string {
  if (names.length === 0 && extra.length === 0) return '';
  const x = frame.right + 14;
  const rowY = (i: number): number => frame.top + 4 + i * 18;
  const parts = names.map((name, i) => {
    const y = rowY(i);
    const swatch =
      kind === 'box'
        ? `<rect x="${px(x)}" y="${px(y)}" width="12" height="12" fill="${color(i)}"/>`
        : `<line x1="${px(x)}" y1="${px(y + 6)}" x2="${px(x + 14)}" y2="${px(y + 6)}" stroke="${color(i)}" stroke-width="2"/>`;
    return `${swatch}<text x="${px(x + 20)}" y="${px(y + 10)}" font-size="11">${escapeXml(name)}</text>`;
  });
  extra.forEach((item, j) => {
    const y = rowY(names.length + j);
    parts.push(`<rect x="${px(x)}" y="${px(y)}" width="12" height="12" ${item.swatch}/><text x="${px(x + 20)}" y="${px(y + 10)}" font-size="11">${escapeXml(item.name)}</text>`);
  });
  return `<g class="legend">${parts.join('')}</g>`;
}

/** Width the legend column needs. */
export function legendWidth(names: readonly string[]): number {
  return names.length === 0 ? 0 : 40 + Math.max(...names.map((n) => textWidth(n, 11)));
}

/** The whole document: white background, title on top. */
export function svgDocument(width: number, height: number, title: string, body: string): string {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text class="title" x="${px(w / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    body,
    `</svg>`,
    '',
  ].join('\n');
}
