/**
 * One option builder per concept (network, arch, plan, output, workers, seed, search, images), shared by every
 * command, so `--network` accepts the same files everywhere, `--workers` means one thing, and a help text cannot
 * drift from the check behind it. Values are checked here, at the edge, against the shared ranges (limits.ts):
 * every numeric flag is read as text and parsed by parseNumber, so an error quotes what was typed; a single-valued
 * option given twice is an error instead of an array nobody expects.
 */
import type { Argv, Options } from 'yargs';
import { ValidationError } from '../errors';
import { LIMITS, describeRange, parseNumber, type LimitName } from '../limits';
import { networkFileExtensions } from '../workloads/load';
import { zooNames } from '../workloads/zoo';
import { presetNames } from '../arch/presets';
import { OUTPUT_FORMATS } from './commands/output';
import { OBJECTIVES } from '../optimizer/replication/objective';

/**
 * yargs runs coerce callbacks as middleware and rethrows what they throw as a plain YError with the same message;
 * the originals are kept here so the CLI reports them as the user errors they are.
 */
const thrownByCoerce = new Map<string, ValidationError>();

/** The ValidationError a coerce callback threw, given the error yargs passed on instead. */
export function optionError(error: unknown): ValidationError | undefined {
  return error instanceof Error ? thrownByCoerce.get(error.message) : undefined;
}

/** Runs a coerce body, remembering a ValidationError it throws (see thrownByCoerce). */
function remembering<R>(body: () => R): R {
  try {
    return body();
  } catch (error) {
    if (error instanceof ValidationError) thrownByCoerce.set(error.message, error);
    throw error;
  }
}

/** Flags (and aliases) that take a value, registered as the options are built. */
const valueFlags = new Set<string>();

function register(flag: string, extra: Options | undefined): void {
  valueFlags.add(flag);
  const alias = extra?.alias;
  for (const a of alias === undefined ? [] : Array.isArray(alias) ? alias : [alias]) valueFlags.add(a as string);
}

/**
 * A value-taking option given without its value (`--network` last, or followed by another option) is an error:
 * yargs would quietly use the default instead. Runs over the raw command line after parsing.
 * @throws ValidationError
 */
export function checkMissingValues(argv: readonly string[]): void {
  const end = argv.indexOf('--');
  const tokens = end < 0 ? argv : argv.slice(0, end + 1);
  tokens.forEach((token, i) => {
    const match = /^--?([^=]+)$/.exec(token);
    if (match === null || !valueFlags.has(match[1] ?? '')) return;
    const next = tokens[i + 1];
    if (next === undefined || next === '--' || /^--?[a-zA-Z]/.test(next)) {
      const flag = match[1] ?? '';
      throw new ValidationError(token, flag, 'given without a value', `${token} followed by its value`);
    }
  });
}

/** The one value of a single-valued option; a repeated option (yargs then gives an array) is an error. */
function single(flag: string, value: unknown): unknown {
  if (Array.isArray(value)) {
    const typed = value.map((v) => `'${String(v)}'`).join(' and ');
    throw new ValidationError(`--${flag}`, flag, `given ${value.length} times (${typed})`, 'one value; give the option once');
  }
  return value;
}

/** A single-valued text option. */
function text<E extends Options = Record<never, never>>(flag: string, describe: string, extra?: E) {
  register(flag, extra);
  return {
    type: 'string',
    describe,
    ...(extra as E),
    coerce: (value: unknown): string =>
      remembering(() => {
        const one = single(flag, value);
        const textValue = typeof one === 'string' ? one : String(one);
        if (textValue.trim() === '') throw new ValidationError(`--${flag}`, flag, 'empty', 'a non-empty value');
        return textValue;
      }),
  } as { type: 'string'; describe: string; coerce: (value: unknown) => string } & E;
}

/**
 * A single-valued numeric option with its range from limits.ts (read as text, so an error quotes what was typed).
 * `rangeText` replaces the range in the help when the command narrows it further (--tiles: from the baseline's).
 */
function numeric<E extends Options = Record<never, never>>(flag: string, limit: LimitName, describe: string, extra?: E, rangeText?: string) {
  const range = LIMITS[limit];
  register(flag, extra);
  return {
    type: 'string',
    describe: `${describe}; ${rangeText ?? describeRange(range)}`,
    ...(extra as E),
    // Defaults come in as numbers and are checked too (a default outside its range is a bug caught by any test).
    coerce: (value: unknown): number =>
      remembering(() => {
        const one = single(flag, value);
        return parseNumber(typeof one === 'number' ? String(one) : String(one ?? ''), range, `--${flag}`, flag);
      }),
  } as { type: 'string'; describe: string; coerce: (value: unknown) => number } & E;
}

/** A single-valued choice. */
function choice<C extends string, E extends Options = Record<never, never>>(flag: string, choices: readonly C[], describe: string, extra?: E) {
  register(flag, extra);
  return {
    type: 'string',
    choices: choices as C[],
    describe,
    ...(extra as E),
    coerce: (value: unknown): C =>
      remembering(() => {
        const one = String(single(flag, value));
        if (!(choices as readonly string[]).includes(one)) {
          throw new ValidationError(`--${flag}`, flag, `'${one}'`, `one of ${choices.join(', ')}`);
        }
        return one as C;
      }),
  } as { type: 'string'; describe: string; choices: C[]; coerce: (value: unknown) => C } & E;
}

