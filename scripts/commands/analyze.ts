import { formatShape } from '../../workloads/shapes';
import { prepareModel, evaluateModel, type ModelResult } from '../../optimizer/model';
import { inputFiles, loadInputs, type NetworkArchArgs } from './inputs';
import { assertFinite, emit, toCsv, toJson, type OutputFormat } from './output';
import { renderTable, formatNumber } from '../format/table';
import type { LoadedInputs } from './inputs';
import { analyzeDataflow, dataflowCosts } from '../../arch/dataflow';
import { AREA_PARTS, ENERGY_PARTS, chipPhysicalFigures, layerPhysicalFigures, type ChipPhysical, type LayerPhysical } from '../../arch/figures';

/** Per-layer and chip physical figures of a plan at a throughput (analyze: the model's; simulate: the simulator's). */
export function physicalFigures(
  inputs: LoadedInputs,
  result: ModelResult,
  imagesPerS: number,
  energyPerImagePj: number,
  mvmsPerImage?: readonly number[],
): { layers: LayerPhysical[]; chip: ChipPhysical } {
  const layers = layerPhysicalFigures(inputs.arch, inputs.net, analyzeDataflow(inputs.net, dataflowCosts(inputs.arch)), result.mappings, result.placement, imagesPerS, mvmsPerImage);
  const chip = chipPhysicalFigures(inputs.arch, layers, result.mappings, inputs.choices.replicas, result.tilesUsed, imagesPerS, energyPerImagePj);
  return { layers, chip };
}

/** CSV columns of the per-layer physical figures. */
export const PHYSICAL_COLUMNS = [
  ...AREA_PARTS.map((k) => `area_${k}_mm2`),
  'area_mm2',
  ...ENERGY_PARTS.map((k) => `energy_${k}_pj`),
  'energy_pj',
  'power_mw',
];

export function physicalCells(p: LayerPhysical | undefined): number[] {
  if (p === undefined) return PHYSICAL_COLUMNS.map(() => 0);
  return [...AREA_PARTS.map((k) => p.areaMm2[k]), p.areaMm2.total, ...ENERGY_PARTS.map((k) => p.energyPj[k]), p.energyPj.total, p.powerMw.total];
}

/** Seconds as the largest whole unit that reads well (s, min, h, days, years). */
function formatDuration(seconds: number): string {
  const units: Array<[string, number]> = [['years', 365 * 86400], ['days', 86400], ['h', 3600], ['min', 60]];
  for (const [name, size] of units) if (seconds >= size) return `${formatNumber(seconds / size)} ${name}`;
  return `${formatNumber(seconds)} s`;
}

/** What rewriting crossbars per input costs (rule 8): cells and energy per image, and the inputs the cells survive. */
function rewriteLine(r: NonNullable<ChipPhysical['rewrite']>, source: string): string {
  return (
    `rewrites      ${formatNumber(r.cellsPerImage)} crossbar cells programmed per image for the attention products, ` +
    `${formatNumber(r.energyPj / 1e6)} uJ (${(r.shareOfLayerEnergy * 100).toFixed(1)}% of the layers' energy); every cell once per input, ` +
    `so at ${formatNumber(r.enduranceWrites)} writes of endurance the chip lasts ${formatNumber(r.lifetimeInputs)} inputs, ` +
    `${formatDuration(r.lifetimeS)} at this throughput (${source})`
  );
}

