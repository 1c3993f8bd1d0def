/**
 * One entry point for every way a user names a network: a zoo name, or a file whose extension picks the importer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputFileError, UnknownNameError } from '../errors';
import { parseNetworkJson } from './json';
import { parseNeurosimCsv } from './neurosim-csv';
import { importOnnx } from './onnx';
import type { Network } from './types';
import { zooNames, zooNetwork } from './zoo';

/**
 * Turns a file's bytes into a network. `file` is the path as the user gave it, for error messages.
 * Importers get bytes, not text, because some formats (ONNX) are binary.
 */
export type NetworkImporter = (bytes: Buffer, file: string) => Network;

/**
 * Importers by lower-case file extension. To add a format (e.g. ONNX), write `workloads/onnx.ts` exporting
 * `importOnnx: NetworkImporter` and add `'.onnx': importOnnx` here; loadNetwork and its error messages pick it up.
 */
export const NETWORK_IMPORTERS: Readonly<Record<string, NetworkImporter>> = {
  '.json': (bytes, file) => parseNetworkJson(bytes.toString('utf8'), file),
  '.csv': (bytes, file) => parseNeurosimCsv(bytes.toString('utf8'), file),
  '.onnx': (bytes, file) => importOnnx(bytes, { source: file }),
};

/** File extensions loadNetwork accepts. */
export function networkFileExtensions(): string[] {
  return Object.keys(NETWORK_IMPORTERS);
}

/**
 * Loads a network from a zoo name (`resnet18`) or a file path whose extension has an importer (`.json`, `.csv`).
 * Throws UnknownNameError for a name that is neither, InputFileError for a file that cannot be read.
 */
export function loadNetwork(spec: string): Network {
  const ext = path.extname(spec).toLowerCase();
  const importer = ext !== '' && Object.prototype.hasOwnProperty.call(NETWORK_IMPORTERS, ext) ? NETWORK_IMPORTERS[ext] : undefined;
  if (!importer) {
    const looksLikePath = ext !== '' || spec.includes('/') || spec.includes('\\');
    if (looksLikePath) {
      throw new InputFileError(spec, `unsupported network file type '${ext || '(none)'}'; supported: ${networkFileExtensions().join(', ')}, or a zoo name (${zooNames().join(', ')}).`);
    }
    try {
      return zooNetwork(spec);
    } catch (error) {
      if (error instanceof UnknownNameError) {
        throw new UnknownNameError(`network (a zoo name, or a ${networkFileExtensions().join('/')} file)`, spec, zooNames());
      }
      throw error;
    }
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(spec);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const detail = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? String(error)})`;
    throw new InputFileError(spec, `${detail}.`);
  }
  return importer(bytes, spec);
}
