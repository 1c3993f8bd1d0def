import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArchSpec } from '../../arch/types';
import { archSpecIsFile, loadArch } from '../../arch/load';
import { isPresetName } from '../../arch/presets';
import { BASELINE_CHOICE, resolvePlan, uniformPlan, validatePlan, type Plan, type PlanChoices } from '../../arch/plan';
import { loadNetwork, networkSpecIsFile, type LoadNetworkOptions } from '../../workloads/load';
import { resolveNetwork } from '../../workloads/shapes';
import type { ResolvedNetwork } from '../../workloads/types';
import { readJsonFile, type NamedFile } from '../../io';
import { zooPreferredArch } from '../../workloads/zoo';
import { PlanError, ValidationError } from '../../errors';
import { LIMITS, checkNumber, describeRange, numberFromText } from '../../limits';

/** How a --networks entry is told apart from the others: a file by its real path (`n.json`, `./n.json`), a name as given. */
function networkKey(name: string): string {
  if (!networkSpecIsFile(name)) return name;
  try {
    return fs.realpathSync(name);
  } catch {
    return path.resolve(name);
  }
}

/**
 * Refuses a network named twice in `--networks` (`validate --networks a,a` ran `a` twice, reproduce too): each
 * once. @throws ValidationError
 */
export function checkDistinctNetworks(names: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const name of names) {
    const earlier = seen.get(networkKey(name));
    if (earlier !== undefined) {
      const same = earlier === name ? `'${name}' twice` : `'${earlier}' and '${name}', the same file`;
      throw new ValidationError('--networks', 'networks', same, 'each network once');
    }
    seen.set(networkKey(name), name);
  }
}

/** Options every command that takes a network, an architecture and a plan shares. */
export interface NetworkArchArgs {
  network: string;
  /** Preset or JSON file. @default puma, or xformer for the zoo's transformers (defaultArchFor) */
  arch?: string | undefined;
  /** Partial architecture JSON files merged over the base. */
  archFile?: string[] | undefined;
  /** `path=value` architecture overrides. */
  set?: string[] | undefined;
  plan?: string | undefined;
  wbits?: number | undefined;
  abits?: number | undefined;
  replicas?: number | undefined;
  /** `--input-shape 1x3x224x224` for ONNX files with dynamic dimensions. */
  inputShape?: string | undefined;
  /** `--seq-block B`: B tokens per pipeline row (sequence blocking). @default 1 */
  seqBlock?: number | undefined;
}

/**
 * The files among the inputs, as the loaders read them: a zoo or preset name is no file even when a file of that
 * name exists in the folder (`--network resnet20 --out resnet20` writes over no input). --arch-file and --plan are
 * always files.
 */
export function inputFiles(args: Partial<Pick<NetworkArchArgs, 'network' | 'arch' | 'archFile' | 'plan'>>): NamedFile[] {
  const { network, arch } = args;
  return [
    { option: '--network', file: network !== undefined && networkSpecIsFile(network) ? network : undefined },
    { option: '--arch', file: arch !== undefined && archSpecIsFile(arch) ? arch : undefined },
    ...(args.archFile ?? []).map((file) => ({ option: '--arch-file', file })),
    { option: '--plan', file: args.plan },
  ];
}

export interface LoadedInputs {
  arch: ArchSpec;
  net: ResolvedNetwork;
  plan: Plan;
  choices: PlanChoices;
}

const INPUT_SHAPE_FORMS =
  "dims joined by x for the streamed input (1x3x224x224, 1x16x96, 1x512; any rank), name=dims for a named input, " +
  "name:v1,v2 for the values of a constant input (e.g. sr:16000); several separated by spaces or ';'";

/** `1x3x224x224` -> [1, 3, 224, 224]. */
export function parseInputShape(text: string): number[] {
  const parts = text.split(/[x,]/i);
  const dims = parts.map(numberFromText);
  const range = LIMITS.inputDim;
  if (dims.length < 1 || dims.some((d) => !Number.isInteger(d) || d < range.min || d > range.max)) {
    throw new ValidationError('--input-shape', 'input-shape', `'${text}'`, `${INPUT_SHAPE_FORMS}; each dimension ${describeRange(range)}`);
  }
  return dims;
}

/**
 * `--input-shape` entries: `1x16x96` (the streamed input), `name=1x16x96` (any graph input), `name:16000` (values
 * of a constant input), separated by spaces or ';'.
 */
export function parseInputSpec(text: string): LoadNetworkOptions {
  const out: LoadNetworkOptions = {};
  for (const entry of text.split(/[\s;]+/).filter((e) => e !== '')) {
    const value = /^([^=:]+):(.+)$/.exec(entry);
    const named = /^([^=]+)=(.+)$/.exec(entry);
    if (value) {
      const values = (value[2] ?? '').split(',').map(numberFromText);
      if (values.some((v) => !Number.isFinite(v))) throw new ValidationError('--input-shape', 'input-shape', `'${entry}'`, INPUT_SHAPE_FORMS);
      out.inputValues = { ...out.inputValues, [value[1] ?? '']: values };
    } else if (named) {
      out.inputShapes = { ...out.inputShapes, [named[1] ?? '']: parseInputShape(named[2] ?? '') };
    } else {
      if (out.inputShape) throw new ValidationError('--input-shape', 'input-shape', `'${text}' (two unnamed shapes)`, INPUT_SHAPE_FORMS);
      out.inputShape = parseInputShape(entry);
    }
  }
  return out;
}

