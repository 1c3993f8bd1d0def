/**
 * Importer for the NeuroSim-style network CSV (DNN+NeuroSim's NetWork_*.csv): one row per weighted layer,
 *   IFM_H, IFM_W, IFM_C, K_H, K_W, OFM_C, followedByMaxPool, stride
 * with or without header lines (a title, column names) before the first row. NeuroSim's own reader takes columns
 * by position; we name them in every error.
 *
 * Interpretation (NeuroSim's conventions, as in its VGG-8 model code):
 * - a row is a fully connected layer when its IFM is 1x1 with a 1x1 kernel, or its kernel equals its IFM size
 *   (a 4x4 "conv" over a 4x4x512 map); a flatten is inserted before it when the map before it is larger than 1x1.
 *   NeuroSim's own NetWork_VGG8.csv writes that layer flattened, `1,1,8192,1,1,1024,0,1` after a 512x4x4 map:
 *   an IFM of 1x1 with C*H*W channels of the previous output reads it flattened;
 * - other rows are convolutions with 'same' padding: K-1 rows/columns in total, floor((K-1)/2) at the top/left
 *   (= floor(K/2) on every side for odd K), so stride 1 keeps the size;
 * - no biases (NeuroSim's QConv2d/QLinear default to bias=False), ReLU after every row but the last, and a 2x2
 *   stride-2 max pool after rows with followedByMaxPool = 1;
 * - the rows form a chain: each row's IFM must equal the previous row's output. CSVs with side branches (the
 *   shortcut convs of NeuroSim's ResNet-18 CSV) cannot be expressed this way; write those networks as JSON.
 */
import * as path from 'node:path';
import { InputFileError, ShapeError, ValidationError } from '../errors';
import { NetworkBuilder } from './builder';
import { LIMITS, describeRange, inRange, numberFromText, type NumericRange } from '../limits';
import { formatShape, resolveNetwork, shapeSize } from './shapes';
import type { Network, Shape } from './types';

const COLUMNS = ['IFM_H', 'IFM_W', 'IFM_C', 'K_H', 'K_W', 'OFM_C', 'followedByMaxPool', 'stride'] as const;

/** Each column's range, from the same table as the JSON format's fields (limits.ts). */
const COLUMN_RANGES: Readonly<Record<(typeof COLUMNS)[number], NumericRange>> = {
  IFM_H: LIMITS.spatial,
  IFM_W: LIMITS.spatial,
  IFM_C: LIMITS.channels,
  K_H: LIMITS.kernel,
  K_W: LIMITS.kernel,
  OFM_C: LIMITS.channels,
  followedByMaxPool: { min: 0, max: 1, integer: true },
  stride: LIMITS.stride,
};

interface CsvRow {
  line: number;
  ifm: Shape;
  kernel: [number, number];
  outChannels: number;
  maxPool: boolean;
  stride: number;
}

function splitLine(text: string): string[] {
  const cells = text.split(',').map((c) => c.trim());
  // NeuroSim files sometimes end rows with a comma.
  while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
  return cells;
}

function parseRow(source: string, line: number, cells: string[]): CsvRow {
  if (cells.length !== COLUMNS.length) {
    throw new ValidationError(source, `line ${line}`, `${cells.length} column(s)`, `${COLUMNS.length} columns: ${COLUMNS.join(', ')}`);
  }
  const values = cells.map((cell, i) => {
    const column = COLUMNS[i] as (typeof COLUMNS)[number];
    const range = COLUMN_RANGES[column];
    const v = numberFromText(cell);
    if (!inRange(v, range)) throw new ValidationError(source, `line ${line}, ${column}`, JSON.stringify(cell), describeRange(range));
    return v;
  });
  const [h, w, c, kh, kw, outC, pool, stride] = values as [number, number, number, number, number, number, number, number];
  return { line, ifm: { channels: c, height: h, width: w }, kernel: [kh, kw], outChannels: outC, maxPool: pool === 1, stride };
}

function isFcRow(row: CsvRow): boolean {
  const { ifm, kernel } = row;
  const pointwiseOnPoint = ifm.height === 1 && ifm.width === 1 && kernel[0] === 1 && kernel[1] === 1;
  return pointwiseOnPoint || (kernel[0] === ifm.height && kernel[1] === ifm.width);
}

/** 'same' padding for kernel k: [before, after] with K-1 in total. */
function samePad(k: number): [number, number] {
  return [Math.floor((k - 1) / 2), Math.ceil((k - 1) / 2)];
}