/** A per-layer table of area, energy and power by component, then the chip's peak and achieved efficiency. */
export function renderPhysical(figures: { layers: LayerPhysical[]; chip: ChipPhysical }, source: string): string {
  const f = (v: number): string => formatNumber(v);
  const rows = figures.layers.map((l) => [
    l.name,
    f(l.areaMm2.total),
    f(l.areaMm2.crossbar + l.areaMm2.dac + l.areaMm2.sampleHold),
    f(l.areaMm2.adc),
    f(l.areaMm2.shiftAdd + l.areaMm2.corePeripherals),
    f(l.areaMm2.tileShare),
    f(l.energyPj.total / 1e6),
    f(l.energyPj.crossbar / 1e6),
    f(l.energyPj.adc / 1e6),
    f((l.energyPj.dac + l.energyPj.sampleHold + l.energyPj.shiftAdd) / 1e6),
    f(l.energyPj.digital / 1e6),
    f(l.energyPj.attention / 1e6),
    f(l.powerMw.total),
  ]);
  const c = figures.chip;
  return [
    renderTable(
      ['layer', 'area mm2', 'xbar+dac+s&h', 'adc', 's+a+core', 'tile share', 'energy uJ', 'xbar', 'adc', 'dac+s&h+s+a', 'digital', 'attn', `power mW (${source})`],
      rows,
    ),
    `chip          ${formatNumber(c.areaMm2, 4)} mm2 (${f(c.unassignedAreaMm2)} mm2 in empty cores and the off-chip interface); ` +
      `data movement (eDRAM, NoC, off-chip) ${f(c.dataMovementEnergyPj / 1e6)} uJ per image, not split by layer`,
    `peak          ${f(c.peak16Bit.gopsPerMm2)} GOPS/s/mm2, ${f(c.peak16Bit.gopsPerW)} GOPS/s/W at 16-bit weights and inputs; ` +
      `${f(c.peakAtPlan.gopsPerMm2)} GOPS/s/mm2, ${f(c.peakAtPlan.gopsPerW)} GOPS/s/W at this plan's precisions ` +
      `(crossbar-weighted mean ${c.peakAtPlan.wbits.toFixed(1)}/${c.peakAtPlan.abits.toFixed(1)} bits)`,
    `achieved      ${f(c.achieved.gopsPerMm2)} GOPS/s/mm2, ${f(c.achieved.gopsPerW)} GOPS/s/W at peak power (the peak's bases) on this network (${source}); ` +
      `dynamic energy ${f(c.achieved.dynamicPjPerOp)} pJ per op`,
    ...(c.rewrite ? [rewriteLine(c.rewrite, source)] : []),
  ].join('\n');
}
import { checkOutputPaths } from '../../io';
import { productLayerIndices } from '../../arch/attention';

export interface AnalyzeArgs extends NetworkArchArgs {
  format: OutputFormat;
  out?: string | undefined;
}

interface LayerRow {
  layer: string;
  kind: string;
  inShape: string;
  outShape: string;
  wbits: number | null;
  abits: number | null;
  crossbarsPerReplica: number;
  replicas: number;
  crossbars: number;
  stageCycles: number;
  boundBy: string;
  shareOfBottleneck: number;
}

function layerRows(inputs: LoadedInputs, result: ModelResult): LayerRow[] {
  // A product of two activations shows its operand bits (its own, or its output projection's) as abits.
  const products = productLayerIndices(inputs.net);
  const n = inputs.net.weightedIndices.length;
  return result.layers
    .filter((stage) => stage.stageCycles > 0)
    .map((stage) => {
      const resolved = inputs.net.layers[stage.index];
      const pos = inputs.net.weightedIndices.indexOf(stage.index);
      const product = products.indexOf(stage.index);
      const mapping = pos >= 0 ? result.mappings[pos] : undefined;
      const replicas = pos >= 0 ? (inputs.choices.replicas[pos] ?? 1) : 0;
      return {
        layer: stage.name,
        kind: stage.kind,
        inShape: resolved?.inShapes[0] ? formatShape(resolved.inShapes[0]) : '',
        outShape: resolved ? formatShape(resolved.outShape) : '',
        wbits: pos >= 0 ? (inputs.choices.wbits[pos] ?? null) : null,
        abits: pos >= 0 ? (inputs.choices.abits[pos] ?? null) : product >= 0 ? (result.placement.operandBits[n + product] ?? null) : null,
        crossbarsPerReplica: mapping?.crossbarsPerReplica ?? 0,
        replicas,
        crossbars: (mapping?.crossbarsPerReplica ?? 0) * replicas,
        stageCycles: Math.ceil(stage.stageCycles),
        boundBy: stage.boundBy,
        shareOfBottleneck: stage.stageCycles / result.bottleneckCycles,
      };
    });
}

function totals(inputs: LoadedInputs, result: ModelResult): Record<string, number | string> {
  return {
    network: inputs.net.network.name,
    arch: inputs.arch.name,
    // The network's own parameter total (weights, biases, constants), to check a file against its published figure.
    params: inputs.net.totalParams,
    bottleneckLayer: result.bottleneckLayer,
    bottleneckCycles: Math.ceil(result.bottleneckCycles),
    throughputImagesPerS: result.throughputImagesPerS,
    latencyCycles: result.latencyCycles,
    latencyMs: result.latencyS * 1e3,
    areaMm2: result.areaMm2,
    tilesUsed: result.tilesUsed,
    coresUsed: result.coresUsed,
    crossbarsUsed: result.crossbarsUsed,
    energyPerImageUj: result.energyPerImagePj / 1e6,
  };
}

