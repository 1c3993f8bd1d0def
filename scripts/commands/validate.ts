/**
 * `lrmp validate`: every zoo network through the analytical model and the simulator, for the baseline plan and
 * a replicated mixed-precision plan, with relative errors and the dominant cause of each difference.
 */
import type { ArchSpec } from '../../arch/types';
import { baselineChoices, type PlanChoices } from '../../arch/plan';
import { uncontendedArch } from '../../arch/overrides';
import { prepareModel, evaluateModel } from '../../optimizer/model';
import { replicatedMixedChoices } from '../../optimizer/replication/bottleneck-greedy';
import { STALL_CAUSES, type SimBottleneck, type SimResult } from '../../sim';
import { simulateSettled } from '../../sim/settle';
import { DeadlockError, ValidationError } from '../../errors';
import { zooNames, zooPreferredArch } from '../../workloads/zoo';
import type { ResolvedNetwork } from '../../workloads/types';
import { checkDistinctNetworks, defaultArchFor, inputFiles, loadArchFromArgs, loadNetworkFromArgs } from './inputs';
import * as path from 'node:path';
import { networkFileExtensions, networkSpecIsFile } from '../../workloads/load';
import { emit, printReport, toCsv } from './output';
import { renderTable } from '../format/table';
import { relError } from './simulate';
import { LIMITS, checkNumber } from '../../limits';
import { checkOutputPaths } from '../../io';
import { FILE_SCOPE_FORM, fileInputShapes } from './file-input-shapes';

export interface ValidateArgs {
  arch?: string | undefined;
  archFile?: string[] | undefined;
  set?: string[] | undefined;
  /** `all` or comma-separated zoo names. @default all */
  networks?: string | undefined;
  /** `--input-shape` for the ONNX files among `networks`; `FILE.onnx@entry` scopes an entry to one file. */
  inputShape?: string | undefined;
  /** `--seq-block B`: B tokens per pipeline row for every network (each must have a token stream). @default 1 */
  seqBlock?: number | undefined;
  out?: string | undefined;
  /** Ample NoC bandwidth and eDRAM (capacity and port), so only compute and digital work shape the timing. */
  uncontended?: boolean | undefined;
  /** @default the settle rule of `lrmp simulate` (sim/settle.ts): streams grow until the interval settles within 1% */
  images?: number | undefined;
}

export interface ValidateRow {
  network: string;
  plan: 'baseline' | 'replicated-mixed';
  settings: 'preset' | 'uncontended';
  status: 'ok' | 'deadlock' | 'does-not-fit';
  simLatencyCycles: number;
  modelLatencyCycles: number;
  latencyError: number;
  simThroughput: number;
  modelThroughput: number;
  throughputError: number;
  /** What sets the simulated pace (validate.ts dominantCause): a saturated resource, else the largest stall kind. */
  dominantCause: string;
  simBottleneck: string;
  modelBottleneck: string;
  detail: string;
}

const RESOURCE_NAMES: Record<SimBottleneck['kind'], string> = {
  layer: 'compute',
  'noc-link': 'NoC link',
  'edram-port': 'eDRAM port',
  'digital-unit': 'digital unit',
  'off-chip': 'off-chip',
  'shared-adc': 'shared ADC',
  'shift-add': 'shift-and-add',
};

/**
 * A resource busy at least this share of the interval sets the pace (the interval is never below the busiest
 * resource's busy cycles per image; the rest is the measured window's spread).
 */
const BINDING_SHARE = 0.98;

/**
 * What sets the simulated pace, named for the report: the busiest resource when it is busy (nearly) the whole
 * interval (a layer's own crossbars: 'compute'; a shared ADC, eDRAM port, digital unit, link: that resource),
 * whatever other layers wait for meanwhile; otherwise nothing is saturated, the pipeline waits, and the largest
 * non-input stall over all layers is why.
 */
export function dominantCause(sim: SimResult): string {
  if (sim.bottleneck.busyCyclesPerImage >= BINDING_SHARE * sim.intervalCycles) return RESOURCE_NAMES[sim.bottleneck.kind];
  const names: Record<string, string> = { noc: 'NoC', buffer: 'buffer', edram: 'eDRAM port', digital: 'digital unit' };
  let best = '';
  let bestCycles = 0;
  for (const c of STALL_CAUSES) {
    if (c === 'input') continue;
    let total = 0;
    for (const l of sim.layers) total += l.stallCycles[c];
    if (total > bestCycles) {
      bestCycles = total;
      best = names[c] ?? c;
    }
  }
  return best === '' ? 'none' : `${best} stalls`;
}

