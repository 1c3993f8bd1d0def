/** Input files' bytes as text: strict UTF-8, with a clear error naming the first byte that is not. */
import { InputFileError } from './errors';

/** Strict UTF-8: an invalid byte throws instead of becoming U+FFFD. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes of the UTF-8 sequence a lead byte starts (1 for a byte that cannot lead one: the decoder refuses it). */
function sequenceLength(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

/**
 * Line and column (1-based, in bytes) of the first byte of `bytes` that is not valid UTF-8, and that byte: the
 * sequences are decoded one at a time (only once the whole text has failed), so valid multi-byte characters before
 * it count as they are.
 */
function firstInvalidUtf8(bytes: Uint8Array): { line: number; column: number; byte: number } {
  let line = 1;
  let lineStart = 0;
  let at = 0;
  while (at < bytes.length) {
    const lead = bytes[at] as number;
    const end = at + sequenceLength(lead);
    try {
      UTF8.decode(bytes.subarray(at, end));
    } catch {
      break;
    }
    if (lead === 0x0a) {
      line++;
      lineStart = end;
    }
    at = end;
  }
  return { line, column: at - lineStart + 1, byte: bytes[at] ?? 0 };
}

/**
 * A text file's bytes as UTF-8 text: a leading UTF-8 byte-order mark (Windows editors write one) is dropped, which
 * JSON.parse would refuse at 'line 1, column 1' before an invisible character; UTF-16 (its mark, or a NUL among the
 * first bytes) and bytes that are not UTF-8 (a Latin-1 'é' would silently become U+FFFD) are the user's
 * InputFileError, not a screen of mojibake.
 */
export function decodeText(bytes: Uint8Array, source: string): string {
  const head = bytes.subarray(0, 64);
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff) || head.includes(0)) {
    throw new InputFileError(source, 'is not UTF-8 text (UTF-16, or binary); save it as UTF-8.');
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    const { line, column, byte } = firstInvalidUtf8(bytes);
    const hex = byte.toString(16).toUpperCase().padStart(2, '0');
    throw new InputFileError(source, `is not UTF-8 text: byte 0x${hex} at line ${line}, column ${column} (Latin-1 or Windows-1252?); save it as UTF-8.`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
