import seedrandom from 'seedrandom';
import { isRepetition, seedStream } from '../optimizer/search/seed-stream';

describe('seedStream', () => {
  it('finds repeated texts', () => {
    expect(['11', '1212', '777', 'abab'].map(isRepetition)).toEqual([true, true, true, true]);
    expect(['1', '12', '121', '10', '1:rl'].map(isRepetition)).toEqual([false, false, false, false, false]);
  });

  it('gives every seed 1..3000 its own stream (plain seedrandom gives 11 the stream of 1)', () => {
    expect(seedrandom('11')()).toBe(seedrandom('1')());
    const firsts = new Map<string, number>();
    for (let seed = 1; seed <= 3000; seed++) {
      const r = seedStream(seed);
      const key = `${r()},${r()}`;
      expect(firsts.get(key)).toBeUndefined();
      firsts.set(key, seed);
    }
  });

  it('keeps the stream of a seed that is no repetition', () => {
    for (const seed of [1, 2, 5, 12, 123, 'study']) expect(seedStream(seed)()).toBe(seedrandom(String(seed))());
  });
});
