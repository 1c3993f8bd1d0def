import type { ResolvedNetwork } from '../workloads/types';
import { productLayerIndices } from './attention';
import { PlanError, ValidationError } from '../errors';
import { LIMITS, checkNumber } from '../limits';
import { MAX_CHIP_TILES } from './validate';

/** Precision and replication of one weighted layer. */
export interface LayerChoice {
  wbits: number;
  abits: number;
  replicas: number;
}

/**
 * The one hand-off between optimizer, analytical model and simulator (README, Plans): defaults plus
 * per-layer overrides by layer name, for the network and architecture it was made for.
 */
export interface Plan {
  network: string;
  arch: string;
  /**
   * The chip the plan was made for (optimize judges every variant on a chip of exactly its budget's tiles), so
   * analyze/simulate --plan place it on the same mesh and reproduce optimize's figures. Absent: the arch's chip.
   */
  chip?: PlanChip;
  defaults: LayerChoice;
  layers: Record<string, LayerEntry>;
}

/** One layer's entry: its choices, and (weighted layers only) cores left empty before it (PlanChoices.skipCores). */
export type LayerEntry = Partial<LayerChoice> & { skipCores?: number };

export interface PlanChip {
  tiles: number;
  /** Chip area of those tiles (arch/area.ts chipAreaMm2), for the reader; tiles is what is applied. */
  areaBudgetMm2: number;
}

/** Per-weighted-layer arrays in ResolvedNetwork.weightedIndices order: the form models consume. */
export interface PlanChoices {
  wbits: number[];
  abits: number[];
  replicas: number[];
  /**
   * Operand bits of each product of two activations (attention's Q.K^T and A.V; arch/attention.ts
   * productLayerIndices order); 0 or absent: rule 2's default, the abits of the weighted layers reading its output.
   */
  productBits?: number[];
  /**
   * The plan's layout: per weighted layer, cores left empty before it beyond where the packing walk would start it
   * (arch/pack-tiles.ts); absent or 0: none. Where tile and router boundaries fall sets how many copies of a tensor
   * cross each NoC port and mesh link (docs/hardware-model.md rule 6; optimizer/layout).
   */
  skipCores?: number[];
}

export const MIN_BITS = LIMITS.bits.min;
export const MAX_BITS = LIMITS.bits.max;

/**
 * The uniform baseline every comparison starts from: 8-bit weights and activations, one replica per
 * layer. It is also what a plan's defaults fall back to, and the bits of a layer a choice array does not cover.
 */
export const BASELINE_BITS = 8;
export const BASELINE_REPLICAS = 1;
export const BASELINE_CHOICE: Readonly<LayerChoice> = { wbits: BASELINE_BITS, abits: BASELINE_BITS, replicas: BASELINE_REPLICAS };

/** The baseline plan for `layers` weighted layers (fresh arrays: the caller may change them). */
export function baselineChoices(layers: number): PlanChoices {
  return {
    wbits: new Array<number>(layers).fill(BASELINE_BITS),
    abits: new Array<number>(layers).fill(BASELINE_BITS),
    replicas: new Array<number>(layers).fill(BASELINE_REPLICAS),
  };
}

/** Bits of weighted layer `pos` in a per-layer bits array, the baseline's where the array has none. */
export function bitsAt(bits: readonly number[], pos: number): number {
  return bits[pos] ?? BASELINE_BITS;
}
const CHOICE_KEYS = ['wbits', 'abits', 'replicas'] as const;
/** Keys a layer's entry may hold: its choices and its layout. */
const LAYER_KEYS = [...CHOICE_KEYS, 'skipCores'] as const;
/** Most cores a plan may leave empty before one layer (a tile's cores are far fewer on every preset). */
export const MAX_SKIP_CORES = 1024;

/** One plan entry, against the same ranges as the --wbits/--abits/--replicas flags (limits.ts). */
function checkChoiceField(source: string, field: string, key: (typeof CHOICE_KEYS)[number], value: unknown): number {
  return checkNumber(value, key === 'replicas' ? LIMITS.replicas : LIMITS.bits, source, field);
}

function checkObject(source: string, field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(source, field, JSON.stringify(value) ?? String(value), 'an object');
  }
  return value as Record<string, unknown>;
}

function checkKeys(source: string, field: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new ValidationError(source, field ? `${field}.${key}` : key, 'an unknown key', allowed.join(', '));
    }
  }
}

