import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { InputFileError, OutputFileError } from './errors';
import { duplicateKeyAt, jsonErrorOffset, lineAndColumn } from './json-locate';
import { decodeText } from './text-decode';
import { copyInto, writeAllTo, writeDirect } from './direct-output';
import { keepTempUntilReleased, tempReleased } from './interrupt';

/** Reads a UTF-8 file (decodeText); a missing or unreadable file is the user's InputFileError. */
export function readTextFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(file, code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(error)})`);
  }
  return decodeText(bytes, file);
}

/** Deepest nesting of arrays and objects any input file may have (a network or arch needs fewer than 10). */
export const MAX_JSON_DEPTH = 64;

/** Where the nesting of `text` first goes deeper than MAX_JSON_DEPTH (offset), or undefined. Strings are skipped. */
function tooDeepAt(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

/**
 * Parses JSON text; a syntax error becomes InputFileError with the line and column (json-locate.ts finds them).
 * Nesting deeper than MAX_JSON_DEPTH, a `__proto__` key (which would reach an object's prototype when merged) and
 * a key given twice in one object (JSON.parse would keep the last) are errors too, before anything walks the document.
 */
export function parseJsonText(text: string, source: string): unknown {
  const deep = tooDeepAt(text);
  if (deep !== undefined) {
    const { line, column } = lineAndColumn(text, deep);
    throw new InputFileError(source, `JSON nested more than ${MAX_JSON_DEPTH} levels deep at line ${line}, column ${column}; lrmp's files need a few levels.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const offset = jsonErrorOffset(text);
    if (offset === undefined) throw new InputFileError(source, `malformed JSON: ${message}`);
    const { line, column } = lineAndColumn(text, offset);
    const at = offset >= text.length ? 'the end of the file' : `line ${line}, column ${column}`;
    const near = offset >= text.length ? ' (truncated?)' : ` near ${JSON.stringify(text.slice(offset, offset + 12))}`;
    throw new InputFileError(source, `malformed JSON at ${at}${near}.`);
  }
  rejectProtoKeys(value, '', source);
  const twice = duplicateKeyAt(text);
  if (twice !== undefined) {
    const { line, column } = lineAndColumn(text, twice.offset);
    throw new InputFileError(source, `the key ${JSON.stringify(twice.key)} appears twice in one object (again at line ${line}, column ${column}); JSON keeps only the last, so give each key once.`);
  }
  return value;
}

/** A `__proto__` key anywhere is an error naming its path (JSON.parse keeps it as an own key; a merge would not). */
function rejectProtoKeys(value: unknown, path: string, source: string): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => rejectProtoKeys(item, `${path}[${i}]`, source));
    return;
  }
  for (const key of Object.keys(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (key === '__proto__') throw new InputFileError(source, `field '${at}': the key '__proto__' is not allowed (no lrmp file has it).`);
    rejectProtoKeys((value as Record<string, unknown>)[key], at, source);
  }
}

export function readJsonFile(file: string): unknown {
  return parseJsonText(readTextFile(file), file);
}

/** What a non-regular file is, for messages. */
function fileKind(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isFIFO()) return 'a named pipe';
  return stat.isFile() ? 'a file' : 'not a regular file';
}

/** A file-system error as the user's OutputFileError (no space, no permission, read-only disk...). */
export function outputError(file: string, error: unknown): OutputFileError {
  if (error instanceof OutputFileError) return error; // already the user's message (direct-output.ts)
  const code = (error as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOSPC: 'no space left on the device',
    EROFS: 'the file system is read-only',
    ENOTDIR: 'a folder on its path is a file',
    EISDIR: 'it is a directory',
    EEXIST: 'a folder on its path is a file',
    ENAMETOOLONG: 'the name is too long',
    ENXIO: 'no such device or address (a terminal, when there is no controlling terminal?)',
  };
  return new OutputFileError(file, `cannot be written: ${(code !== undefined ? why[code] : undefined) ?? (code ?? String(error))}.`);
}

/**
 * Where an output really goes. `path` is the file a temp file is renamed onto: the end of the link chain of `file`
 * (its folders resolved too), so a symbolic link stays a link and its target gets the content (a rename onto the
 * link itself would replace the link: as root, `--out /dev/stdout` replaced /dev/stdout and the output was lost).
 * `direct` targets take the bytes in place, never a rename: a character device or named pipe (/dev/null, a FIFO),
 * or one of this process's open files (/dev/stdout, /dev/fd/N, /proc/self/fd/N: `fd`, written at its offset, so
 * `>>` appends).
 */
