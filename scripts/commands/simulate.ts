/**
 * `lrmp simulate`: the cycle-level simulation of a plan, with the analytical model's figures beside it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepareModel, evaluateModel, type ModelResult } from '../../optimizer/model';
import { STALL_CAUSES, type SimResult } from '../../sim';
import { AUTO_FIRST_IMAGES, simulateSettled } from '../../sim/settle';
import { LIMITS, checkNumber } from '../../limits';
import { checkOutputPaths } from '../../io';
import { inputFiles, loadInputs, type NetworkArchArgs } from './inputs';
import { assertFinite, emit, toCsv, toJson, type OutputFormat } from './output';
import { formatNumber, renderTable } from '../format/table';
import { PHYSICAL_COLUMNS, physicalCells, physicalFigures, renderPhysical } from './analyze';

export interface SimulateArgs extends NetworkArchArgs {
  /** Images streamed back to back. @default automatic: until the interval settles (sim/settle.ts) */
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

/**
 * Whether `file` is the terminal stderr writes to (or /dev/tty, the controlling one): a trace streamed there would
 * have the bar's \r-led redraws land on its rows' lines (as sweep's rows, direct-output.ts isTerminal).
 */
export function sharesStderrTerminal(file: string): boolean {
  try {
    const target = file === '-' ? fs.fstatSync(1) : fs.statSync(file);
    if (!target.isCharacterDevice()) return false;
    if (file !== '-' && path.resolve(file) === '/dev/tty') return true;
    const stderr = fs.fstatSync(2);
    return stderr.isCharacterDevice() && stderr.rdev === target.rdev;
  } catch {
    return false;
  }
}

/** A progress bar on stderr, only when stderr is a terminal that no trace streams to: jobs done, images finished, time left. */
function progressBar(images: () => number, traceFile: string | undefined): ((fraction: number, imagesDone: number) => void) | undefined {
  if (!process.stderr.isTTY || (traceFile !== undefined && sharesStderrTerminal(traceFile))) return undefined;
  let last = -1;
  let lastFraction = Infinity;
  // Time and fraction at the run's first report (a new run starts below the last one's fraction).
  let t0 = 0;
  let f0 = 0;
  return (fraction: number, imagesDone: number) => {
    const now = performance.now();
    if (fraction < lastFraction) {
      t0 = now;
      f0 = fraction;
    }
    lastFraction = fraction;
    const pct = Math.floor(fraction * 100);
    if (pct === last) return;
    last = pct;
    const width = 30;
    const filled = Math.round(fraction * width);
    const leftS = fraction > f0 && fraction < 1 ? ((now - t0) / 1000 / (fraction - f0)) * (1 - fraction) : 0;
    const eta = leftS > 0 ? `, ~${leftS < 120 ? `${Math.ceil(leftS)} s` : `${Math.ceil(leftS / 60)} min`} left` : '';
    process.stderr.write(`\rsimulating [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% (${imagesDone} of ${images()} images${eta})  ${pct >= 100 ? '\n' : ''}`);
  };
}

/** How many images the settle rule ran (sim/settle.ts), and whether the last run settled: the header must not say so when it did not. */
export function runsNote(runs: readonly number[], settled: boolean): string {
  if (runs.length <= 1) return '';
  const list = runs.join(', ');
  return settled ? ` (runs of ${list} images until the interval settled within 1%)` : ` (runs of ${list} images; stopped before the interval settled within 1%, see 'steady state')`;
}

/** One line on how the steady-state interval was measured, and why it is not settled when it is not. */
export function steadyStateLine(sim: SimResult): string {
  const s = sim.steadyState;
  const head = `steady state: images ${s.windowFirstImage}..${s.windowLastImage} after the fill, ` +
    `measured ${formatNumber(s.measuredIntervalCycles)} +- ${(s.spread * 100).toFixed(2)}% cycles/image, ` +
    `busiest resource ${formatNumber(s.boundIntervalCycles)}`;
  return s.note === '' ? `${head}; settled` : `${head}; ${s.settled ? 'settled' : 'NOT settled'}: ${s.note}`;
}

function summaryRows(sim: SimResult, model: ModelResult): Array<[string, string, string, string]> {
  const f = (v: number): string => formatNumber(v);
  // Cycle counts in full (3 significant digits made a 12,544,599-cycle interval read 1.25e+7 beside exact latencies).
  const c = (v: number): string => formatNumber(Math.round(v));
  return [
    [`latency, ${sim.latencyAlone ? 'lone image' : 'image 0 in stream'} (cycles)`, c(sim.latencyCycles), c(model.latencyCycles), `${(relError(sim.latencyCycles, model.latencyCycles) * 100).toFixed(2)}%`],
    // In a stream an image also waits at shared resources for the images around it; the model has no such figure.
    ['latency in stream: image 0, mean (cycles)', `${c(sim.streamLatencyCycles)}, ${c(sim.meanLatencyCycles)}`, '', ''],
    ['image interval (cycles)', c(sim.intervalCycles), c(model.bottleneckCycles), `${(relError(sim.intervalCycles, model.bottleneckCycles) * 100).toFixed(2)}%`],
    ['throughput (images/s)', f(sim.throughputImagesPerS), f(model.throughputImagesPerS), `${(relError(sim.throughputImagesPerS, model.throughputImagesPerS) * 100).toFixed(2)}%`],
    ['energy per image (uJ)', f(sim.energyPerImagePj / 1e6), f(model.energyPerImagePj / 1e6), `${(relError(sim.energyPerImagePj, model.energyPerImagePj) * 100).toFixed(2)}%`],
    ['bottleneck', `${sim.bottleneck.kind} ${sim.bottleneck.name}`, model.bottleneckLayer, ''],
  ];
}

