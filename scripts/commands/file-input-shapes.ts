/**
 * `--input-shape` when a command reads several ONNX files (validate --networks a.onnx,b.onnx): an entry written
 * `FILE.onnx@entry` applies to that file only (FILE as given in --networks, or its base name); an entry without a
 * file applies to every ONNX file, as with one file.
 */
import * as path from 'node:path';
import { ValidationError } from '../../errors';

const SCOPED = /^(.+\.onnx)@(.+)$/i;

export const FILE_SCOPE_FORM = "FILE.onnx@entry scopes an entry to one of several files (e.g. 'det.onnx@1x3x320x320 vad.onnx@input=1x512 vad.onnx@sr:16000')";

export interface FileInputShapes {
  /** The --input-shape text for one ONNX file: the unscoped entries and its own; undefined when none. */
  forFile(file: string): string | undefined;
  /** Some entry has no file: it applies to every ONNX file. */
  unscoped: boolean;
}

export function fileInputShapes(text: string | undefined, onnxFiles: readonly string[]): FileInputShapes {
  const common: string[] = [];
  const own = new Map<string, string[]>();
  for (const entry of (text ?? '').split(/[\s;]+/).filter((e) => e !== '')) {
    const scoped = SCOPED.exec(entry);
    if (!scoped) {
      common.push(entry);
      continue;
    }
    const named = scoped[1] ?? '';
    const matches = onnxFiles.filter((f) => f === named || path.resolve(f) === path.resolve(named) || path.basename(f) === named);
    if (matches.length !== 1) {
      const files = onnxFiles.length === 0 ? 'none' : onnxFiles.map((f) => `'${f}'`).join(', ');
      const found = matches.length === 0 ? `'${entry}', but '${named}' is not an ONNX file of --networks` : `'${entry}', but '${named}' names ${matches.length} files of --networks`;
      throw new ValidationError('--input-shape', 'input-shape', found, `FILE.onnx@entry with FILE one of the ONNX files given (${files}), as written there when two share a base name`);
    }
    const file = matches[0] as string;
    own.set(file, [...(own.get(file) ?? []), scoped[2] ?? '']);
  }
  return {
    forFile: (file) => {
      const entries = [...common, ...(own.get(file) ?? [])];
      return entries.length === 0 ? undefined : entries.join(' ');
    },
    unscoped: common.length > 0,
  };
}
