import { bitsAt, type PlanChoices } from '../../arch/plan';
import { ExternalToolError, MappingError } from '../../errors';
import type { AccuracyOracle } from '../accuracy/types';
import { milpBackend, type MilpBackend } from '../milp';
import { evaluateModel } from '../model/evaluate';
import type { ModelContext, ModelResult } from '../model/types';
import { fullModelCost, replicateForPrecisions } from '../replication/replicate';
import { buildTables } from '../replication/tables';
import { solveJoint, type JointPrepared, type JointResult, type JointSettings } from './joint-milp';

/** Rounds of the exact joint MILP, each with floors learned from the full model at earlier answers. */
export const JOINT_FLOOR_ROUNDS = 3;

/**
 * The joint MILP on HiGHS; a solve the solver cannot finish (its time limit on a loaded machine) costs its row,
 * not the run: the note says which and why.
 */
export async function jointOrNote(
  ctx: ModelContext,
  oracle: AccuracyOracle,
  variant: string,
  settings: JointSettings,
  prepared: JointPrepared | undefined,
  notes: string[],
  backend: MilpBackend = milpBackend('highs'),
): Promise<JointResult | undefined> {
  try {
    return await solveJoint(ctx, oracle, backend, settings, prepared);
  } catch (error) {
    if (!(error instanceof ExternalToolError)) throw error;
    notes.push(`${variant}: left out, ${error.message}`);
    return undefined;
  }
}

/** The exact joint row's plan: the best of the floor rounds by the full model. */
export interface JointPick {
  choices: PlanChoices;
  dropPct: number;
  binaries: number;
  rounds: number;
}

/**
 * The MILP is exact on its tables; their bandwidth floors come from uniform-precision placements. Each round
 * raises the floors to what the full model measured at the previous answers (and at the RL answer `rlChoices`),
 * re-solves, and the best plan by the full model is kept.
 */
export async function jointFloorRounds(
  ctx: ModelContext,
  oracle: AccuracyOracle,
  settings: JointSettings,
  prepared: JointPrepared | undefined,
  refLatencyCycles: number,
  rlChoices: PlanChoices | undefined,
  notes: string[],
  backend: MilpBackend = milpBackend('highs'),
): Promise<JointPick | undefined> {
  const { spec, budgetCores } = settings;
  const floorAtLeast: Array<Record<number, number>> = ctx.net.weightedIndices.map(() => ({}));
  const learnFloors = (choices: PlanChoices, model: ModelResult): void => {
    buildTables(ctx, choices.wbits, choices.abits, model).layers.forEach((t, i) => {
      const a = bitsAt(choices.abits, i);
      const known = floorAtLeast[i] as Record<number, number>;
      known[a] = Math.max(known[a] ?? 0, t.floorCycles);
    });
  };
  if (rlChoices !== undefined) learnFloors(rlChoices, evaluateModel(ctx, rlChoices));
  let pick: { choices: PlanChoices; cost: number; dropPct: number; binaries: number } | undefined;
  let solvedFloors = '';
  let rounds = 0;
  for (let round = 0; round < JOINT_FLOOR_ROUNDS; round++) {
    // Floors unchanged since the last solve: the same MILP, the same answer.
    const floorsKey = JSON.stringify(floorAtLeast);
    if (floorsKey === solvedFloors) break;
    solvedFloors = floorsKey;
    rounds++;
    const j = await jointOrNote(ctx, oracle, `LRMP (exact joint), floor round ${round + 1}`, { ...settings, floorAtLeast }, prepared, notes, backend);
    if (j === undefined) break;
    const jointChoices = { wbits: j.wbits, abits: j.abits, replicas: j.replicas };
    const polished = replicateForPrecisions(ctx, j, budgetCores, spec, { refLatencyCycles });
    let best: { choices: PlanChoices; model: ModelResult; cost: number } = polished;
    try {
      const own = evaluateModel(ctx, jointChoices);
      const ownCost = fullModelCost(spec, own.bottleneckCycles, own.latencyCycles, refLatencyCycles);
      if (ownCost < polished.cost) best = { choices: jointChoices, model: own, cost: ownCost };
      learnFloors(jointChoices, own);
    } catch (error) {
      // The MILP's replication may not fit the budget chip once line buffers are placed; the polished one does.
      if (!(error instanceof MappingError)) throw error;
    }
    if (pick === undefined || best.cost < pick.cost) pick = { choices: best.choices, cost: best.cost, dropPct: j.dropPct, binaries: j.binaries };
    learnFloors(best.choices, best.model);
  }
  return pick === undefined ? undefined : { choices: pick.choices, dropPct: pick.dropPct, binaries: pick.binaries, rounds };
}
