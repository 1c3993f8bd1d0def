import { formatShape } from '../../workloads/shapes';
import { prepareModel, evaluateModel, type ModelResult } from '../../optimizer/model';
import { loadInputs, type NetworkArchArgs } from './inputs';
import { emit, toCsv, toJson, type OutputFormat } from './output';
import { renderTable, formatNumber } from '../format/table';
import type { LoadedInputs } from './inputs';

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
  return result.layers
    .filter((stage) => stage.stageCycles > 0)
    .map((stage) => {
      const resolved = inputs.net.layers[stage.index];
      const pos = inputs.net.weightedIndices.indexOf(stage.index);
      const mapping = pos >= 0 ? result.mappings[pos] : undefined;
      const replicas = pos >= 0 ? (inputs.choices.replicas[pos] ?? 1) : 0;
      return {
        layer: stage.name,
        kind: stage.kind,
        inShape: resolved?.inShapes[0] ? formatShape(resolved.inShapes[0]) : '',
        outShape: resolved ? formatShape(resolved.outShape) : '',
        wbits: pos >= 0 ? (inputs.choices.wbits[pos] ?? null) : null,
        abits: pos >= 0 ? (inputs.choices.abits[pos] ?? null) : null,
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
  if (format === 'json') {
    return toJson({ totals: total, energyBreakdownPj: result.energyBreakdownPj, layers: rows, plan: inputs.plan });
  }
  const header = ['layer', 'kind', 'in', 'out', 'wbits', 'abits', 'xbars/replica', 'replicas', 'xbars', 'stage_cycles', 'bound_by', 'share'];
  const cells = rows.map((r) => [
    r.layer, r.kind, r.inShape, r.outShape, r.wbits ?? '', r.abits ?? '', r.crossbarsPerReplica, r.replicas, r.crossbars,
    r.stageCycles, r.boundBy, r.shareOfBottleneck,
  ]);
  if (format === 'csv') return toCsv(header, cells);
  const e = result.energyBreakdownPj;
  const energyParts = (['crossbar', 'adc', 'dac', 'sampleHold', 'shiftAdd', 'edram', 'noc', 'digital', 'offChip'] as const)
    .map((k) => `${k} ${formatNumber(e[k] / 1e6)}`)
    .join(', ');
  const tableCells = cells.map((row) => row.map((c, i) => (i === 11 && typeof c === 'number' ? `${(c * 100).toFixed(1)}%` : c)));
  return [
    `${inputs.net.network.name} on ${inputs.arch.name}: ${inputs.net.weightedIndices.length} weighted layers`,
    '',
    renderTable(header, tableCells),
    '',
    `bottleneck    ${total['bottleneckLayer']} (${total['bottleneckCycles']} cycles per image)`,
    `throughput    ${formatNumber(result.throughputImagesPerS)} images/s`,
    `latency       ${formatNumber(result.latencyS * 1e3)} ms (${result.latencyCycles} cycles)`,
    `area          ${formatNumber(result.areaMm2)} mm2 (${result.tilesUsed} tiles, ${result.coresUsed} cores, ${result.crossbarsUsed} crossbars)`,
    `energy        ${formatNumber(result.energyPerImagePj / 1e6)} uJ per image (${energyParts} uJ)`,
  ].join('\n');
}

export function analyzeCommand(args: AnalyzeArgs): void {
  const inputs = loadInputs(args);
  const result = evaluateModel(prepareModel(inputs.arch, inputs.net), inputs.choices);
  emit(renderAnalysis(inputs, result, args.format), args.out);
}
