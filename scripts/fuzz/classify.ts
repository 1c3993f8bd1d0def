/**
 * How a fuzz case ended: ok, a clean user error, a crash, a hang, a non-finite number in an output, or a wrong
 * success (a refused-for-sure input accepted, an output that breaks a physical bound, or a must-import input
 * refused: the one class for a wrong verdict either way). Hangs and dead workers are
 * decided by the runner; everything else here, from the captured run and the files it wrote.
 */
import type { FuzzCase } from './generate';
import { parseNetworkJson } from '../../workloads/json';

export const FUZZ_CLASSES = ['ok', 'clean error', 'crash', 'hang', 'non-finite', 'wrong success'] as const;
export type FuzzClass = (typeof FUZZ_CLASSES)[number];

export interface CaseRun {
  code: number;
  stdout: string;
  stderr: string;
  escaped?: string | undefined;
  /** Text outputs the case wrote (name -> content), and leftover temp files. */
  outputs: Record<string, string>;
  leftoverTemps: string[];
  ms: number;
}

export interface Verdict {
  cls: FuzzClass;
  reason: string;
}

const STACK_FRAME = /\n\s+at .+[:(]\d+/;
const NON_FINITE = /\b(NaN|-?Infinity)\b/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/**
 * Layers of a network-file case whose last output rows no reader needs: those before a conv or pool (the generator's
 * networks are chains) whose last output row reads no further than input row (Hout - 1) x stride - padTop +
 * (kernel - 1) x dilation < Hin - 1 (a pool with a stride larger than its window). Their units still compute every row
 * in order (docs/hardware-model.md rule 4), but the image's output leaves once the rows it needs are done: its latency
 * may be shorter than such a layer's compute (28-row conv0 read by a 2x2 pool of stride 17: rows 0-18 needed, latency
 * 534,015 cycles, conv0's 28 rows 784,000; simulated 534,029).
 */
function layersWithUnreadRows(c: FuzzCase, doc: Json): Set<string> {
  const unread = new Set<string>();
  const file = c.files.find((f) => f.name === 'net.json');
  if (file === undefined || typeof file.data !== 'string') return unread;
  let layers;
  try {
    layers = parseNetworkJson(file.data, 'net.json').layers;
  } catch {
    return unread;
  }
  // Shapes as analyze prints them: 'CxHxW'.
  const dims = (v: unknown): number[] => (typeof v === 'string' ? v.split('x').map(Number) : []);
  const shapes = new Map<string, { inShape: number[]; outShape: number[] }>();
  for (const l of (Array.isArray(doc['layers']) ? (doc['layers'] as unknown[]) : []).filter(isObject)) {
    shapes.set(String(l['layer']), { inShape: dims(l['inShape']), outShape: dims(l['outShape']) });
  }
  layers.forEach((layer, at) => {
    if ((layer.kind !== 'conv' && layer.kind !== 'pool') || (layer.kind === 'pool' && layer.global)) return;
    const shape = shapes.get(layer.name);
    const hIn = num(shape?.inShape[1]);
    const hOut = num(shape?.outShape[1]);
    const dilation = layer.kind === 'conv' ? layer.dilation[0] : 1;
    const lastRead = (hOut - 1) * layer.stride[0] - layer.pad[0] + (layer.kernel[0] - 1) * dilation;
    if (lastRead < hIn - 1) for (const before of layers.slice(0, at)) unread.add(before.name);
  });
  return unread;
}

/** Physical bounds of an analyze report (JSON): what no correct model output can break. */
function analyzeViolations(doc: Json, unreadRows: Set<string>): string[] {
  const out: string[] = [];
  const totals = isObject(doc['totals']) ? doc['totals'] : {};
  const bottleneck = num(totals['bottleneckCycles']);
  if (!(num(totals['throughputImagesPerS']) > 0)) out.push('throughput is not positive');
  if (!(bottleneck > 0)) out.push('bottleneck cycles not positive');
  const latency = num(totals['latencyCycles']);
  if (!(latency > 0)) out.push('latency not positive');
  if (!(num(totals['areaMm2']) > 0)) out.push('area not positive');
  if (!(num(totals['tilesUsed']) >= 1)) out.push('no tiles used');
  const layers = Array.isArray(doc['layers']) ? (doc['layers'] as unknown[]) : [];
  for (const l of layers.filter(isObject)) {
    for (const key of ['wbits', 'abits'] as const) {
      const b = l[key];
      if (b !== null && b !== undefined && !(Number.isInteger(b) && num(b) >= 1 && num(b) <= 16)) out.push(`layer ${String(l['layer'])} ${key} ${String(b)}`);
    }
    if (!(num(l['shareOfBottleneck']) <= 1 + 1e-9 && num(l['shareOfBottleneck']) >= 0)) out.push(`layer ${String(l['layer'])} share of bottleneck ${String(l['shareOfBottleneck'])}`);
    if (num(l['replicas']) < 0 || !Number.isInteger(l['replicas'])) out.push(`layer ${String(l['layer'])} replicas ${String(l['replicas'])}`);
    // An image cannot leave before a layer has computed all of it (queueing terms, which bound the interval
    // between images, need not delay a single image), unless a reader leaves its last rows unread.
    if (l['boundBy'] === 'compute' && !unreadRows.has(String(l['layer'])) && !(latency >= num(l['stageCycles']) * (1 - 1e-6) - 1)) out.push(`latency ${latency} shorter than layer ${String(l['layer'])}'s compute ${String(l['stageCycles'])}`);
    if (!(num(l['stageCycles']) <= bottleneck * (1 + 1e-9) + 1)) out.push(`layer ${String(l['layer'])} stage longer than the bottleneck`);
  }
  return out;
}

/** Physical bounds of a simulate report (JSON). */
function simulateViolations(doc: Json): string[] {
  const out: string[] = [];
  const sim = isObject(doc['simulated']) ? doc['simulated'] : {};
  if (!(num(sim['throughputImagesPerS']) > 0)) out.push('simulated throughput not positive');
  if (!(num(sim['latencyCycles']) > 0)) out.push('simulated latency not positive');
  const util = isObject(sim['utilization']) ? sim['utilization'] : {};
  for (const [k, v] of Object.entries(util)) if (typeof v === 'number' && !(v >= 0 && v <= 1 + 1e-6)) out.push(`utilization ${k} = ${v}`);
  return out;
}

/** A finished sweep row has its metrics or an error, never neither. */
function sweepViolations(csv: string): string[] {
  const lines = csv.trim().split('\n');
  const header = (lines[0] ?? '').split(',');
  const errorAt = header.indexOf('error');
  const throughputAt = header.indexOf('throughput_images_per_s');
  const out: string[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    const error = cells[errorAt] ?? '';
    if (error === '' && !(Number(cells[throughputAt]) > 0)) out.push(`row without error has throughput '${cells[throughputAt] ?? ''}'`);
  }
  return out;
}

function parseJson(text: string): Json | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Bound violations of whatever the command wrote. */
function outputViolations(c: FuzzCase, run: CaseRun): string[] {
  const command = c.argv[0];
  if (command === 'analyze' || command === 'simulate') {
    if (!c.argv.includes('json')) return [];
    const doc = parseJson(run.stdout);
    if (doc === undefined) return ['--format json printed no JSON object'];
    return command === 'analyze' ? analyzeViolations(doc, layersWithUnreadRows(c, doc)) : simulateViolations(doc);
  }
  if (command === 'sweep') {
    const csv = run.outputs['sweep.csv'];
    return csv === undefined ? ['sweep wrote no CSV'] : sweepViolations(csv);
  }
  if (command === 'optimize') {
    const doc = parseJson(run.outputs['opt.json'] ?? '');
    if (doc === undefined) return ['optimize wrote no result JSON'];
    const rows = Array.isArray(doc['rows']) ? (doc['rows'] as unknown[]).filter(isObject) : [];
    return rows.filter((r) => !(num(r['throughputImagesPerS']) > 0) || num(r['dropPct']) < 0).map((r) => `variant ${String(r['variant'])} out of bounds`);
  }
  if (command === 'import') return run.outputs['net.json'] === undefined ? ['import wrote nothing'] : [];
  return [];
}

export function classify(c: FuzzCase, run: CaseRun): Verdict {
  if (run.escaped !== undefined) return { cls: 'crash', reason: `escaped: ${run.escaped.split('\n').slice(0, 3).join(' | ')}` };
  if (STACK_FRAME.test(run.stderr)) return { cls: 'crash', reason: `stack trace: ${run.stderr.slice(0, 300)}` };
  if (run.code === 1) return { cls: 'crash', reason: `internal error: ${run.stderr.slice(0, 300)}` };
  const texts = [run.stdout, ...Object.values(run.outputs)];
  if (texts.some((t) => NON_FINITE.test(t))) return { cls: 'non-finite', reason: 'NaN or Infinity in an output' };
  if (run.leftoverTemps.length > 0) return { cls: 'wrong success', reason: `left temp files ${run.leftoverTemps.join(', ')}` };
  if (run.code === 2) {
    if (!run.stderr.startsWith('lrmp: ')) return { cls: 'crash', reason: `exit 2 without an lrmp message: ${run.stderr.slice(0, 200)}` };
    // A valid input refused for itself (the message names its file) is the other wrong verdict; limits of the
    // chip or the options are not the file's fault.
    const inputs = c.files.map((f) => f.name);
    if (c.mustImport && inputs.some((name) => run.stderr.includes(`${name}:`) || run.stderr.includes(`${name}'`))) {
      return { cls: 'wrong success', reason: `refused a valid input (${c.note}): ${run.stderr.split('\n')[0] ?? ''}` };
    }
    return { cls: 'clean error', reason: run.stderr.split('\n')[0] ?? '' };
  }
  if (run.code !== 0) return { cls: 'crash', reason: `exit code ${run.code}` };
  if (c.mustReject) return { cls: 'wrong success', reason: `accepted: ${c.note}` };
  const violations = outputViolations(c, run);
  if (violations.length > 0) return { cls: 'wrong success', reason: violations.slice(0, 3).join('; ') };
  return { cls: 'ok', reason: '' };
}
