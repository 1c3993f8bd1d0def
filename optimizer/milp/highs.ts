import type { MilpBackend, MilpProblem, MilpSolution, MilpSolveOptions } from './problem';

/** What HiGHS's solve returns, the parts read here (plain data: a worker thread posts it as it is). */
export type HighsAnswer = { Status: string; ObjectiveValue: number; Columns: Record<string, { Primal?: number }> };
type HighsModule = { solve(problem: string, options?: Record<string, unknown>): HighsAnswer };

let loading: Promise<HighsModule> | undefined;

/** Loads the HiGHS WASM module once per thread. */
export function loadHighs(): Promise<HighsModule> {
  if (loading === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loader = require('highs') as (options?: unknown) => Promise<HighsModule>;
    loading = loader();
  }
  return loading;
}

function fmt(k: number): string {
  // LP format needs plain decimal numbers; 17 significant digits keep coefficients exact.
  return Number.isInteger(k) ? String(k) : k.toPrecision(17).replace(/\.?0+$/, '');
}

/** Terms as LP text, with a line break after every 30 tokens (the LP reader limits line length). */
function expr(terms: Array<[string, number]>): string {
  const tokens: string[] = [];
  for (const [v, k] of terms) {
    if (k === 0) continue;
    tokens.push(k < 0 ? '-' : '+', fmt(Math.abs(k)), v);
  }
  if (tokens.length === 0) return '0 dummy_zero';
  let text = tokens[0] as string;
  for (let i = 1; i < tokens.length; i++) text += (i % 30 === 0 ? ' \n ' : ' ') + (tokens[i] as string);
  return text;
}

/** CPLEX LP text of a problem. */
export function toLpFormat(problem: MilpProblem): string {
  const lines: string[] = ['Minimize', ` obj: ${expr(problem.objective)}`, 'Subject To'];
  for (const c of problem.constraints) {
    const body = expr(c.terms);
    if (c.min !== undefined && c.max !== undefined && c.min === c.max) lines.push(` ${c.name}: ${body} = ${fmt(c.min)}`);
    else {
      if (c.max !== undefined) lines.push(` ${c.name}_hi: ${body} <= ${fmt(c.max)}`);
      if (c.min !== undefined) lines.push(` ${c.name}_lo: ${body} >= ${fmt(c.min)}`);
    }
  }
  lines.push('Bounds');
  for (const v of problem.continuous) lines.push(` ${v} >= ${fmt(problem.lowerBounds?.[v] ?? 0)}`);
  for (const v of problem.integers) lines.push(` ${v} >= ${fmt(problem.lowerBounds?.[v] ?? 0)}`);
  lines.push(' dummy_zero = 0');
  if (problem.integers.length > 0) lines.push('General', ...chunk(problem.integers));
  if (problem.binaries.length > 0) lines.push('Binary', ...chunk(problem.binaries));
  lines.push('End');
  return lines.join('\n');
}

function chunk(names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < names.length; i += 20) out.push(' ' + names.slice(i, i + 20).join(' '));
  return out;
}

/** HiGHS's options for a solve; the relative MIP gap is 0 so the optimum is proven, not approximate. */
export function highsOptions(options: MilpSolveOptions): Record<string, unknown> {
  return { time_limit: options.timeLimitS ?? 30, mip_rel_gap: 0, mip_abs_gap: 0, output_flag: false };
}

/**
 * HiGHS's answer reduced to what a solution reads: the columns' names (joined by line breaks, which LP names never
 * hold) and primal values, in HiGHS's column order. A worker thread posts this: one string and one buffer are cloned at
 * once, where HiGHS's own object per column took the receiving thread ~80 ms per ResNet-50 joint MILP to clone and read.
 */
export interface HighsPrimal {
  Status: string;
  ObjectiveValue: number;
  names: string;
  primal: Float64Array;
}

export function primalOf(result: HighsAnswer): HighsPrimal {
  const columns = Object.entries(result.Columns);
  const primal = new Float64Array(columns.length);
  columns.forEach(([, col], k) => (primal[k] = col.Primal ?? 0));
  return { Status: result.Status, ObjectiveValue: result.ObjectiveValue, names: columns.map(([name]) => name).join('\n'), primal };
}

/** A solution from HiGHS's answer (primalOf). */
export function highsSolution(result: HighsPrimal, wallMs: number): MilpSolution {
  const values: Record<string, number> = {};
  const names = result.names === '' ? [] : result.names.split('\n');
  names.forEach((name, k) => (values[name] = result.primal[k] as number));
  const status: MilpSolution['status'] =
    result.Status === 'Optimal' ? 'optimal' : result.Status === 'Infeasible' ? 'infeasible' : result.Status.startsWith('Time limit') ? 'timeout' : 'error';
  return { status, objective: result.ObjectiveValue, values, claimedIntegral: status === 'optimal', detail: result.Status, wallMs };
}

/** HiGHS (WASM) branch-and-cut in this thread (highs-thread.ts: in a worker thread, the same answers). */
export const highsBackend: MilpBackend = {
  name: 'highs',
  async solve(problem: MilpProblem, options: MilpSolveOptions = {}): Promise<MilpSolution> {
    const highs = await loadHighs();
    const start = performance.now();
    const result = highs.solve(toLpFormat(problem), highsOptions(options));
    return highsSolution(primalOf(result), performance.now() - start);
  },
};