/** A repeatable text option (each occurrence one value). */
function repeatable(flag: string, describe: string) {
  register(flag, undefined);
  return {
    type: 'string',
    array: true,
    describe: `${describe} (repeatable)`,
    coerce: (value: unknown): string[] => (Array.isArray(value) ? value : [value]).map(String),
  } as const satisfies Options;
}

function networkDescribe(): string {
  const files = networkFileExtensions().join('/');
  return `zoo name (${zooNames().join(', ')}) or a ${files} network file`;
}

/** --network and --input-shape: what network, and the input shape of files that leave it open (ONNX). */
export function withNetwork<T>(y: Argv<T>) {
  return y.options({
    network: text('network', networkDescribe(), { alias: 'n', default: 'resnet18' }),
    'input-shape': inputShapeOption(),
    'seq-block': seqBlockOption(),
  });
}

/** --seq-block: sequence blocking of a transformer's tokens (workloads/sequence-block.ts). */
export function seqBlockOption() {
  return numeric('seq-block', 'sequenceBlock', 'tokens per pipeline row of a transformer (sequence blocking, X-Former): a divisor of its token count; 1 = one token per row (default)');
}

/** --input-shape alone (import takes it without --network). */
export function inputShapeOption(more = '') {
  return text('input-shape', `ONNX inputs: dims of the streamed input (1x3x224x224, 1x16x96, 1x512: any rank), name=dims per input, name:value for a constant input (sr:16000), space-separated${more}; each dimension ${describeRange(LIMITS.inputDim)}`);
}

/** --arch, --arch-file, --set: the architecture and the user's overrides of it. */
export function withArch<T>(y: Argv<T>) {
  return y.options({
    arch: text('arch', `preset (${presetNames().join(', ')}) or an architecture JSON file (default: puma; xformer for the zoo's transformers)`, { alias: 'a' }),
    'arch-file': repeatable('arch-file', 'partial architecture JSON merged over --arch'),
    set: repeatable('set', 'override one architecture field, e.g. crossbar.rows=256'),
  });
}

/** --plan, --wbits, --abits, --replicas: per-layer precisions and replication (flags override the plan's defaults). */
export function withPlan<T>(y: Argv<T>) {
  return y.options({
    plan: text('plan', 'plan JSON: per-layer bits and replicas'),
    wbits: numeric('wbits', 'bits', 'uniform weight bits (overrides the plan defaults)'),
    abits: numeric('abits', 'bits', 'uniform activation bits (overrides the plan defaults)'),
    replicas: numeric('replicas', 'replicas', 'uniform replication (overrides the plan defaults)'),
  });
}

/** --format alone (listings print to the terminal only). */
export function withFormat<T, F extends string>(y: Argv<T>, formats: readonly F[]) {
  return y.options({ format: choice('format', formats, 'output format', { alias: 'f', default: formats[0] as F }) });
}

/** --format and --out for commands that print a report. */
export function withOutput<T>(y: Argv<T>) {
  return withFormat(y, OUTPUT_FORMATS).options({ out: text('out', 'write to this file (atomically) instead of stdout', { alias: 'o' }) });
}

/** --out for commands that write a file or folder (`what` says which). */
export function withOutFile<T>(y: Argv<T>, what: string, extra: Partial<Options> = {}) {
  return y.options({ out: text('out', what, { alias: 'o', ...extra }) });
}

/** --workers: worker threads, one meaning everywhere (`fallback` says what the command does without it). */
export function withWorkers<T>(y: Argv<T>, fallback: string) {
  return y.options({ workers: numeric('workers', 'workers', `worker threads (0 = in this process; default: ${fallback})`, { alias: 'w' }) });
}

/** --seed: the seed of every random number. */
export function withSeed<T>(y: Argv<T>) {
  return y.options({ seed: numeric('seed', 'seed', 'seed of every random number', { default: 1 }) });
}

/** --images: images streamed back to back through the simulator. */
export function withImages<T>(y: Argv<T>, fallback: number | undefined, what = 'images per simulation') {
  return y.options({ images: numeric('images', 'images', what, fallback === undefined ? { alias: 'i' } : { alias: 'i', default: fallback }) });
}


/** The search: --objective, --accuracy-budget, --episodes. */
export function withSearch<T>(y: Argv<T>, episodes: number) {
  return y.options({
    objective: choice('objective', OBJECTIVES, 'what to optimize', { default: 'throughput' }),
    'accuracy-budget': numeric('accuracy-budget', 'accuracyBudget', 'largest accuracy drop allowed', { default: 1 }),
    episodes: numeric('episodes', 'episodes', 'RL search episodes (after max(20, episodes/6) random warm-up episodes, 100 at 600; random search gets the same total)', { default: episodes }),
  });
}

/** --mix-weight: with --objective mix, the weight of latency (optimizer/replication/objective.ts). */
export function withMixWeight<T>(y: Argv<T>) {
  return y.options({ 'mix-weight': numeric('mix-weight', 'mixWeight', 'with --objective mix: weight of latency (1 - weight of throughput)', { default: 0.5 }) });
}

/** Options this module defines that a command may add on its own (optimize's budget, top-k...). */
export const option = { text, numeric, choice, repeatable };