export interface OutputTarget {
  path: string;
  direct: boolean;
  fd?: number;
}

/** Links followed before giving up (the kernel's own limit is 40). */
const MAX_LINK_HOPS = 40;

/** `dir` with its links resolved, or as given when it does not exist yet (it is created on write). */
function realDir(dir: string): string {
  try {
    return fs.realpathSync.native(dir); // native: the kernel's ".." (the JS one resolves it as text first)
  } catch {
    return dir;
  }
}

/** `target` taken from `dir` without normalising its '..' (path.resolve would drop a linked folder before it). */
function unnormalised(dir: string, target: string): string {
  return path.isAbsolute(target) ? target : `${dir}${path.sep}${target}`;
}

/** The descriptor N of /proc/<this pid>/fd/N (where /dev/fd, /dev/stdout and /proc/self/fd lead), else undefined. */
function ownFd(file: string): number | undefined {
  const m = /^\/proc\/(\d+)\/fd\/(\d+)$/.exec(file);
  return m !== null && Number(m[1]) === process.pid ? Number(m[2]) : undefined;
}

/**
 * Resolves `file` to its OutputTarget; it does not exist yet, or is a regular file, a character device, a named
 * pipe or an open descriptor of this process. A directory, socket or block device is refused.
 * @throws OutputFileError
 */
export function outputTarget(file: string): OutputTarget {
  // Joined as text, not path.resolve'd: 'link/../f' is the kernel's '..' of the link's target, which realDir resolves
  // (resolving it as text named another file).
  let current = unnormalised(process.cwd(), file);
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
    const dir = realDir(path.dirname(current));
    current = path.join(dir, path.basename(current));
    const fd = ownFd(current);
    if (fd !== undefined) {
      try {
        fs.fstatSync(fd);
      } catch (error) {
        throw outputError(file, error);
      }
      return { path: current, direct: true, fd };
    }
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(current);
      if (stat.isSymbolicLink()) {
        current = unnormalised(dir, fs.readlinkSync(current));
        continue;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path: current, direct: false };
      throw outputError(file, error);
    }
    if (stat.isFile()) return { path: current, direct: false };
    if (stat.isCharacterDevice() || stat.isFIFO()) return { path: current, direct: true };
    throw new OutputFileError(file, `is ${fileKind(stat)}; lrmp writes its outputs to files, character devices (/dev/null) and pipes (give a file name).`);
  }
  throw new OutputFileError(file, `cannot be written: more than ${MAX_LINK_HOPS} symbolic links in a chain (a loop?).`);
}

/**
 * Checks that `file` may be written (outputTarget). Regular files are replaced by renaming a temp file onto them;
 * devices and pipes are written in place. `regularOnly`: a file that is read back too (a resumable sweep CSV).
 * @throws OutputFileError
 */
export function checkOutputPath(file: string, regularOnly = false): void {
  const target = outputTarget(file);
  // /dev/stdout redirected to a file (`> sweep.csv`) is that file: it can be read back and appended to.
  if (!regularOnly || isRegularTarget(target)) return;
  throw new OutputFileError(file, 'is a device or pipe; this output is read back (--resume, --plots), so it must be a regular file.');
}

/**
 * True when writing `file` reaches this process's stdout (/dev/stdout, /dev/fd/1, or the file or pipe stdout is
 * redirected to), so a report printed on stdout would land among that output. A device (/dev/null, a terminal)
 * shared with stdout does not count: nothing is read back from it.
 */
export function isStdout(file: string): boolean {
  try {
    const target = outputTarget(file);
    if (target.fd === 1) return true;
    const stdout = fs.fstatSync(1);
    const stat = target.fd !== undefined ? fs.fstatSync(target.fd) : fs.statSync(target.path);
    return !stdout.isCharacterDevice() && stat.dev === stdout.dev && stat.ino === stdout.ino;
  } catch {
    return false; // not made yet, or stdout closed: not the same file
  }
}

/** Whether an output that is read back (--resume, --plots) may be written to `file`: a regular file, or stdout redirected to one. */
export function isRegularTarget(target: OutputTarget): boolean {
  if (!target.direct) return true;
  return target.fd !== undefined && fs.fstatSync(target.fd).isFile();
}