/** Validates a parsed plan document (structure and value ranges; layer names are checked by resolvePlan). */
export function validatePlan(value: unknown, source: string): Plan {
  const doc = checkObject(source, '(top level)', value);
  checkKeys(source, '', doc, ['network', 'arch', 'chip', 'defaults', 'layers']);
  const network = doc['network'];
  const arch = doc['arch'];
  if (typeof network !== 'string' || network === '') {
    throw new ValidationError(source, 'network', JSON.stringify(network) ?? 'missing', 'the network name the plan was made for');
  }
  if (typeof arch !== 'string' || arch === '') {
    throw new ValidationError(source, 'arch', JSON.stringify(arch) ?? 'missing', 'the architecture name the plan was made for');
  }
  // Only an absent field takes its default: `null` is a value, and like any other wrong value an error.
  const orDefault = <T>(value: unknown, fallback: T): unknown => (value === undefined ? fallback : value);
  const defaultsRaw = checkObject(source, 'defaults', orDefault(doc['defaults'], BASELINE_CHOICE));
  checkKeys(source, 'defaults', defaultsRaw, CHOICE_KEYS);
  const defaults: LayerChoice = {
    wbits: checkChoiceField(source, 'defaults.wbits', 'wbits', orDefault(defaultsRaw['wbits'], BASELINE_BITS)),
    abits: checkChoiceField(source, 'defaults.abits', 'abits', orDefault(defaultsRaw['abits'], BASELINE_BITS)),
    replicas: checkChoiceField(source, 'defaults.replicas', 'replicas', orDefault(defaultsRaw['replicas'], BASELINE_REPLICAS)),
  };
  const layersRaw = checkObject(source, 'layers', orDefault(doc['layers'], {}));
  // A null-prototype record: a layer named like an Object.prototype member ('constructor') is just a name.
  const layers: Record<string, LayerEntry> = Object.create(null) as Record<string, LayerEntry>;
  for (const [name, entry] of Object.entries(layersRaw)) {
    const field = `layers.${name}`;
    const obj = checkObject(source, field, entry);
    checkKeys(source, field, obj, LAYER_KEYS);
    const choice: LayerEntry = {};
    for (const key of CHOICE_KEYS) {
      if (obj[key] !== undefined) choice[key] = checkChoiceField(source, `${field}.${key}`, key, obj[key]);
    }
    const skip = obj['skipCores'];
    if (skip !== undefined) {
      if (typeof skip !== 'number' || !Number.isInteger(skip) || skip < 0 || skip > MAX_SKIP_CORES) {
        throw new ValidationError(source, `${field}.skipCores`, JSON.stringify(skip) ?? String(skip), `an integer from 0 to ${MAX_SKIP_CORES}: cores left empty before the layer`);
      }
      choice.skipCores = skip;
    }
    layers[name] = choice;
  }
  let chip: PlanChip | undefined;
  if (doc['chip'] !== undefined) {
    const raw = checkObject(source, 'chip', doc['chip']);
    checkKeys(source, 'chip', raw, ['tiles', 'areaBudgetMm2']);
    const tiles = raw['tiles'];
    const area = raw['areaBudgetMm2'] ?? 0;
    // The same bound as the architecture field chip.tiles (a plan's chip replaces it): 1e12 tiles would be allocated.
    if (typeof tiles !== 'number' || !Number.isInteger(tiles) || tiles < 1 || tiles > MAX_CHIP_TILES) {
      throw new ValidationError(source, 'chip.tiles', JSON.stringify(tiles) ?? 'missing', 'an integer from 1 to 2^20: the tiles of the chip the plan was made for');
    }
    if (typeof area !== 'number' || !Number.isFinite(area) || area < 0) {
      throw new ValidationError(source, 'chip.areaBudgetMm2', JSON.stringify(area) ?? String(area), 'a finite number >= 0 (mm2)');
    }
    chip = { tiles, areaBudgetMm2: area };
  }
  return { network, arch, ...(chip ? { chip } : {}), defaults, layers };
}

/**
 * Per-weighted-layer choices of `plan` on `net`. A plan made for another network, or naming a layer the
 * network lacks (or a layer without weights), is a PlanError.
 */
