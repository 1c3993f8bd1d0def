import { ValidationError } from '../errors';
import type { ArchSpec, AttentionUnit } from './types';

/*
 * ArchSpec validation from one declarative table: every leaf field's dotted path -> its rule. The table's type is
 * derived from ArchSpec, so a field added to the type without a rule (or a rule for a field that does not exist,
 * or a number rule on a boolean) fails to compile.
 */

/** Dotted paths of every leaf (non-object) field of T. */
type LeafPath<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends object ? LeafPath<T[K], `${Prefix}${K}.`> : `${Prefix}${K}`;
}[keyof T & string];

/** The type of the field at a dotted path. */
type FieldAt<T, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? Head extends keyof T
    ? FieldAt<T[Head], Rest>
    : never
  : P extends keyof T
    ? T[P]
    : never;

type NumberRule = 'positiveInteger' | 'nonNegativeInteger' | 'positive' | 'nonNegative';
type Rule = NumberRule | 'boolean' | 'name' | 'attentionUnit';
type RuleFor<V> = [V] extends [number]
  ? NumberRule
  : [V] extends [boolean]
    ? 'boolean'
    : [V] extends [AttentionUnit]
      ? 'attentionUnit'
      : [V] extends [string]
        ? 'name'
        : never;

const ATTENTION_UNITS: readonly AttentionUnit[] = ['digital', 'crossbar'];

export type ArchFieldPath = LeafPath<ArchSpec>;

const RULES: Readonly<Record<Rule, { allowed: string; accepts: (value: unknown) => boolean }>> = {
  positiveInteger: { allowed: 'a positive integer', accepts: (v) => Number.isInteger(v) && (v as number) > 0 },
  nonNegativeInteger: { allowed: 'an integer >= 0', accepts: (v) => Number.isInteger(v) && (v as number) >= 0 },
  positive: {
    allowed: 'a positive finite number',
    accepts: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0,
  },
  nonNegative: {
    allowed: 'a finite number >= 0',
    accepts: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0,
  },
  boolean: { allowed: 'true or false', accepts: (v) => typeof v === 'boolean' },
  name: { allowed: 'a non-empty string', accepts: (v) => typeof v === 'string' && v.trim().length > 0 },
  attentionUnit: {
    allowed: ATTENTION_UNITS.map((u) => `'${u}'`).join(' or '),
    accepts: (v) => typeof v === 'string' && (ATTENTION_UNITS as readonly string[]).includes(v),
  },
};

// Areas and powers may be 0 where a preset counts the part elsewhere (e.g. a tile with no digital units of its own).
const SCHEMA: { readonly [P in ArchFieldPath]: RuleFor<FieldAt<ArchSpec, P>> } = {
  name: 'name',
  clockGHz: 'positive',
  'crossbar.rows': 'positiveInteger',
  'crossbar.cols': 'positiveInteger',
  'crossbar.cellBits': 'positiveInteger',
  'crossbar.differentialWeights': 'boolean',
  'crossbar.costRows': 'positiveInteger',
  'crossbar.costCols': 'positiveInteger',
  'crossbar.areaMm2': 'nonNegative',
  'crossbar.powerMw': 'nonNegative',
  'dac.bits': 'positiveInteger',
  'dac.areaMm2': 'nonNegative',
  'dac.powerMw': 'nonNegative',
  'adc.bits': 'positiveInteger',
  'adc.costBits': 'positiveInteger',
  'adc.perCrossbar': 'positiveInteger',
  'adc.crossbarsPerAdc': 'positiveInteger',
  'adc.sampleRateGsps': 'positive',
  'adc.energyPjPerConversion': 'nonNegative',
  'adc.areaMm2': 'nonNegative',
  'adc.powerMw': 'nonNegative',
  'sampleHold.areaMm2': 'nonNegative',
  'sampleHold.powerMw': 'nonNegative',
  'shiftAdd.perCrossbar': 'positive', // ISAAC shares one unit between two crossbars: 0.5
  'shiftAdd.addsPerCycle': 'positive',
  'shiftAdd.energyPjPerAdd': 'nonNegative',
  'shiftAdd.areaMm2': 'nonNegative',
  'shiftAdd.powerMw': 'nonNegative',
  'core.crossbars': 'positiveInteger',
  'core.mvmFillSweeps': 'nonNegativeInteger',
  'core.dataMemoryKb': 'nonNegative',
  'core.peripherals.areaMm2': 'nonNegative',
  'core.peripherals.powerMw': 'nonNegative',
  'tile.cores': 'positiveInteger',
  'tile.edram.capacityKb': 'positive',
  'tile.edram.accessBits': 'positiveInteger',
  'tile.edram.accessesPerCycle': 'positive', // PUMA: one access per 2 cycles = 0.5
  'tile.edram.energyPjPerAccess': 'nonNegative',
  'tile.edram.areaMm2': 'nonNegative',
  'tile.edram.powerMw': 'nonNegative',
  'tile.digital.opsPerCycle': 'positive',
  'tile.digital.energyPjPerOp': 'nonNegative',
  'tile.digital.areaMm2': 'nonNegative',
  'tile.digital.powerMw': 'nonNegative',
  'tile.digital.opsPerElement.softmax': 'positive',
  'tile.digital.opsPerElement.layerNorm': 'positive',
  'tile.digital.opsPerElement.gelu': 'positive',
  'tile.peripherals.areaMm2': 'nonNegative',
  'tile.peripherals.powerMw': 'nonNegative',
  'chip.tiles': 'positiveInteger',
  'noc.concentration': 'positiveInteger',
  'noc.flitBits': 'positiveInteger',
  'noc.linkFlitsPerCycle': 'positive',
  'noc.routerLatencyCycles': 'nonNegativeInteger',
  'noc.headerFlits': 'nonNegativeInteger',
  'noc.packetPayloadBits': 'positiveInteger',
  'noc.router.energyPjPerFlit': 'nonNegative',
  'noc.router.energyFlitBits': 'positiveInteger',
  'noc.router.areaMm2': 'nonNegative',
  'noc.router.powerMw': 'nonNegative',
  'offChip.bandwidthGBps': 'positive',
  'offChip.energyPjPerBit': 'nonNegative',
  'offChip.areaMm2': 'nonNegative',
  'offChip.powerMw': 'nonNegative',
  'attention.unit': 'attentionUnit',
  'attention.macArray.perTile': 'nonNegative',
  'attention.macArray.macsPerCycle': 'positive',
  'attention.macArray.bits': 'positiveInteger',
  'attention.macArray.energyPjPerMac': 'nonNegative',
  'attention.macArray.areaMm2': 'nonNegative',
  'attention.macArray.powerMw': 'nonNegative',
  'attention.rewrite.writeNsPerRow': 'positive',
  'attention.rewrite.energyPjPerCellWrite': 'nonNegative',
  'attention.rewrite.enduranceWrites': 'positive',
};

