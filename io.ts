import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputFileError } from './errors';
import { jsonErrorOffset, lineAndColumn } from './json-locate';

/** Reads a UTF-8 file; a missing or unreadable file is the user's InputFileError. */
export function readTextFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(file, code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(error)})`);
  }
}

/** Parses JSON text; a syntax error becomes InputFileError with the line and column (json-locate.ts finds them). */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const offset = jsonErrorOffset(text);
    if (offset === undefined) throw new InputFileError(source, `malformed JSON: ${message}`);
    const { line, column } = lineAndColumn(text, offset);
    const at = offset >= text.length ? 'the end of the file' : `line ${line}, column ${column}`;
    const near = offset >= text.length ? ' (truncated?)' : ` near ${JSON.stringify(text.slice(offset, offset + 12))}`;
    throw new InputFileError(source, `malformed JSON at ${at}${near}.`);
  }
}

export function readJsonFile(file: string): unknown {
  return parseJsonText(readTextFile(file), file);
}

/** Writes a file atomically: a temp file beside it, then rename, so nothing half-written is left. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temp, content);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
