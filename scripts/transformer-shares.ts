/**
 * Where a transformer's time, area and energy go on a chip: attention (the products of two activations, softmax
 * and the scaling), projections (Q, K, V, output) and MLP, by the analytical model. The README table is made by
 * scripts/transformer-table.ts; one plan at a time:
 *   node dist/scripts/transformer-shares.js vit-b16 [--crossbar] [--plan plan.json]
 * time: the layers' stage cycles summed per group; area: the cores the group's layers own with their tile share
 * (arch/figures.ts, rewritten crossbars included), with the MAC arrays of the tiles hosting products counted as
 * attention; energy: the layers' MVM, digital and product energy (eDRAM, NoC and off-chip are not attributed).
 */
import { layerPhysicalFigures } from '../arch/figures';
import { applySetOverride } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { baselineChoices, resolvePlan, validatePlan, type PlanChoices } from '../arch/plan';
import type { ArchSpec } from '../arch/types';
import { readJsonFile } from '../io';
import { evaluateModel, prepareModel, type ModelResult } from '../optimizer/model';
import { resolveNetwork } from '../workloads/shapes';
import type { ResolvedNetwork } from '../workloads/types';
import { zooNetwork } from '../workloads/zoo';

type Group = 'attention' | 'projections' | 'mlp' | 'other';

function groupOf(name: string, kind: string): Group {
  if (kind === 'matmul' || kind === 'softmax' || /\.attn\.scale$/.test(name)) return 'attention';
  if (/\.attn\.(q|k|v|proj)$/.test(name)) return 'projections';
  if (/\.mlp\./.test(name)) return 'mlp';
  return 'other';
}

/** Percent of the whole in attention, projections and MLP (the rest, embeddings and norms, is not shown). */
export interface GroupShares {
  attention: number;
  projections: number;
  mlp: number;
}

export interface TransformerShares {
  model: ModelResult;
  time: GroupShares;
  area: GroupShares;
  energy: GroupShares;
}

function percentOf(rec: Record<Group, number>): GroupShares {
  const total = Math.max(1e-12, rec.attention + rec.projections + rec.mlp + rec.other);
  return { attention: (100 * rec.attention) / total, projections: (100 * rec.projections) / total, mlp: (100 * rec.mlp) / total };
}

/** The shares of plan `choices` of `net` on `arch` (its chip as given). */
export function transformerShares(arch: ArchSpec, net: ResolvedNetwork, choices: PlanChoices): TransformerShares {
  const ctx = prepareModel(arch, net);
  const result = evaluateModel(ctx, choices);
  const figures = layerPhysicalFigures(arch, net, ctx.flow, result.mappings, result.placement, result.throughputImagesPerS);
  const time: Record<Group, number> = { attention: 0, projections: 0, mlp: 0, other: 0 };
  const area: Record<Group, number> = { attention: 0, projections: 0, mlp: 0, other: 0 };
  const energy: Record<Group, number> = { attention: 0, projections: 0, mlp: 0, other: 0 };
  for (const s of result.layers) time[groupOf(s.name, s.kind)] += s.stageCycles;
  for (const f of figures) {
    const g = groupOf(f.name, f.kind);
    area[g] += f.areaMm2.total;
    energy[g] += f.energyPj.total;
  }
  const productTiles = new Set<number>();
  for (const l of ctx.layers) {
    if (!l.product) continue;
    for (const t of result.placement.layerTiles[l.index] ?? []) productTiles.add(t);
  }
  // The MAC arrays are in the tile shares of the weighted layers on those tiles (arch/figures.ts): move them here.
  if (arch.attention.unit === 'digital') {
    const macAreaMm2 = productTiles.size * arch.attention.macArray.perTile * arch.attention.macArray.areaMm2;
    area.attention += macAreaMm2;
    const others = area.projections + area.mlp + area.other;
    for (const g of ['projections', 'mlp', 'other'] as const) area[g] -= (macAreaMm2 * area[g]) / Math.max(1e-12, others);
  }
  return { model: result, time: percentOf(time), area: percentOf(area), energy: percentOf(energy) };
}

/** `a / p / m%`, the README's form. */
export function formatShares(s: GroupShares): string {
  return `${s.attention.toFixed(1)} / ${s.projections.toFixed(1)} / ${s.mlp.toFixed(1)}%`;
}

function main(): void {
  const [network = 'vit-b16', ...rest] = process.argv.slice(2);
  let arch = presetArch('xformer');
  if (rest.includes('--crossbar')) arch = applySetOverride(arch, 'attention.unit=crossbar');
  const net = resolveNetwork(zooNetwork(network));
  const planAt = rest.indexOf('--plan');
  let choices: PlanChoices = baselineChoices(net.weightedIndices.length);
  const planFile = planAt >= 0 ? rest[planAt + 1] : undefined;
  if (planFile !== undefined) {
    const plan = validatePlan(readJsonFile(planFile), planFile);
    choices = resolvePlan(plan, net, planFile);
    if (plan.chip !== undefined) arch = { ...arch, chip: { ...arch.chip, tiles: plan.chip.tiles } };
  }
  const { model, time, area, energy } = transformerShares(arch, net, choices);
  process.stdout.write(
    `${network} ${arch.attention.unit} ${planFile ?? 'baseline'}: ${model.throughputImagesPerS.toFixed(0)} img/s, latency ${(model.latencyS * 1e3).toFixed(2)} ms, ` +
      `${model.areaMm2.toFixed(1)} mm2, ${(model.energyPerImagePj / 1e6).toFixed(1)} uJ\n` +
      `time ${formatShares(time)}; area ${formatShares(area)}; energy ${formatShares(energy)} (attention / projections / MLP)\n`,
  );
}

if (require.main === module) main();
