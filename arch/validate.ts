import { ValidationError } from '../errors';
import type { ArchSpec, AttentionUnit } from './types';
import { describeRange, inRange, type NumericRange } from '../limits';

/** Most tiles a chip may have (a 1024 x 1024 mesh). */
export const MAX_CHIP_TILES = 1 << 20;

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

type Rule = NumericRange | 'boolean' | 'name' | 'attentionUnit';
type RuleFor<V> = [V] extends [number]
  ? NumericRange
  : [V] extends [boolean]
    ? 'boolean'
    : [V] extends [AttentionUnit]
      ? 'attentionUnit'
      : [V] extends [string]
        ? 'name'
        : never;

const ATTENTION_UNITS: readonly AttentionUnit[] = ['digital', 'crossbar'];

export type ArchFieldPath = LeafPath<ArchSpec>;

const OTHER_RULES: Readonly<Record<'boolean' | 'name' | 'attentionUnit', { allowed: string; accepts: (value: unknown) => boolean }>> = {
  boolean: { allowed: 'true or false', accepts: (v) => typeof v === 'boolean' },
  name: { allowed: 'a non-empty string', accepts: (v) => typeof v === 'string' && v.trim().length > 0 },
  attentionUnit: {
    allowed: ATTENTION_UNITS.map((u) => `'${u}'`).join(' or '),
    accepts: (v) => typeof v === 'string' && (ATTENTION_UNITS as readonly string[]).includes(v),
  },
};

function ruleCheck(rule: Rule): { allowed: string; accepts: (value: unknown) => boolean } {
  return typeof rule === 'string' ? OTHER_RULES[rule] : { allowed: describeRange(rule), accepts: (v) => inRange(v, rule) };
}

/*
 * Physical ranges. Lower bounds: counts start at 1, costs at 0 (a preset may count a part elsewhere, e.g. a tile
 * with no digital units of its own), rates and capacities are positive. Upper bounds sit far above anything
 * published (ISAAC, PUMA, their successors) but low enough that no product of fields in the models overflows a
 * double or drives memory: a value past them is a typo, not a design point.
 */
const count = (min: number, max: number): NumericRange => ({ min, max, integer: true });
const cost = (max: number, unit: string): NumericRange => ({ min: 0, max, integer: false, unit });
const rate = (min: number, max: number, unit: string): NumericRange => ({ min, max, integer: false, unit });
const AREA = cost(1e4, 'mm2');
const POWER = cost(1e7, 'mW');
const ENERGY = cost(1e9, 'pJ');
/** Rates and capacities may be made ample (tests, --uncontended use 1e6-1e9 to mean 'never the bottleneck'). */
const AMPLE = 1e9;