export async function simulateCommand(args: SimulateArgs): Promise<void> {
  if (args.images !== undefined) checkNumber(args.images, LIMITS.images, '--images', 'images');
  checkOutputPaths([{ option: '--out', file: args.out }, { option: '--trace', file: args.trace }], inputFiles(args));
  const inputs = loadInputs(args);
  const model = evaluateModel(prepareModel(inputs.arch, inputs.net), inputs.choices);
  let images = args.images ?? AUTO_FIRST_IMAGES;
  const onProgress = progressBar(() => images, args.trace);
  const { sim, runs } = await simulateSettled(inputs.arch, inputs.net, inputs.choices, {
    images: args.images,
    ...(args.trace !== undefined ? { traceFile: args.trace } : {}),
    ...(onProgress ? { onProgress } : {}),
    onRun: (n) => (images = n),
  });
  assertFinite({ simulated: sim, analytical: model.layers }, `simulation of '${inputs.net.network.name}' on '${inputs.arch.name}'`);
  const stages = new Map(model.layers.map((s) => [s.name, s]));
  // The simulator runs one MVM per output pixel, as the model counts them; power follows the simulated throughput.
  const physical = physicalFigures(inputs, model, sim.throughputImagesPerS, sim.energyPerImagePj);
  const byName = new Map(physical.layers.map((p) => [p.name, p]));
  if (args.format === 'json') {
    await emit(toJson({ network: inputs.net.network.name, arch: inputs.arch.name, images, imageRuns: runs, simulated: sim, physical, analytical: {
      latencyCycles: model.latencyCycles, bottleneckCycles: model.bottleneckCycles, bottleneckLayer: model.bottleneckLayer,
      throughputImagesPerS: model.throughputImagesPerS, energyPerImagePj: model.energyPerImagePj,
    } }), args.out, [args.trace]);
    return;
  }
  const header = ['layer', 'kind', 'units', 'sim_busy_cycles_per_image', 'model_stage_cycles', 'model_bound', 'utilization', ...STALL_CAUSES.map((c) => `stall_${c}`), 'main_stall'];
  const rows = sim.layers.map((l) => {
    const stage = stages.get(l.name);
    return [l.name, l.kind, l.units, Math.round(l.busyCyclesPerImage), Math.round(stage?.stageCycles ?? 0), stage?.boundBy ?? '', Number(l.utilization.toFixed(4)),
      ...STALL_CAUSES.map((c) => Math.round(l.stallCycles[c])), l.mainStall];
  });
  if (args.format === 'csv') {
    await emit(toCsv([...header, ...PHYSICAL_COLUMNS], rows.map((row, i) => [...row, ...physicalCells(byName.get(sim.layers[i]?.name ?? ''))])), args.out, [args.trace]);
    return;
  }
  const summary = renderTable(['figure', 'simulated', 'analytical', 'difference'], summaryRows(sim, model));
  const util = sim.utilization;
  const text = [
    `${inputs.net.network.name} on ${inputs.arch.name}, ${images} images${runsNote(runs, sim.steadyState.settled)}, ${sim.events} events`,
    summary,
    steadyStateLine(sim),
    `utilization: crossbars ${(util.crossbars * 100).toFixed(1)}%, ADCs ${(util.adcs * 100).toFixed(1)}%, shift-and-add max ${(util.shiftAddMax * 100).toFixed(1)}%, eDRAM port max ${(util.edramPortMax * 100).toFixed(1)}%, ` +
      `digital max ${(util.digitalUnitMax * 100).toFixed(1)}%, NoC link max ${(util.nocLinkMax * 100).toFixed(1)}%, off-chip ${(util.offChip * 100).toFixed(1)}%`,
    `NoC: ${sim.noc.transfers} transfers, ${sim.noc.flits} flits, ${sim.noc.bits} bits, ${sim.noc.flitHops} flit-router traversals, ${sim.noc.waitCycles} cycles queued`,
    '',
    renderTable(header, rows),
    '',
    renderPhysical(physical, 'simulated throughput'),
  ].join('\n');
  await emit(text, args.out, [args.trace]);
}
