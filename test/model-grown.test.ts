import { grown } from '../optimizer/model/grown';

describe('grown', () => {
  test('returns the array itself when it is long enough', () => {
    const a = Int32Array.from([1, 2, 3]);
    expect(grown(a, 3)).toBe(a);
  });
  test('copies into an array of the same type, twice the asked length, entries kept and the rest 0', () => {
    const a = Float64Array.from([1.5, -2]);
    const b = grown(a, 3);
    expect(b).toBeInstanceOf(Float64Array);
    expect(Array.from(b)).toEqual([1.5, -2, 0, 0, 0, 0]);
    expect(grown(new Int32Array(0), 1)).toBeInstanceOf(Int32Array);
  });
});