export async function validateOne(
  arch: ArchSpec,
  net: ResolvedNetwork,
  plan: ValidateRow['plan'],
  choices: PlanChoices,
  settings: ValidateRow['settings'],
  /** @default the settle rule (sim/settle.ts), as `lrmp simulate` */
  images?: number,
): Promise<ValidateRow> {
  const ctx = prepareModel(arch, net);
  const model = evaluateModel(ctx, choices);
  const row: ValidateRow = {
    network: net.network.name, plan, settings, status: 'ok', simLatencyCycles: 0, modelLatencyCycles: model.latencyCycles, latencyError: 0,
    simThroughput: 0, modelThroughput: model.throughputImagesPerS, throughputError: 0, dominantCause: '', simBottleneck: '',
    modelBottleneck: `${model.bottleneckLayer}`, detail: '',
  };
  try {
    const { sim } = await simulateSettled(arch, net, choices, { images });
    // The model's latency is one image's alone (rule 7), and so is the simulator's latencyCycles (sim/simulate.ts
    // runs one image alone besides the stream: in a stream image 0 shares the tiles' digital units and MAC arrays
    // with the next images' rows, Silero VAD 10,376 cycles alone, 14,131 as image 0 of 8).
    row.simLatencyCycles = sim.latencyCycles;
    row.latencyError = relError(sim.latencyCycles, model.latencyCycles);
    row.simThroughput = sim.throughputImagesPerS;
    row.throughputError = relError(sim.throughputImagesPerS, model.throughputImagesPerS);
    row.dominantCause = dominantCause(sim);
    row.simBottleneck = `${sim.bottleneck.kind} ${sim.bottleneck.name}`;
    if (!sim.steadyState.settled) row.detail = `simulated interval NOT settled after ${sim.images} images: ${sim.steadyState.note}`;
  } catch (error) {
    if (!(error instanceof DeadlockError)) throw error;
    row.status = 'deadlock';
    row.dominantCause = 'buffer';
    row.detail = error.message.split('\n').slice(0, 2).join(' | ');
  }
  return row;
}

/**
 * One network of --networks. With several ONNX files one --input-shape rarely fits them all, so an ONNX file's bad or
 * missing shape also says how to give each file its own.
 */
function loadValidated(name: string, inputShape: string | undefined, oneOfSeveralOnnx: boolean, seqBlock: number | undefined): ResolvedNetwork {
  try {
    return loadNetworkFromArgs({ network: name, inputShape, seqBlock });
  } catch (error) {
    if (!(error instanceof ValidationError) || !oneOfSeveralOnnx) throw error;
    throw new ValidationError(error.source, error.field, error.found, `${error.allowed}; with several ONNX files, ${FILE_SCOPE_FORM}`);
  }
}

/** The networks `validate` runs (--networks as given, or the zoo) and, when some were left out, a notice saying so. */
export function validateNetworkList(args: Pick<ValidateArgs, 'networks' | 'arch' | 'archFile'>): { names: string[]; notice?: string } {
  const defaulted = args.networks === undefined || args.networks === 'all';
  const names = defaulted ? zooNames() : (args.networks ?? '').split(',').map((s) => s.trim());
  if (!defaulted || (args.arch === undefined && args.archFile === undefined)) return { names };
  // The whole zoo on one named chip: the transformers have their own preset (xformer); on another chip they
  // usually do not fit (ViT-B/16's line buffers exceed PUMA's 64 KB tiles), so they run only when named.
  // Only networks with a preset of their own: `--arch isaac` runs the CNNs (it skipped the whole zoo before).
  const skipped = names.filter((n) => zooPreferredArch(n) !== undefined && zooPreferredArch(n) !== args.arch);
  if (skipped.length === 0) return { names };
  return {
    names: names.filter((n) => !skipped.includes(n)),
    notice: `validate: not run on this chip: ${skipped.join(', ')} (they run on --arch xformer by default; name them with --networks to run them here)`,
  };
}