const LEAF_PATHS = Object.keys(SCHEMA) as ArchFieldPath[];

export function archFieldPaths(): ArchFieldPath[] {
  return [...LEAF_PATHS];
}

export function isArchFieldPath(path: string): path is ArchFieldPath {
  return Object.prototype.hasOwnProperty.call(SCHEMA, path);
}

/** Kind of value a field takes, for parsing `--set` values. */
export function fieldKind(path: ArchFieldPath): 'number' | 'boolean' | 'string' {
  const rule: Rule = SCHEMA[path];
  return rule === 'boolean' ? 'boolean' : rule === 'name' || rule === 'attentionUnit' ? 'string' : 'number';
}

/** What a value looks like, for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return String(value);
}

function levenshtein(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
}

/** The candidate closest to `name` (case-insensitive edit distance), if it is plausibly a typo of it. */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** The `allowed` text for an unknown key or path: the nearest known one first, then the known ones. */
export function unknownKeyAllowed(name: string, known: readonly string[]): string {
  const nearest = nearestName(name, known);
  return `${nearest === undefined ? '' : `did you mean '${nearest}'? `}known keys: ${known.join(', ')}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys directly under a group path ('' for the top level). */
function childKeys(prefix: string): string[] {
  const keys = new Set<string>();
  for (const path of LEAF_PATHS) {
    if (path.startsWith(prefix)) keys.add(path.slice(prefix.length).split('.')[0] ?? '');
  }
  return [...keys];
}

function rejectUnknownKeys(value: Record<string, unknown>, prefix: string, source: string): void {
  const known = childKeys(prefix);
  for (const [key, child] of Object.entries(value)) {
    const path = `${prefix}${key}`;
    if (!known.includes(key)) {
      throw new ValidationError(source, path, 'an unknown key', unknownKeyAllowed(key, known));
    }
    if (isArchFieldPath(path)) continue;
    if (!isPlainObject(child)) {
      throw new ValidationError(source, path, describeValue(child), `an object with keys ${childKeys(`${path}.`).join(', ')}`);
    }
    rejectUnknownKeys(child, `${path}.`, source);
  }
}

/** Value at a dotted path, or undefined if any step is missing. */
export function valueAt(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const key of path.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/**
 * Checks that `value` is a complete ArchSpec: every field present with the right type and range, no unknown keys.
 * Returns a fresh deep copy. @throws ValidationError naming the dotted field path.
 */
export function validateArchSpec(value: unknown, source: string): ArchSpec {
  if (!isPlainObject(value)) {
    throw new ValidationError(source, '(root)', describeValue(value), 'a JSON object describing the architecture');
  }
  rejectUnknownKeys(value, '', source);
  for (const path of LEAF_PATHS) {
    const field = valueAt(value, path);
    const rule = RULES[SCHEMA[path]];
    if (!rule.accepts(field)) throw new ValidationError(source, path, describeValue(field), rule.allowed);
  }
  const spec = structuredClone(value) as unknown as ArchSpec; // every leaf checked above, nothing extra
  if (spec.adc.perCrossbar > spec.crossbar.cols) {
    throw new ValidationError(source, 'adc.perCrossbar', String(spec.adc.perCrossbar), `at most crossbar.cols (${spec.crossbar.cols})`);
  }
  if (spec.core.crossbars % spec.adc.crossbarsPerAdc !== 0) {
    throw new ValidationError(
      source,
      'adc.crossbarsPerAdc',
      String(spec.adc.crossbarsPerAdc),
      `a divisor of core.crossbars (${spec.core.crossbars}): an ADC's crossbars sit in one core`,
    );
  }
  if (spec.adc.crossbarsPerAdc > 1 && spec.adc.perCrossbar !== 1) {
    throw new ValidationError(
      source,
      'adc.crossbarsPerAdc',
      String(spec.adc.crossbarsPerAdc),
      `1 while adc.perCrossbar is ${spec.adc.perCrossbar} (either several ADCs per crossbar or several crossbars per ADC)`,
    );
  }
  return spec;
}
