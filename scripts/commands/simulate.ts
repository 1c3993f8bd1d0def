/**
 * `lrmp simulate`: the cycle-level simulation of a plan, with the analytical model's figures beside it.
 */
import { prepareModel, evaluateModel, type ModelResult } from '../../optimizer/model';
import { simulate, STALL_CAUSES, type SimResult } from '../../sim';
import { ValidationError } from '../../errors';
import { loadInputs, type NetworkArchArgs } from './inputs';
import { emit, toCsv, toJson, type OutputFormat } from './output';
import { formatNumber, renderTable } from '../format/table';

export interface SimulateArgs extends NetworkArchArgs {
  /** Images streamed back to back. @default 4 */
  images?: number | undefined;
  /** CSV trace file. */
  trace?: string | undefined;
  format: OutputFormat;
  out?: string | undefined;
}

/** Relative difference of a simulated figure from the analytical one. */
export function relError(simulated: number, analytical: number): number {
  return analytical !== 0 ? (simulated - analytical) / analytical : 0;
}

/** A progress bar on stderr, only when stderr is a terminal. */
function progressBar(): ((fraction: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = -1;
  return (fraction: number) => {
    const pct = Math.floor(fraction * 100);
    if (pct === last) return;
    last = pct;
    const width = 30;
    const filled = Math.round((fraction * width));
    process.stderr.write(`\rsimulating [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}%${pct >= 100 ? '\n' : ''}`);
  };
}

function summaryRows(sim: SimResult, model: ModelResult): Array<[string, string, string, string]> {
  const f = (v: number): string => formatNumber(v);
  return [
    ['latency (cycles)', f(sim.latencyCycles), f(model.latencyCycles), `${(relError(sim.latencyCycles, model.latencyCycles) * 100).toFixed(2)}%`],
    ['image interval (cycles)', f(sim.intervalCycles), f(model.bottleneckCycles), `${(relError(sim.intervalCycles, model.bottleneckCycles) * 100).toFixed(2)}%`],
    ['throughput (images/s)', f(sim.throughputImagesPerS), f(model.throughputImagesPerS), `${(relError(sim.throughputImagesPerS, model.throughputImagesPerS) * 100).toFixed(2)}%`],
    ['energy per image (uJ)', f(sim.energyPerImagePj / 1e6), f(model.energyPerImagePj / 1e6), `${(relError(sim.energyPerImagePj, model.energyPerImagePj) * 100).toFixed(2)}%`],
    ['bottleneck', `${sim.bottleneck.kind} ${sim.bottleneck.name}`, model.bottleneckLayer, ''],
  ];
}

export async function simulateCommand(args: SimulateArgs): Promise<void> {
  const images = args.images ?? 4;
  if (!Number.isInteger(images) || images < 1) throw new ValidationError('--images', 'images', String(images), 'an integer >= 1');
  const inputs = loadInputs(args);
  const model = evaluateModel(prepareModel(inputs.arch, inputs.net), inputs.choices);
  const onProgress = progressBar();
  const sim = await simulate(inputs.arch, inputs.net, inputs.choices, {
    images,
    ...(args.trace !== undefined ? { traceFile: args.trace } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  const stages = new Map(model.layers.map((s) => [s.name, s]));
  if (args.format === 'json') {
    emit(toJson({ network: inputs.net.network.name, arch: inputs.arch.name, images, simulated: sim, analytical: {
      latencyCycles: model.latencyCycles, bottleneckCycles: model.bottleneckCycles, bottleneckLayer: model.bottleneckLayer,
      throughputImagesPerS: model.throughputImagesPerS, energyPerImagePj: model.energyPerImagePj,
    } }), args.out);
    return;
  }
  const header = ['layer', 'kind', 'units', 'sim_busy_cycles_per_image', 'model_stage_cycles', 'model_bound', 'utilization', ...STALL_CAUSES.map((c) => `stall_${c}`), 'main_stall'];
  const rows = sim.layers.map((l) => {
    const stage = stages.get(l.name);
    return [l.name, l.kind, l.units, Math.round(l.busyCyclesPerImage), Math.round(stage?.stageCycles ?? 0), stage?.boundBy ?? '', Number(l.utilization.toFixed(4)),
      ...STALL_CAUSES.map((c) => Math.round(l.stallCycles[c])), l.mainStall];
  });
  if (args.format === 'csv') {
    emit(toCsv(header, rows), args.out);
    return;
  }
  const summary = renderTable(['figure', 'simulated', 'analytical', 'difference'], summaryRows(sim, model));
  const util = sim.utilization;
  const text = [
    `${inputs.net.network.name} on ${inputs.arch.name}, ${images} images, ${sim.events} events`,
    summary,
    `utilization: crossbars ${(util.crossbars * 100).toFixed(1)}%, ADCs ${(util.adcs * 100).toFixed(1)}%, eDRAM port max ${(util.edramPortMax * 100).toFixed(1)}%, ` +
      `digital max ${(util.digitalUnitMax * 100).toFixed(1)}%, NoC link max ${(util.nocLinkMax * 100).toFixed(1)}%, off-chip ${(util.offChip * 100).toFixed(1)}%`,
    `NoC: ${sim.noc.transfers} transfers, ${sim.noc.flits} flits, ${sim.noc.bits} bits, ${sim.noc.flitHops} flit-router traversals, ${sim.noc.waitCycles} cycles queued`,
    '',
    renderTable(header, rows),
  ].join('\n');
  emit(text, args.out);
}