// Every physical quantity the user can set, by dotted path: the one table --set, --arch-file, preset files and
// sweep --vary all go through.
const SCHEMA: { readonly [P in ArchFieldPath]: RuleFor<FieldAt<ArchSpec, P>> } = {
  name: 'name',
  clockGHz: rate(1e-3, 100, 'GHz'),
  'crossbar.rows': count(1, 4096),
  'crossbar.cols': count(1, 4096),
  'crossbar.cellBits': count(1, 8),
  'crossbar.differentialWeights': 'boolean',
  'crossbar.costRows': count(1, 4096),
  'crossbar.costCols': count(1, 4096),
  'crossbar.areaMm2': AREA,
  'crossbar.powerMw': POWER,
  'dac.bits': count(1, 16),
  'dac.areaMm2': AREA,
  'dac.powerMw': POWER,
  'adc.bits': count(1, 16),
  'adc.costBits': count(1, 16),
  'adc.perCrossbar': count(1, 4096),
  'adc.crossbarsPerAdc': count(1, 1024),
  'adc.sampleRateGsps': rate(1e-6, AMPLE, 'GS/s'),
  'adc.energyPjPerConversion': ENERGY,
  'adc.areaMm2': AREA,
  'adc.powerMw': POWER,
  'sampleHold.areaMm2': AREA,
  'sampleHold.powerMw': POWER,
  'shiftAdd.perCrossbar': rate(1e-3, 4096, 'units per crossbar'), // ISAAC shares one unit between two crossbars: 0.5
  'shiftAdd.addsPerCycle': rate(1e-3, AMPLE, 'adds per cycle'),
  'shiftAdd.energyPjPerAdd': ENERGY,
  'shiftAdd.areaMm2': AREA,
  'shiftAdd.powerMw': POWER,
  'core.crossbars': count(1, 1024),
  'core.mvmFillSweeps': count(0, 1024),
  'core.dataMemoryKb': cost(1e6, 'KB'),
  'core.peripherals.areaMm2': AREA,
  'core.peripherals.powerMw': POWER,
  'tile.cores': count(1, 1024),
  'tile.edram.capacityKb': rate(1e-3, AMPLE, 'KB'),
  'tile.edram.costCapacityKb': rate(1e-3, AMPLE, 'KB'),
  'tile.edram.accessBits': count(1, 65_536),
  'tile.edram.accessesPerCycle': rate(1e-3, AMPLE, 'accesses per cycle'), // PUMA: one access per 2 cycles = 0.5
  'tile.edram.energyPjPerAccess': ENERGY,
  'tile.edram.areaMm2': AREA,
  'tile.edram.powerMw': POWER,
  'tile.digital.opsPerCycle': rate(1e-3, AMPLE, 'ops per cycle'),
  'tile.digital.energyPjPerOp': ENERGY,
  'tile.digital.areaMm2': AREA,
  'tile.digital.powerMw': POWER,
  'tile.digital.opsPerElement.softmax': rate(1e-3, 1e6, 'ops per element'),
  'tile.digital.opsPerElement.layerNorm': rate(1e-3, 1e6, 'ops per element'),
  'tile.digital.opsPerElement.gelu': rate(1e-3, 1e6, 'ops per element'),
  'tile.peripherals.areaMm2': AREA,
  'tile.peripherals.powerMw': POWER,
  'chip.tiles': count(1, MAX_CHIP_TILES),
  'noc.concentration': count(1, 64),
  'noc.flitBits': count(1, 65_536),
  'noc.linkFlitsPerCycle': rate(1e-3, AMPLE, 'flits per cycle'),
  'noc.routerLatencyCycles': count(0, 10_000),
  'noc.headerFlits': count(0, 10_000),
  'noc.packetPayloadBits': count(1, 1 << 24),
  'noc.router.energyPjPerFlit': ENERGY,
  'noc.router.energyFlitBits': count(1, 65_536),
  'noc.router.areaMm2': AREA,
  'noc.router.powerMw': POWER,
  'offChip.bandwidthGBps': rate(1e-3, AMPLE, 'GB/s'),
  'offChip.energyPjPerBit': ENERGY,
  'offChip.areaMm2': cost(1e5, 'mm2'),
  'offChip.powerMw': cost(1e8, 'mW'),
  'attention.unit': 'attentionUnit',
  'attention.macArray.perTile': rate(0, 1024, 'arrays per tile'),
  'attention.macArray.macsPerCycle': rate(1e-3, AMPLE, 'MACs per cycle'),
  'attention.macArray.bits': count(1, 64),
  'attention.macArray.energyPjPerMac': ENERGY,
  'attention.macArray.areaMm2': AREA,
  'attention.macArray.powerMw': POWER,
  'attention.rewrite.writeNsPerRow': rate(1e-6, 1e9, 'ns'),
  'attention.rewrite.energyPjPerCellWrite': ENERGY,
  'attention.rewrite.enduranceWrites': rate(1, 1e18, 'writes'),
};

/** The range of a numeric field (for the fuzz harness and messages); undefined for booleans and names. */
export function fieldRange(path: ArchFieldPath): NumericRange | undefined {
  const rule: Rule = SCHEMA[path];
  return typeof rule === 'string' ? undefined : rule;
}

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
  return typeof rule !== 'string' ? 'number' : rule === 'boolean' ? 'boolean' : 'string';
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
    const rule = ruleCheck(SCHEMA[path]);
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
