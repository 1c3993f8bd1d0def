/**
 * One entry point for every way a user names a network: a zoo name, or a file whose extension picks the importer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputFileError, UnknownNameError, ValidationError } from '../errors';
import { decodeText } from '../text-decode';
import { parseNetworkJson } from './json';
import { parseNeurosimCsv } from './neurosim-csv';
import { importOnnx } from './onnx';
import type { Network } from './types';
import { zooNames, zooNetwork } from './zoo';

export interface LoadNetworkOptions {
  /**
   * Input dims of any rank ([N, C, H, W], [N, T, F], [N, F]) for formats whose files may leave them open (ONNX).
   * Formats that fix the input shape (zoo, JSON, CSV) reject it rather than ignore it.
   */
  inputShape?: number[];
  /** Dims per named graph input (ONNX). */
  inputShapes?: Record<string, number[]>;
  /** Values of constant graph inputs such as a sample rate (ONNX); other constant inputs are zeros. */
  inputValues?: Record<string, number[]>;
}

/**
 * Turns a file's bytes into a network. `file` is the path as the user gave it, for error messages.
 * Importers get bytes, not text, because some formats (ONNX) are binary.
 */
export type NetworkImporter = (bytes: Buffer, file: string, options: LoadNetworkOptions) => Network;

export interface NetworkImporterEntry {
  read: NetworkImporter;
  /** Whether `LoadNetworkOptions.inputShape` means anything for this format. */
  takesInputShape: boolean;
}

/** Importers by lower-case file extension. To add a format, add an entry; loadNetwork and its messages pick it up. */
export const NETWORK_IMPORTERS: Readonly<Record<string, NetworkImporterEntry>> = {
  '.json': { read: (bytes, file) => parseNetworkJson(decodeText(bytes, file), file), takesInputShape: false },
  '.csv': { read: (bytes, file) => parseNeurosimCsv(decodeText(bytes, file), file), takesInputShape: false },
  '.onnx': {
    read: (bytes, file, o) =>
      importOnnx(bytes, {
        source: file,
        ...(o.inputShape !== undefined ? { inputShape: o.inputShape } : {}),
        ...(o.inputShapes !== undefined ? { inputShapes: o.inputShapes } : {}),
        ...(o.inputValues !== undefined ? { inputValues: o.inputValues } : {}),
      }),
    takesInputShape: true,
  },
};

/** File extensions loadNetwork accepts. */
export function networkFileExtensions(): string[] {
  return Object.keys(NETWORK_IMPORTERS);
}

function rejectInputShape(spec: string, options: LoadNetworkOptions, what: string): void {
  if (options.inputShape === undefined && options.inputShapes === undefined && options.inputValues === undefined) return;
  const takers = Object.entries(NETWORK_IMPORTERS)
    .filter(([, e]) => e.takesInputShape)
    .map(([ext]) => ext);
  throw new ValidationError(
    spec,
    'inputShape',
    `${options.inputShape ? `[${options.inputShape.join(', ')}]` : 'input shapes or values'}, given for ${what}, which fixes its own input shape`,
    takers.length > 0 ? `an input shape only for ${takers.join(', ')} files` : 'no input shape for any format yet',
  );
}

/** The importer that reads `spec` as a file (by its extension), or undefined: then it is a zoo name (or an error). */
function importerFor(spec: string): NetworkImporterEntry | undefined {
  const ext = path.extname(spec).toLowerCase();
  return ext !== '' && Object.prototype.hasOwnProperty.call(NETWORK_IMPORTERS, ext) ? NETWORK_IMPORTERS[ext] : undefined;
}

/**
 * True when loadNetwork reads `spec` as a file; a zoo name is never read from disk, even when a file of that name
 * exists (the output-collision check must not count it as an input).
 */
export function networkSpecIsFile(spec: string): boolean {
  return importerFor(spec) !== undefined;
}

/**
 * Loads a network from a zoo name (`resnet18`) or a file path whose extension has an importer (`.json`, `.csv`).
 * Throws UnknownNameError for a name that is neither, InputFileError for a file that cannot be read.
 */
export function loadNetwork(spec: string, options: LoadNetworkOptions = {}): Network {
  const ext = path.extname(spec).toLowerCase();
  const entry = importerFor(spec);
  if (!entry) {
    const looksLikePath = ext !== '' || spec.includes('/') || spec.includes('\\');
    if (looksLikePath) {
      throw new InputFileError(spec, `unsupported network file type '${ext || '(none)'}'; supported: ${networkFileExtensions().join(', ')}, or a zoo name (${zooNames().join(', ')}).`);
    }
    let network: Network;
    try {
      network = zooNetwork(spec);
    } catch (error) {
      if (error instanceof UnknownNameError) {
        throw new UnknownNameError(`network (a zoo name, or a ${networkFileExtensions().join('/')} file)`, spec, zooNames());
      }
      throw error;
    }
    rejectInputShape(spec, options, 'a zoo network');
    return network;
  }
  if (!entry.takesInputShape) rejectInputShape(spec, options, `a ${ext} file`);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(spec);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const detail = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? String(error)})`;
    throw new InputFileError(spec, `${detail}.`);
  }
  return entry.read(bytes, spec, options);
}
