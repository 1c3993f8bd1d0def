/**
 * Error kinds. Every user mistake is an LrmpError subclass with a literal `name`, so the CLI can print one
 * clear paragraph and exit 2; anything else is a bug and keeps its stack trace.
 */
export abstract class LrmpError extends Error {
  abstract override readonly name: string;
  /** Exit code the CLI uses for this error. */
  readonly exitCode: number = 2;
}

/** A field of a spec, network, plan or option has a bad value. */
export class ValidationError extends LrmpError {
  override readonly name = 'ValidationError' as const;
  /**
   * @param source file or input the value came from (e.g. `arch.json`, `--set`, `plan.json`)
   * @param field dotted path of the field (e.g. `crossbar.rows`)
   * @param found what was found, already formatted
   * @param allowed what is allowed
   */
  constructor(
    readonly source: string,
    readonly field: string,
    readonly found: string,
    readonly allowed: string,
  ) {
    // A flag is its own field: '--wbits is 'abc'' rather than '--wbits: field 'wbits' is 'abc''.
    super(source === `--${field}` ? `${source} is ${found}; allowed: ${allowed}.` : `${source}: field '${field}' is ${found}; allowed: ${allowed}.`);
  }
}

/** A file cannot be read or parsed (missing, malformed JSON/CSV, truncated binary). */
export class InputFileError extends LrmpError {
  override readonly name = 'InputFileError' as const;
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** An output cannot be written where the user asked (a directory, a device, no permission, disk full). */
export class OutputFileError extends LrmpError {
  override readonly name = 'OutputFileError' as const;
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** A name (network, preset, layer, objective...) that is not known. */
export class UnknownNameError extends LrmpError {
  override readonly name = 'UnknownNameError' as const;
  constructor(
    readonly what: string,
    readonly found: string,
    readonly known: readonly string[],
  ) {
    super(`unknown ${what} '${found}'; known: ${known.join(', ')}.`);
  }
}

/** Layer shapes do not agree (names both layers). */
export class ShapeError extends LrmpError {
  override readonly name = 'ShapeError' as const;
}

/** A mapping does not fit on the chip (says by how much). */
export class MappingError extends LrmpError {
  override readonly name = 'MappingError' as const;
}

/** A plan does not match its network/arch or names an unknown layer. */
export class PlanError extends LrmpError {
  override readonly name = 'PlanError' as const;
}

/** The simulator cannot make progress (buffers too small); names the layers that wait on each other. */
export class DeadlockError extends LrmpError {
  override readonly name = 'DeadlockError' as const;
}

/** A solver or an external program misbehaved in a way the user can fix (timeout, bad output). */
export class ExternalToolError extends LrmpError {
  override readonly name = 'ExternalToolError' as const;
}

export function isLrmpError(error: unknown): error is LrmpError {
  return error instanceof LrmpError;
}

/**
 * A bug: something lrmp itself got wrong (e.g. a non-finite number reached an output). Not the user's mistake,
 * so the CLI says "please report" and exits 1; `context` says what was being computed.
 */
export class InternalError extends Error {
  override readonly name = 'InternalError' as const;
  readonly exitCode = 1;
  constructor(
    readonly context: string,
    detail: string,
  ) {
    super(`${context}: ${detail}`);
  }
}
