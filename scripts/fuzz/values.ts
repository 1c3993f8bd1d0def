/** What every fuzz case maker shares: the case record, the seeded picks, and values plainly bad or fine. */

export const INPUT_KINDS = ['arch-set', 'arch-file', 'plan', 'network-json', 'neurosim-csv', 'onnx', 'cli-option', 'real-onnx'] as const;
export type InputKind = (typeof INPUT_KINDS)[number];
/**
 * The kinds a run cycles through unless told otherwise: all but 'real-onnx' (structurally mutated real models,
 * seconds per case where the tiny inputs take milliseconds; `--kind real-onnx` runs them), so a seed keeps its cases.
 */
export const DEFAULT_KINDS: readonly InputKind[] = INPUT_KINDS.filter((k) => k !== 'real-onnx');

export interface FuzzFile {
  name: string;
  data: string | Uint8Array;
}

export interface FuzzCase {
  id: number;
  kind: InputKind;
  /** Command line; `@name` stands for the case's file `name` (and for outputs in the case's folder). */
  argv: string[];
  files: FuzzFile[];
  /** lrmp must refuse this input (exit 2); a success is a wrong success. */
  mustReject: boolean;
  /** The input is valid and means what lrmp already imports: a refusal naming the input file is a wrong verdict. */
  mustImport?: boolean;
  /** What was done to the input, for reports. */
  note: string;
}

export type Rng = () => number;

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
export const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

/** Text a user might type where a number belongs, and whether it is plainly not a usable number. */
export const NUMBER_TEXTS: ReadonlyArray<[string, 'bad' | 'number']> = [
  ['abc', 'bad'], ['', 'bad'], ['NaN', 'bad'], ['Infinity', 'bad'], ['-Infinity', 'bad'], ['0x10', 'bad'], ['1,5', 'bad'],
  ['1_000', 'bad'], ['1e999', 'bad'], ['--', 'bad'], ['8bits', 'bad'], ['1e308', 'bad'], ['-1e308', 'bad'],
  ['0', 'number'], ['-1', 'number'], ['1.5', 'number'], ['1e9', 'number'], ['1e-308', 'number'], [' 7 ', 'number'],
  ['+3', 'number'], ['-0', 'number'], ['4096', 'number'], ['65536', 'number'], ['2147483648', 'number'], ['9007199254740993', 'number'],
  ['2', 'number'], ['8', 'number'], ['16', 'number'], ['0.5', 'number'], ['1e6', 'number'],
];

/** JSON values that may stand where a number belongs. */
export const JSON_VALUES: readonly unknown[] = [0, -1, 1.5, 1e9, 1e308, -1e308, 1e-300, null, true, '8', [], {}, 2 ** 31, 65537, 3, 16, 17, 0.5, 4096];

/** Whether a JSON value is plainly not a count or a physical quantity. */
export function plainlyBadJson(value: unknown, integer: boolean): boolean {
  if (typeof value !== 'number') return true;
  if (value < 0 || Math.abs(value) >= 1e300) return true;
  return integer && !Number.isInteger(value);
}

/** Whether typed text is plainly not a count or a physical quantity. */
export function plainlyBadText(text: string, integer: boolean): boolean {
  const entry = NUMBER_TEXTS.find(([t]) => t === text);
  if (entry?.[1] === 'bad') return true;
  const value = Number(text.trim());
  if (!(value >= 0)) return true; // negative (and -0 is 0, fine)
  return integer && !Number.isInteger(value);
}

/** Tiny networks the commands run in milliseconds. */
export const ZOO_SMALL = ['lenet5-mnist', 'resnet20', 'vgg8'] as const;
