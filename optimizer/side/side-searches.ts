import type { ArchSpec } from '../../arch/types';
import type { PlanChoices } from '../../arch/plan';
import type { ResolvedNetwork } from '../../workloads/types';
import type { AccuracyOracle } from '../accuracy/types';
import { jointFloorRounds, jointOrNote, type JointPick } from '../joint/floor-rounds';
import { prepareJoint, type JointPrepared, type JointSettings } from '../joint/joint-milp';
import type { ModelContext } from '../model/types';
import { milpBackend, type MilpBackend } from '../milp';
import type { EvaluatorSettings } from '../search/evaluator';
import { randomSearch, randomSearchEvaluator } from '../search/random-search';
import type { SearchResult, SearchSettings } from '../search/rl-search';

/**
 * The parts of optimize that do not depend on the RL search until its end: the exact "mixed precision only"
 * MILP, the random search with the RL's budget, and the exact joint MILP's floor rounds (which read only the RL's
 * final plan). Plain data, so a worker thread can run them next to the RL search (side-runner.ts).
 */
export interface SideJob {
  /** The budget chip every variant is judged on. */
  arch: ArchSpec;
  net: ResolvedNetwork;
  settings: Omit<SearchSettings, 'onEpisode'>;
  evaluatorSettings: EvaluatorSettings;
  jointSettings: JointSettings;
  refLatencyCycles: number;
}

/** What the side work gives before the RL plan is known. */
export interface SideFirst {
  /** The exact r = 1 optimum's precisions (undefined: the solver did not finish; a note says so). */
  mixed?: { wbits: number[]; abits: number[] };
  random: SearchResult;
  notes: string[];
}

/** The exact joint row (undefined: no round finished) and the notes of rounds left out. */
export interface SideJoint {
  pick?: JointPick;
  notes: string[];
}

/** Runs the side work in this thread, on a context and a separable oracle. */
export class SideSearches {
  private prepared: JointPrepared | undefined;

  constructor(
    private readonly ctx: ModelContext,
    private readonly oracle: AccuracyOracle,
    private readonly job: SideJob,
    private readonly backend: MilpBackend = milpBackend('highs'),
  ) {}

  /** The joint MILPs' uniform floors and per-layer tables, built once for their several solves. */
  private jointPrepared(): JointPrepared {
    this.prepared ??= prepareJoint(this.ctx, this.job.jointSettings.fixedLayers);
    return this.prepared;
  }

  async first(): Promise<SideFirst> {
    const { ctx, oracle, job } = this;
    const notes: string[] = [];
    // The MILP is solved while the random search runs (with HiGHS in its own process, on another core).
    const mixed = jointOrNote(ctx, oracle, 'mixed precision only', { ...job.jointSettings, unitReplication: true }, this.jointPrepared(), notes, this.backend);
    mixed.catch(() => undefined);
    const random = await randomSearch(job.net, randomSearchEvaluator(ctx, oracle, job.evaluatorSettings), job.settings);
    const p = await mixed;
    return { ...(p !== undefined ? { mixed: { wbits: p.wbits, abits: p.abits } } : {}), random, notes };
  }

  async joint(rlChoices: PlanChoices | undefined): Promise<SideJoint> {
    const notes: string[] = [];
    const pick = await jointFloorRounds(this.ctx, this.oracle, this.job.jointSettings, this.jointPrepared(), this.job.refLatencyCycles, rlChoices, notes, this.backend);
    return { ...(pick !== undefined ? { pick } : {}), notes };
  }
}
