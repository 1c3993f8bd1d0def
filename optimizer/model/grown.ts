/**
 * A typed array of at least `length` entries holding `a`'s: `a` itself when long enough, else a copy twice that long
 * (scratch tables that grow with the evaluation and are reused by the next).
 */
export function grown<T extends Int32Array | Float64Array>(a: T, length: number): T {
  if (a.length >= length) return a;
  const b = new (a.constructor as new (n: number) => T)(2 * length);
  b.set(a);
  return b;
}
