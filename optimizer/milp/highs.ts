import type { MilpBackend, MilpProblem, MilpSolution, MilpSolveOptions } from './problem';

type HighsModule = { solve(problem: string, options?: Record<string, unknown>): { Status: string; ObjectiveValue: number; Columns: Record<string, { Primal?: number }> } };

let loading: Promise<HighsModule> | undefined;

/** Loads the HiGHS WASM module once per process. */
function loadHighs(): Promise<HighsModule> {
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

function expr(terms: Array<[string, number]>): string {
  const parts: string[] = [];
  for (const [v, k] of terms) {
    if (k === 0) continue;
    parts.push(`${k < 0 ? '-' : '+'} ${fmt(Math.abs(k))} ${v}`);
  }
  return parts.length > 0 ? parts.join(' ') : '0 dummy_zero';
}

/** CPLEX LP text of a problem (lines kept short: the LP reader limits line length). */
export function toLpFormat(problem: MilpProblem): string {
  const wrap = (s: string): string => s.replace(/((?:\S+\s+){30})/g, '$1\n ');
  const lines: string[] = ['Minimize', ` obj: ${wrap(expr(problem.objective))}`, 'Subject To'];
  for (const c of problem.constraints) {
    const body = wrap(expr(c.terms));
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

/** HiGHS (WASM) branch-and-cut; the relative MIP gap is 0 so the optimum is proven, not approximate. */
export const highsBackend: MilpBackend = {
  name: 'highs',
  async solve(problem: MilpProblem, options: MilpSolveOptions = {}): Promise<MilpSolution> {
    const highs = await loadHighs();
    const start = performance.now();
    const result = highs.solve(toLpFormat(problem), {
      time_limit: options.timeLimitS ?? 30,
      mip_rel_gap: 0,
      mip_abs_gap: 0,
      output_flag: false,
    });
    const wallMs = performance.now() - start;
    const values: Record<string, number> = {};
    for (const [name, col] of Object.entries(result.Columns)) values[name] = col.Primal ?? 0;
    const status: MilpSolution['status'] =
      result.Status === 'Optimal' ? 'optimal' : result.Status === 'Infeasible' ? 'infeasible' : result.Status.startsWith('Time limit') ? 'timeout' : 'error';
    return { status, objective: result.ObjectiveValue, values, claimedIntegral: status === 'optimal', detail: result.Status, wallMs };
  },
};