/**
 * The network of `--network` (zoo name or file), with `--input-shape` for ONNX files and `--seq-block` tokens per
 * pipeline row, shapes resolved.
 */
export function loadNetworkFromArgs(args: Pick<NetworkArchArgs, 'network' | 'inputShape' | 'seqBlock'>): ResolvedNetwork {
  const options = args.inputShape === undefined ? {} : parseInputSpec(args.inputShape);
  const network = loadNetwork(args.network, options);
  const block = args.seqBlock === undefined ? 1 : checkNumber(args.seqBlock, LIMITS.sequenceBlock, '--seq-block', 'seq-block');
  return resolveNetwork(block > 1 ? { ...network, sequenceBlock: block } : network, args.network);
}

/** The architecture used when --arch is not given: puma, or xformer for the zoo's transformers. */
export function defaultArchFor(network: string | undefined): string {
  return (network === undefined ? undefined : zooPreferredArch(network)) ?? 'puma';
}

/** Architecture with the user's override files and --set assignments applied. */
export function loadArchFromArgs(args: Pick<NetworkArchArgs, 'arch' | 'archFile' | 'set'> & { network?: string | undefined }): ArchSpec {
  return loadArch({ arch: args.arch ?? defaultArchFor(args.network), overrideFiles: args.archFile ?? [], sets: args.set ?? [] });
}

/** True when the user set `field` on the command line or in an override file (theirs wins over a plan's chip). */
function userSets(args: Pick<NetworkArchArgs, 'set' | 'archFile'>, field: string): boolean {
  if ((args.set ?? []).some((s) => s.split('=')[0]?.trim() === field)) return true;
  const [group, key] = field.split('.');
  return (args.archFile ?? []).some((file) => {
    const doc = readJsonFile(file) as Record<string, unknown> | null;
    const part = doc?.[group ?? ''];
    return typeof part === 'object' && part !== null && key !== undefined && key in part;
  });
}

/**
 * Loads arch, network and plan (a plan file, or uniform bits/replicas from the flags; flags override the file's
 * defaults). A plan made by optimize carries its chip's tiles: they replace the arch's chip.tiles (unless the
 * user sets chip.tiles), so the plan is placed on the same mesh it was judged on.
 */
export function loadInputs(args: NetworkArchArgs): LoadedInputs {
  const planned = args.plan !== undefined ? validatePlan(readJsonFile(args.plan), args.plan) : undefined;
  // Without --arch, a plan made for a preset runs on that preset (withPlan refuses any other architecture).
  const archName = args.arch ?? (planned !== undefined && isPresetName(planned.arch) ? planned.arch : undefined);
  let arch = loadArchFromArgs({ ...args, arch: archName });
  const net = loadNetworkFromArgs(args);
  let plan: Plan;
  let source: string;
  if (args.plan !== undefined && planned !== undefined) {
    plan = planned;
    source = args.plan;
    if (plan.chip !== undefined && !userSets(args, 'chip.tiles')) arch = { ...arch, chip: { ...arch.chip, tiles: plan.chip.tiles } };
  } else {
    plan = uniformPlan(net.network.name, arch.name, BASELINE_CHOICE);
    source = 'the uniform plan from --wbits/--abits/--replicas';
  }
  return withPlan(arch, net, plan, source, args);
}

/** Inputs from a plan, with uniform --wbits/--abits/--replicas flags overriding the plan's defaults. */
export function withPlan(arch: ArchSpec, net: ResolvedNetwork, plan: Plan, source: string, flags: Pick<NetworkArchArgs, 'wbits' | 'abits' | 'replicas'>): LoadedInputs {
  if (plan.arch !== arch.name) {
    // Its replicas and chip were sized for the other chip's crossbars and area budget: its figures would mislead.
    throw new PlanError(
      `${source}: the plan was made for architecture '${plan.arch}', not '${arch.name}': its replicas and chip tiles were sized for ` +
        `'${plan.arch}'. Run it with ${isPresetName(plan.arch) ? `--arch ${plan.arch} (or without --arch: a plan's preset is the default)` : `--arch and the architecture file whose name is '${plan.arch}'`}, ` +
        `or make a plan for '${arch.name}' with lrmp optimize; to apply its bits and replicas to '${arch.name}' anyway, set the plan's "arch" to "${arch.name}" (and remove its "chip").`,
    );
  }
  const merged: Plan = {
    ...plan,
    defaults: {
      wbits: flags.wbits === undefined ? plan.defaults.wbits : checkNumber(flags.wbits, LIMITS.bits, '--wbits', 'wbits'),
      abits: flags.abits === undefined ? plan.defaults.abits : checkNumber(flags.abits, LIMITS.bits, '--abits', 'abits'),
      replicas: flags.replicas === undefined ? plan.defaults.replicas : checkNumber(flags.replicas, LIMITS.replicas, '--replicas', 'replicas'),
    },
  };
  return { arch, net, plan: merged, choices: resolvePlan(merged, net, source) };
}
