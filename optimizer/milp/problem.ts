/**
 * A small solver-neutral MILP description (minimisation), so the replication and joint problems are written
 * once and handed to either backend (`--milp jslp|highs`).
 */
export interface MilpConstraint {
  name: string;
  terms: Array<[variable: string, coefficient: number]>;
  /** Lower and/or upper bound of the row (equal bounds: an equality). */
  min?: number;
  max?: number;
}

export interface MilpProblem {
  objective: Array<[variable: string, coefficient: number]>;
  constraints: MilpConstraint[];
  binaries: string[];
  integers: string[];
  /** Continuous variables (>= 0 unless bounded here). */
  continuous: string[];
  lowerBounds?: Record<string, number>;
}

export type MilpBackendName = 'jslp' | 'highs';
export const MILP_BACKENDS: readonly MilpBackendName[] = ['jslp', 'highs'];

export interface MilpSolution {
  status: 'optimal' | 'infeasible' | 'timeout' | 'error';
  objective: number;
  values: Record<string, number>;
  /** True when the backend itself claims every integer variable is integral. */
  claimedIntegral: boolean;
  detail: string;
  wallMs: number;
}

export interface MilpSolveOptions {
  /** Seconds before the backend gives up. @default 30 */
  timeLimitS?: number;
}

export interface MilpBackend {
  readonly name: MilpBackendName;
  solve(problem: MilpProblem, options?: MilpSolveOptions): Promise<MilpSolution>;
}

/** Largest distance of an integer/binary variable from an integer (0 = integral). */
export function integralityGap(problem: MilpProblem, values: Readonly<Record<string, number>>): { gap: number; variable: string } {
  let gap = 0;
  let variable = '';
  for (const v of [...problem.binaries, ...problem.integers]) {
    const x = values[v] ?? 0;
    const d = Math.abs(x - Math.round(x));
    if (d > gap) {
      gap = d;
      variable = v;
    }
  }
  return { gap, variable };
}

/** Largest violation of any row by `values`, with the row's name. */
export function worstViolation(problem: MilpProblem, values: Readonly<Record<string, number>>): { violation: number; row: string } {
  let violation = 0;
  let row = '';
  for (const c of problem.constraints) {
    let s = 0;
    for (const [v, k] of c.terms) s += k * (values[v] ?? 0);
    const scale = 1 + Math.abs(c.max ?? c.min ?? 0);
    const over = c.max !== undefined ? (s - c.max) / scale : 0;
    const under = c.min !== undefined ? (c.min - s) / scale : 0;
    const worst = Math.max(over, under);
    if (worst > violation) {
      violation = worst;
      row = c.name;
    }
  }
  return { violation, row };
}