/** Shape after a row's layer and its optional max pool (mirrors resolveNetwork, so mismatches get a line number). */
function rowOutput(source: string, row: CsvRow, fc: boolean): Shape {
  let shape: Shape = fc
    ? { channels: row.outChannels, height: 1, width: 1 }
    : {
        channels: row.outChannels,
        height: Math.floor((row.ifm.height - 1) / row.stride) + 1,
        width: Math.floor((row.ifm.width - 1) / row.stride) + 1,
      };
  if (row.maxPool) {
    const pooled = { channels: shape.channels, height: Math.floor(shape.height / 2), width: Math.floor(shape.width / 2) };
    if (pooled.height < 1 || pooled.width < 1) {
      throw new ShapeError(`${source} line ${row.line}: followedByMaxPool = 1, but a 2x2 max pool does not fit the layer's ${formatShape(shape)} output.`);
    }
    shape = pooled;
  }
  return shape;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.channels === b.channels && a.height === b.height && a.width === b.width;
}

/** Why a file gave no rows: the lines read as headers, quoted (the first few), and a hint when ';' separates cells. */
function describeHeaders(headers: readonly { line: number; text: string }[]): string {
  if (headers.length === 0) return '';
  const shown = headers.slice(0, 3).map((h) => `line ${h.line} (${JSON.stringify(h.text.slice(0, 80))})`);
  const more = headers.length > shown.length ? ` and ${headers.length - shown.length} more` : '';
  const verb = headers.length === 1 ? 'was read as a header' : 'were read as headers';
  const semicolon = headers.some((h) => h.text.includes(';')) ? "; ';' is not a separator, cells are separated by ','" : '';
  return `; ${shown.join(', ')}${more} ${verb}, having no comma-separated number${semicolon}`;
}

/**
 * Imports a NeuroSim-style CSV as a network named after the file. Errors name the file and line.
 * @param source file name used in messages and for the network name
 */
export function parseNeurosimCsv(text: string, source: string): Network {
  const rows: CsvRow[] = [];
  // Lines before the first data row with no number in them are headers (a title line and a column-name line are
  // both common). After the first data row every line must be a row, so a garbled row is named, not skipped.
  const headers: { line: number; text: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const cells = splitLine(raw);
    if (cells.length === 0 || cells[0]?.startsWith('#')) return;
    if (rows.length === 0 && cells.every((c) => Number.isNaN(numberFromText(c)))) {
      headers.push({ line: i + 1, text: raw.trim() });
      return;
    }
    rows.push(parseRow(source, i + 1, cells));
  });
  const first = rows[0];
  if (!first) throw new InputFileError(source, `no layer rows${describeHeaders(headers)} (expected one row per layer: ${COLUMNS.join(', ')}).`);

  const name = path.basename(source).replace(/\.csv$/i, '') || 'network';
  const b = new NetworkBuilder(name, { ...first.ifm });
  let current: Shape = { ...first.ifm };
  let previousLine = 0;
  rows.forEach((row, k) => {
    // NeuroSim's own files write a fully connected layer after a CxHxW map flattened: IFM 1x1 with C*H*W channels.
    const flattened = row.ifm.height === 1 && row.ifm.width === 1 && row.kernel[0] === 1 && row.kernel[1] === 1 && row.ifm.channels === shapeSize(current);
    if (!sameShape(row.ifm, current) && !flattened) {
      const what = previousLine === 0 ? 'the network input' : `the output of line ${previousLine}`;
      throw new ShapeError(
        `${source} line ${row.line}: IFM ${formatShape(row.ifm)} (CxHxW) does not match ${what}, ${formatShape(current)}.`,
      );
    }
    const fc = isFcRow(row);
    const id = k + 1;
    if (fc) {
      if (current.height > 1 || current.width > 1) b.flatten(`flatten${id}`);
      b.fc(`fc${id}`, row.outChannels, { bias: false });
    } else {
      const [pt, pb] = samePad(row.kernel[0]);
      const [pl, pr] = samePad(row.kernel[1]);
      b.conv(`conv${id}`, row.outChannels, row.kernel, { stride: row.stride, pad: [pt, pl, pb, pr] });
    }
    if (k < rows.length - 1) b.relu(`relu${id}`);
    if (row.maxPool) b.maxPool(`pool${id}`, 2, { stride: 2 });
    current = rowOutput(source, row, fc);
    previousLine = row.line;
  });
  const network = b.build();
  resolveNetwork(network, source);
  return network;
}