/** A file named on the command line, with the option that names it (for messages). */
export interface NamedFile {
  option: string;
  file: string | undefined;
}

/** Device and inode of an existing file (links and other spellings of one path agree), else undefined. */
function identity(file: string): string | undefined {
  try {
    const stat = fs.statSync(file);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined;
  }
}

function sameFile(a: string, b: string): boolean {
  const ia = identity(a);
  const ib = identity(b);
  return ia !== undefined && ib !== undefined ? ia === ib : canonical(a) === canonical(b);
}

/** The path a file would be written at (links and linked folders resolved), for comparing files not yet made. */
function canonical(file: string): string {
  try {
    return outputTarget(file).path;
  } catch {
    return path.resolve(file);
  }
}

/**
 * checkOutputPath for each output, and no output the same file as another output (only the last written would be
 * left) or as an existing input file (`lrmp import m.onnx --out m.onnx` replaced the model with its JSON).
 * @throws OutputFileError
 */
export function checkOutputPaths(outputs: readonly NamedFile[], inputs: readonly NamedFile[] = []): void {
  const given = outputs.filter((o): o is { option: string; file: string } => o.file !== undefined);
  for (const o of given) checkOutputPath(o.file);
  given.forEach((o, i) => {
    const twin = given.slice(0, i).find((earlier) => sameFile(earlier.file, o.file));
    if (twin) throw new OutputFileError(o.file, `is given to both ${twin.option} and ${o.option}; each output needs a file of its own.`);
    const input = inputs.find((inp) => inp.file !== undefined && identity(inp.file) !== undefined && sameFile(inp.file, o.file));
    if (input) throw new OutputFileError(o.file, `is the ${input.option} input; writing ${o.option} there would destroy it (give another file name).`);
  });
}

/**
 * The temp file for a write of `file`, registered for removal on interrupt; the target is checked and its folder
 * created first. It lies beside the real target (outputTarget), so the rename stays on one file system; for a
 * direct target (a device, pipe or open descriptor) it lies in the system's temp folder and is copied in at the end.
 * Call releaseTemp when done.
 * @throws OutputFileError
 */
export function tempFileFor(file: string): string {
  const target = outputTarget(file);
  const dir = target.direct ? os.tmpdir() : path.dirname(target.path);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw outputError(file, error);
  }
  const temp = path.join(dir, `.${path.basename(target.path)}.${process.pid}.${threadId}.tmp`);
  keepTempUntilReleased(temp);
  return temp;
}

/** Renames a finished temp file into place, or copies it into a direct target (commit), or removes it. */
export async function releaseTemp(temp: string, file: string, commit: boolean): Promise<void> {
  if (!commit) {
    fs.rmSync(temp, { force: true });
    tempReleased(temp);
    return;
  }
  try {
    const target = outputTarget(file); // it may have changed while the temp file was written
    if (target.direct) await copyInto(temp, target, file);
    else fs.renameSync(temp, target.path);
  } catch (error) {
    throw error instanceof OutputFileError ? error : outputError(file, error);
  } finally {
    fs.rmSync(temp, { force: true });
    tempReleased(temp); // only now: a copy into a pipe may wait for its reader, and Ctrl-C must still remove it
  }
}

/**
 * Writes a file atomically: a temp file beside its real target, then rename, so nothing half-written is left; a
 * device, pipe or open descriptor (/dev/stdout) is written in place, without blocking the event loop while a named
 * pipe waits for its reader (direct-output.ts).
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const target = outputTarget(file);
  if (target.direct) {
    try {
      await writeDirect(target, (fd) => writeAllTo(fd, typeof content === 'string' ? Buffer.from(content) : content));
    } catch (error) {
      throw outputError(file, error);
    }
    return;
  }
  const temp = tempFileFor(file);
  try {
    fs.writeFileSync(temp, content);
  } catch (error) {
    await releaseTemp(temp, file, false);
    throw outputError(file, error);
  }
  await releaseTemp(temp, file, true);
}

/** Checks that `dir` is a folder, or does not exist yet (it is created on write). @throws OutputFileError */
export function checkOutputDir(dir: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw outputError(dir, error);
  }
  if (!stat.isDirectory()) throw new OutputFileError(dir, `is ${fileKind(stat)}, not a folder; give a folder for the files.`);
}