export function resolvePlan(plan: Plan, net: ResolvedNetwork, source: string): PlanChoices {
  if (plan.network !== net.network.name) {
    throw new PlanError(`${source}: the plan was made for network '${plan.network}', not '${net.network.name}'.`);
  }
  const weightedNames = net.weightedIndices.map((i) => net.layers[i]?.layer.name ?? '');
  const productNames = productLayerIndices(net).map((i) => net.layers[i]?.layer.name ?? '');
  for (const name of Object.keys(plan.layers)) {
    if (productNames.includes(name)) {
      const e = plan.layers[name] ?? {};
      const wrong = (['wbits', 'replicas', 'skipCores'] as const).find((k) => e[k] !== undefined);
      if (wrong !== undefined) {
        throw new PlanError(
          `${source}: layers.${name}.${wrong}: '${name}' multiplies two activations (no weights, not replicated); it takes only abits, the bits of its operands.`,
        );
      }
      continue;
    }
    if (!weightedNames.includes(name)) {
      const exists = net.layers.some((l) => l.layer.name === name);
      throw new PlanError(
        `${source}: layers.${name}: ` +
          (exists
            ? `layer '${name}' of '${net.network.name}' has no weights; only conv and fc layers take bits and replicas (and products of two activations abits).`
            : `network '${net.network.name}' has no layer '${name}'; its weighted layers are ${weightedNames.slice(0, 8).join(', ')}${weightedNames.length > 8 ? ', ...' : ''}.`),
      );
    }
  }
  // A quantized network's own widths beat the plan's defaults; an explicit per-layer entry beats both.
  const fixed = net.network.defaultBits ?? {};
  // Own properties only: a layer named like an Object.prototype member ('constructor') is just a name.
  const entry = (name: string): LayerEntry | undefined => (Object.prototype.hasOwnProperty.call(plan.layers, name) ? plan.layers[name] : undefined);
  const pick = (name: string, key: keyof LayerChoice): number => {
    const own = key === 'replicas' || !Object.prototype.hasOwnProperty.call(fixed, name) ? undefined : fixed[name]?.[key];
    return entry(name)?.[key] ?? own ?? plan.defaults[key];
  };
  const serial = new Set(net.weightedIndices.flatMap((i) => {
    const l = net.layers[i]?.layer;
    return l?.kind === 'conv' && l.recurrent ? [l.name] : [];
  }));
  for (const name of serial) {
    const r = entry(name)?.replicas;
    if (r !== undefined && r > 1) {
      throw new PlanError(`${source}: layers.${name}.replicas: ${r}, but '${name}' is recurrent (step t needs step t-1), so it takes exactly 1 replica.`);
    }
  }
  const choices: PlanChoices = {
    wbits: weightedNames.map((n) => pick(n, 'wbits')),
    abits: weightedNames.map((n) => pick(n, 'abits')),
    // Replicas of a recurrent layer would run its serial steps side by side: it keeps one.
    replicas: weightedNames.map((n) => (serial.has(n) ? 1 : pick(n, 'replicas'))),
  };
  // A layout only where the plan moves a layer: absent, every layer starts where the packing walk puts it.
  const skipCores = weightedNames.map((n) => entry(n)?.skipCores ?? 0);
  if (skipCores.some((s) => s > 0)) choices.skipCores = skipCores;
  // A product's own bits only where the plan names it; else rule 2's default (its output's weighted readers).
  const productBits = productNames.map((n) => entry(n)?.abits ?? 0);
  if (productBits.some((b) => b > 0)) choices.productBits = productBits;
  return choices;
}

/** A plan with the same choice everywhere. */
export function uniformPlan(network: string, arch: string, choice: LayerChoice): Plan {
  return { network, arch, defaults: { ...choice }, layers: {} };
}

/** A plan from per-layer arrays; layers equal to the most common choice stay implicit in `defaults`. */
export function planFromChoices(network: string, arch: string, net: ResolvedNetwork, choices: PlanChoices, chip?: PlanChip): Plan {
  const names = net.weightedIndices.map((i) => net.layers[i]?.layer.name ?? '');
  const mode = (values: number[]): number => {
    const counts = new Map<number, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? 1;
  };
  const defaults: LayerChoice = { wbits: mode(choices.wbits), abits: mode(choices.abits), replicas: mode(choices.replicas) };
  const layers: Record<string, LayerEntry> = {};
  names.forEach((name, i) => {
    const entry: LayerEntry = {};
    const w = choices.wbits[i] ?? defaults.wbits;
    const a = choices.abits[i] ?? defaults.abits;
    const r = choices.replicas[i] ?? defaults.replicas;
    if (w !== defaults.wbits) entry.wbits = w;
    if (a !== defaults.abits) entry.abits = a;
    if (r !== defaults.replicas) entry.replicas = r;
    const skip = choices.skipCores?.[i] ?? 0;
    if (skip > 0) entry.skipCores = skip;
    if (Object.keys(entry).length > 0) layers[name] = entry;
  });
  const products = productLayerIndices(net);
  choices.productBits?.forEach((bits, j) => {
    const name = net.layers[products[j] ?? -1]?.layer.name;
    if (bits > 0 && name !== undefined) layers[name] = { abits: bits };
  });
  return { network, arch, ...(chip ? { chip } : {}), defaults, layers };
}
