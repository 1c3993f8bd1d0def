/** One network of `lrmp reproduce`: its architecture at the baseline's size and its study (optimizer flow, simulated confirmation, relaxation bound). */
import { baselineChoices } from '../../arch/plan';
import { MAX_CHIP_TILES } from '../../arch/validate';
import { MappingError } from '../../errors';
import { applySetOverride } from '../../arch/overrides';
import type { ArchSpec } from '../../arch/types';
import type { ResolvedNetwork } from '../../workloads/types';
import { prepareModel, evaluateModel } from '../../optimizer/model';
import { buildTables } from '../../optimizer/replication';
import { proxyOracle } from '../../optimizer/accuracy/proxy';
import { optimize, type OptimizeResult } from '../../optimizer/lrmp';
import { type ObjectiveKind } from '../../optimizer/replication/objective';
import { describeModelSimGaps, describeReplicationCheck, describeSearchGap } from '../commands/optimize';
import { relaxedBottleneckCycles } from '../../optimizer/replication/relaxation';
import { type NetworkNote, type ReproduceRow } from './report';

/**
 * The architecture for a network: the given one, or, when the uniform 8-bit baseline does not fit, the same chip
 * with just enough tiles (the protocol's baseline is "on the chip area it needs").
 */
export function archForBaseline(arch: ArchSpec, net: ResolvedNetwork): { arch: ArchSpec; note?: string } {
  const n = net.weightedIndices.length;
  const base = baselineChoices(n);
  try {
    evaluateModel(prepareModel(arch, net), base);
    return { arch };
  } catch (error) {
    if (!(error instanceof MappingError)) throw error;
  }
  const roomy = applySetOverride(arch, `chip.tiles=${Math.min(MAX_CHIP_TILES, Math.max(arch.chip.tiles * 16, 4096))}`, 'reproduce');
  const needed = evaluateModel(prepareModel(roomy, net), base).tilesUsed;
  const sized = applySetOverride(arch, `chip.tiles=${needed}`, 'reproduce');
  return { arch: sized, note: `the 8-bit baseline needs ${needed} tiles; ${arch.name} has ${arch.chip.tiles}, so the chip was enlarged to ${needed} tiles (iso-area still holds: every variant gets the baseline's tiles)` };
}

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

function rowsOf(result: OptimizeResult, arch: ArchSpec, net: ResolvedNetwork): ReproduceRow[] {
  const ctx = prepareModel(arch, net);
  return result.rows.map((r) => {
    const conf = result.confirmation.find((c) => c.variant === r.variant);
    let relaxed: number | undefined;
    if (r.variant !== 'baseline' && r.variant !== 'mixed precision only') {
      const model = evaluateModel(ctx, r.choices);
      relaxed = relaxedBottleneckCycles(buildTables(ctx, r.choices.wbits, r.choices.abits, model), result.budget.cores);
    }
    const row: ReproduceRow = {
      network: result.network,
      arch: result.arch,
      chipTiles: arch.chip.tiles,
      variant: r.variant,
      method: r.method,
      meanWbits: mean(r.choices.wbits),
      meanAbits: mean(r.choices.abits),
      totalReplicas: r.choices.replicas.reduce((a, b) => a + b, 0),
      bottleneckCycles: r.bottleneckCycles,
      throughputImagesPerS: r.throughputImagesPerS,
      throughputGain: r.throughputGain,
      latencyMs: r.latencyS * 1e3,
      latencyGain: r.latencyGain,
      accuracyDropPct: r.dropPct,
      areaMm2: r.areaMm2,
      tilesUsed: r.tilesUsed,
      ...(relaxed !== undefined ? { relaxedBottleneckCycles: relaxed } : {}),
    };
    if (r.simulated !== undefined) {
      row.simThroughputImagesPerS = r.simulated.throughputImagesPerS;
      row.simThroughputGain = r.simulated.throughputGain;
      row.simLatencyGain = r.simulated.latencyGain;
    } else {
      const base = result.confirmation.find((c) => c.variant === 'baseline');
      row.simNote = conf?.simulated.error ?? (base?.simulated.error !== undefined ? `the baseline's simulation failed: ${base.simulated.error}` : 'not simulated');
      row.simNote = row.simNote.split('\n')[0] ?? row.simNote;
    }
    return row;
  });
}


/** The settings of one network's study (everything but the network and the architecture). */
export interface NetworkStudySettings {
  objective: ObjectiveKind;
  accuracyBudgetPct: number;
  episodes: number;
  seed: number;
  /** Simulator worker threads for the confirmations (0 = in-process). */
  workers: number;
  /** Images per confirming simulation; undefined: simulate's settle rule (sim/settle.ts), as optimize. */
  images: number | undefined;
}

/** One network's rows, notes and chosen variant, with the optimizer's result and the (possibly enlarged) chip. */
export interface NetworkStudy {
  rows: ReproduceRow[];
  notes: NetworkNote[];
  chosen: string;
  result: OptimizeResult;
  arch: ArchSpec;
}

/** The protocol on one network: baseline chip sizing, the optimizer's flow, the relaxation bound, the notes. */
export async function reproduceNetwork(baseArch: ArchSpec, net: ResolvedNetwork, s: NetworkStudySettings): Promise<NetworkStudy> {
  const name = net.network.name;
  const notes: NetworkNote[] = [];
  const sized = archForBaseline(baseArch, net);
  if (sized.note !== undefined) notes.push({ network: name, note: sized.note });
  const result = await optimize(sized.arch, net, proxyOracle(net), {
    objective: s.objective,
    accuracyBudgetPct: s.accuracyBudgetPct,
    episodes: s.episodes,
    seed: s.seed,
    milp: 'jslp',
    topK: 3,
    workers: s.workers,
    ...(s.images !== undefined ? { confirmImages: s.images } : {}),
  });
  if (result.searchGap !== undefined) {
    notes.push({ network: name, note: `${describeSearchGap(result.searchGap, result.objective)} Replication MILP ${describeReplicationCheck(result.replicationCheck.agreesWithExact)} the exact algorithm` });
  }
  const gaps = describeModelSimGaps(result.rows);
  if (gaps !== undefined) notes.push({ network: name, note: gaps });
  return { rows: rowsOf(result, sized.arch, net), notes, chosen: result.chosen, result, arch: sized.arch };
}
