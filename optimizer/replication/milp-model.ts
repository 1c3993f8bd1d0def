import { ExternalToolError } from '../../errors';
import type { MilpBackend, MilpProblem, MilpSolution } from '../milp/problem';
import { integralityGap } from '../milp/problem';
import type { Candidate } from './candidates';
import { summarize, type ReplicationSolution } from './exact';
import { objectiveCoefficients, type ObjectiveSpec } from './objective';
import type { ReplicationTables } from './tables';

/**
 * Replication MILP: binary x_l_j picks candidate j of layer l (exactly one per layer); z >= every picked stage
 * time and >= the global floor; integer n_l = cores of layer l; sum n_l <= budget. Stage times enter in units
 * of the reference bottleneck so coefficients stay near 1. Objective: a * z + b * sum_l w_l T_l (objective.ts).
 */
export function replicationMilp(tables: ReplicationTables, cands: Candidate[][], budgetCores: number, spec: ObjectiveSpec): MilpProblem {
  const unit = Math.max(1, spec.refBottleneckCycles);
  const { a, b } = objectiveCoefficients(spec);
  const problem: MilpProblem = {
    objective: [['z', a * unit]],
    constraints: [],
    binaries: [],
    integers: [],
    continuous: ['z'],
    lowerBounds: { z: tables.globalFloorCycles / unit },
  };
  const budget: Array<[string, number]> = [];
  cands.forEach((list, l) => {
    const pick: Array<[string, number]> = [];
    const time: Array<[string, number]> = [['z', -1]];
    const cores: Array<[string, number]> = [[`n${l}`, 1]];
    const w = tables.layers[l]?.latencyWeight ?? 0;
    list.forEach((c, j) => {
      const x = `x${l}_${j}`;
      problem.binaries.push(x);
      pick.push([x, 1]);
      time.push([x, c.stageCycles / unit]);
      cores.push([x, -c.cores]);
      if (b !== 0) problem.objective.push([x, b * w * c.stageCycles]);
    });
    problem.integers.push(`n${l}`);
    budget.push([`n${l}`, 1]);
    problem.constraints.push({ name: `one${l}`, terms: pick, min: 1, max: 1 });
    problem.constraints.push({ name: `time${l}`, terms: time, max: 0 });
    problem.constraints.push({ name: `cores${l}`, terms: cores, min: 0, max: 0 });
  });
  problem.constraints.push({ name: 'budget', terms: budget, max: budgetCores });
  return problem;
}

/**
 * Decodes and checks a solver answer: solved to optimality, integral, one candidate per layer, within the core
 * budget, and (when `exact` is given, for the throughput objective) the same bottleneck as the exact algorithm.
 * Anything else is an ExternalToolError naming what was wrong.
 */
export function checkReplicationAnswer(
  backend: string,
  problem: MilpProblem,
  answer: MilpSolution,
  tables: ReplicationTables,
  cands: Candidate[][],
  budgetCores: number,
  exact?: ReplicationSolution,
): ReplicationSolution {
  if (answer.status !== 'optimal') {
    throw new ExternalToolError(`MILP backend '${backend}' did not solve the replication problem: ${answer.status} (${answer.detail}).`);
  }
  const { gap, variable } = integralityGap(problem, answer.values);
  if (gap > 1e-6) {
    throw new ExternalToolError(
      `MILP backend '${backend}' returned a non-integral answer: ${variable} = ${answer.values[variable] ?? 0} ` +
        `(solver says isIntegral=${String(answer.claimedIntegral)}); rejected.`,
    );
  }
  const picks = cands.map((list, l) => {
    const chosen = list.map((_, j) => j).filter((j) => Math.round(answer.values[`x${l}_${j}`] ?? 0) === 1);
    if (chosen.length !== 1) {
      throw new ExternalToolError(`MILP backend '${backend}' picked ${chosen.length} replica counts for layer ${l}; exactly 1 is allowed; rejected.`);
    }
    return chosen[0] ?? 0;
  });
  const solution = summarize(tables, cands, picks);
  if (solution.cores > budgetCores) {
    throw new ExternalToolError(`MILP backend '${backend}' answer uses ${solution.cores} cores, over the budget of ${budgetCores}; rejected.`);
  }
  if (exact !== undefined && Math.abs(solution.bottleneckCycles - exact.bottleneckCycles) > 1e-9 * exact.bottleneckCycles) {
    throw new ExternalToolError(
      `MILP backend '${backend}' bottleneck ${solution.bottleneckCycles} cycles differs from the exact algorithm's ` +
        `${exact.bottleneckCycles} cycles; rejected.`,
    );
  }
  return solution;
}

/** Solves the replication MILP with `backend` and checks the answer. */
export async function solveReplicationMilp(
  backend: MilpBackend,
  tables: ReplicationTables,
  cands: Candidate[][],
  budgetCores: number,
  spec: ObjectiveSpec,
  exact?: ReplicationSolution,
  timeLimitS = 30,
): Promise<{ solution: ReplicationSolution; wallMs: number }> {
  const problem = replicationMilp(tables, cands, budgetCores, spec);
  const answer = await backend.solve(problem, { timeLimitS });
  return { solution: checkReplicationAnswer(backend.name, problem, answer, tables, cands, budgetCores, exact), wallMs: answer.wallMs };
}

/**
 * The MILP as a cross-check of the exact algorithm's replication (the answer used): a wrong answer is an error, but a
 * solver that runs out of time costs only the check (jslp took over 10 CPU s without finishing ResNet-50 with 6-bit
 * ADCs, 515 candidates, where HiGHS needs 1.6 s), and `unfinished` says so.
 */
export async function crossCheckReplication(
  backend: MilpBackend,
  tables: ReplicationTables,
  cands: Candidate[][],
  budgetCores: number,
  spec: ObjectiveSpec,
  exact: ReplicationSolution,
  timeLimitS = 30,
): Promise<{ solution?: ReplicationSolution; wallMs: number; unfinished?: string }> {
  const problem = replicationMilp(tables, cands, budgetCores, spec);
  const answer = await backend.solve(problem, { timeLimitS });
  if (answer.status === 'timeout') {
    return {
      wallMs: answer.wallMs,
      unfinished: `replication MILP cross-check left out: '${backend.name}' did not finish in its ${timeLimitS} s; the exact algorithm's replication stands (--milp highs solves larger problems faster).`,
    };
  }
  return { solution: checkReplicationAnswer(backend.name, problem, answer, tables, cands, budgetCores, exact), wallMs: answer.wallMs };
}