/** Renders an analysis in the chosen format. */
export function renderAnalysis(inputs: LoadedInputs, result: ModelResult, format: OutputFormat): string {
  const rows = layerRows(inputs, result);
  const total = totals(inputs, result);
  const physical = physicalFigures(inputs, result, result.throughputImagesPerS, result.energyPerImagePj);
  assertFinite({ total, rows, physical, energyBreakdownPj: result.energyBreakdownPj }, `analysis of '${inputs.net.network.name}' on '${inputs.arch.name}'`);
  if (format === 'json') {
    // Every term of each layer's stage time (rule 7), per image: the latency by component the CSV's columns sample.
    const stages = new Map(result.layers.map((s) => [s.name, s]));
    const layers = rows.map((r) => {
      const s = stages.get(r.layer);
      if (s === undefined) return r;
      const { computeCycles, shiftAddCycles, nocInCycles, nocOutCycles, meshLinkCycles, edramCycles, digitalCycles, attentionCycles, offChipCycles, lineBufferCycles, portQueueCycles, creditLoopCycles } = s;
      return { ...r, stageTermsCycles: { computeCycles, shiftAddCycles, nocInCycles, nocOutCycles, meshLinkCycles, edramCycles, digitalCycles, attentionCycles, offChipCycles, lineBufferCycles, portQueueCycles, creditLoopCycles } };
    });
    return toJson({ totals: total, energyBreakdownPj: result.energyBreakdownPj, layers, physical, plan: inputs.plan });
  }
  const header = ['layer', 'kind', 'in', 'out', 'wbits', 'abits', 'xbars/replica', 'replicas', 'xbars', 'stage_cycles', 'bound_by', 'share'];
  const cells = rows.map((r) => [
    r.layer, r.kind, r.inShape, r.outShape, r.wbits ?? '', r.abits ?? '', r.crossbarsPerReplica, r.replicas, r.crossbars,
    r.stageCycles, r.boundBy, r.shareOfBottleneck,
  ]);
  if (format === 'csv') {
    const byName = new Map(physical.layers.map((p) => [p.name, p]));
    const stages = new Map(result.layers.map((s) => [s.name, s]));
    const latencyColumns = ['compute_cycles', 'shift_add_cycles', 'edram_cycles', 'noc_in_cycles', 'noc_out_cycles', 'digital_cycles'];
    return toCsv(
      [...header, ...latencyColumns, ...PHYSICAL_COLUMNS],
      cells.map((row, i) => {
        const name = rows[i]?.layer ?? '';
        const s = stages.get(name);
        const latency = s ? [s.computeCycles, s.shiftAddCycles, s.edramCycles, s.nocInCycles, s.nocOutCycles, s.digitalCycles] : latencyColumns.map(() => 0);
        return [...row, ...latency, ...physicalCells(byName.get(name))];
      }),
    );
  }
  const e = result.energyBreakdownPj;
  const energyParts = (['crossbar', 'adc', 'dac', 'sampleHold', 'shiftAdd', 'edram', 'noc', 'digital', 'offChip'] as const)
    .map((k) => `${k} ${formatNumber(e[k] / 1e6)}`)
    .join(', ');
  const tableCells = cells.map((row) => row.map((c, i) => (i === 11 && typeof c === 'number' ? `${(c * 100).toFixed(1)}%` : c)));
  return [
    `${inputs.net.network.name} on ${inputs.arch.name}: ${inputs.net.weightedIndices.length} weighted layers, ${inputs.net.totalParams} parameters`,
    '',
    renderTable(header, tableCells),
    '',
    `bottleneck    ${total['bottleneckLayer']} (${total['bottleneckCycles']} cycles per image)`,
    `throughput    ${formatNumber(result.throughputImagesPerS)} images/s`,
    `latency       ${formatNumber(result.latencyS * 1e3)} ms (${result.latencyCycles} cycles)`,
    `area          ${formatNumber(result.areaMm2, 4)} mm2 (${result.tilesUsed} tiles, ${result.coresUsed} cores, ${result.crossbarsUsed} crossbars)`,
    `energy        ${formatNumber(result.energyPerImagePj / 1e6)} uJ per image (${energyParts} uJ)`,
    '',
    renderPhysical(physical, 'model throughput'),
  ].join('\n');
}

export async function analyzeCommand(args: AnalyzeArgs): Promise<void> {
  checkOutputPaths([{ option: '--out', file: args.out }], inputFiles(args));
  const inputs = loadInputs(args);
  const result = evaluateModel(prepareModel(inputs.arch, inputs.net), inputs.choices);
  await emit(renderAnalysis(inputs, result, args.format), args.out);
}
