/**
 * Finds where JSON text stops being valid. Node 20's JSON.parse reports a position for some syntax errors but
 * not for others ("Unexpected token '{', ... is not valid JSON"), and users need a line and column to fix a
 * hand-written file, so a failed parse is re-scanned here. Only called after JSON.parse has failed.
 */

class JsonSyntaxStop {
  constructor(readonly offset: number) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING_CHARS = /(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*/y;

/** Offset of the first character that makes `text` invalid JSON, or undefined if it is valid. */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const stop = (): never => {
    throw new JsonSyntaxStop(i);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const expect = (ch: string): void => {
    ws();
    if (text[i] !== ch) stop();
    i++;
  };
  const string = (): void => {
    if (text[i] !== '"') stop();
    i++;
    STRING_CHARS.lastIndex = i;
    STRING_CHARS.exec(text);
    i = STRING_CHARS.lastIndex;
    if (text[i] !== '"') stop();
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        string();
        expect(':');
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect('}');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect(']');
      }
    }
    if (c === '"') return string();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (NUMBER.exec(text) === null) stop();
    i = NUMBER.lastIndex;
  };
  try {
    value();
    ws();
    if (i < text.length) stop();
    return undefined;
  } catch (error) {
    if (error instanceof JsonSyntaxStop) return error.offset;
    throw error;
  }
}

/** 1-based line and column of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}