export async function validateCommand(args: ValidateArgs): Promise<ValidateRow[]> {
  const settings: ValidateRow['settings'] = args.uncontended ? 'uncontended' : 'preset';
  const { names, notice } = validateNetworkList(args);
  if (notice !== undefined) process.stderr.write(`${notice}\n`);
  const known = zooNames();
  for (const name of names) {
    if (!known.includes(name) && !networkSpecIsFile(name)) {
      throw new ValidationError('--networks', 'networks', `'${name}'`, `all, or zoo names (${known.join(', ')}) and network files (${networkFileExtensions().join(', ')})`);
    }
  }
  checkDistinctNetworks(names);
  const onnxFiles = names.filter((name) => networkSpecIsFile(name) && path.extname(name).toLowerCase() === '.onnx');
  const shapes = fileInputShapes(args.inputShape, onnxFiles);
  // The CSV must not replace an input file (`--networks vnet.json --out vnet.json` replaced the network).
  const inputs = [
    ...names.filter(networkSpecIsFile).map((file) => ({ option: '--networks', file })),
    ...inputFiles({ arch: args.arch, archFile: args.archFile }),
  ];
  checkOutputPaths([{ option: '--out', file: args.out ?? 'validate.csv' }], inputs);
  const requestedImages = args.images === undefined ? undefined : checkNumber(args.images, LIMITS.images, '--images', 'images');
  const rows: ValidateRow[] = [];
  for (const name of names) {
    const onnx = onnxFiles.includes(name);
    const net = loadValidated(name, onnx ? shapes.forFile(name) : undefined, onnx && onnxFiles.length > 1, args.seqBlock);
    // Without --arch, each network runs on its preferred preset (the transformers on xformer).
    const base = loadArchFromArgs({ arch: args.arch ?? defaultArchFor(name), archFile: args.archFile, set: args.set });
    const baseline = baselineChoices(net.weightedIndices.length);
    // The baseline runs on the tiles it needs: grow the chip when the preset is too small.
    const probe = evaluateModel(prepareModel({ ...base, chip: { tiles: 1e6 } }, net), baseline);
    const tiles = Math.max(base.chip.tiles, probe.tilesUsed);
    const sized: ArchSpec = { ...base, chip: { tiles } };
    const arch = args.uncontended ? uncontendedArch(sized) : sized;
    const grown = tiles > base.chip.tiles ? `chip.tiles grown from ${base.chip.tiles} to ${tiles} (the 8-bit baseline needs them)` : '';
    const mixed = replicatedMixedChoices(prepareModel(arch, net), probe.tilesUsed);
    for (const [plan, choices] of [['baseline', baseline], ['replicated-mixed', mixed]] as const) {
      const row = await validateOne(arch, net, plan, choices, settings, requestedImages);
      const blocked = (net.network.sequenceBlock ?? 1) > 1 ? `${net.network.sequenceBlock} tokens per row` : '';
      row.detail = [grown, blocked, row.detail].filter((d) => d !== '').join('; ');
      rows.push(row);
    }
  }
  const header = ['network', 'plan', 'settings', 'status', 'sim_latency_cycles', 'model_latency_cycles', 'latency_rel_error',
    'sim_throughput_img_s', 'model_throughput_img_s', 'throughput_rel_error', 'dominant_cause', 'sim_bottleneck', 'model_bottleneck', 'detail'];
  const table = rows.map((r) => [r.network, r.plan, r.settings, r.status, Math.round(r.simLatencyCycles), Math.round(r.modelLatencyCycles),
    Number(r.latencyError.toFixed(4)), Number(r.simThroughput.toFixed(2)), Number(r.modelThroughput.toFixed(2)), Number(r.throughputError.toFixed(4)),
    r.dominantCause, r.simBottleneck, r.modelBottleneck, r.detail]);
  // The table always goes to the terminal (--out has a default, so the CSV is always written too).
  printReport(renderTable(header.slice(0, 13), table.map((r) => r.slice(0, 13))), [args.out]);
  if (args.out !== undefined) {
    await emit(toCsv(header, table), args.out);
    process.stderr.write(`written: ${args.out}\n`);
  }
  return rows;
}
