import seedrandom from 'seedrandom';

/**
 * True when the text is a shorter text repeated ('11' = '1' x 2, '1212' = '12' x 2).
 */
export function isRepetition(text: string): boolean {
  for (let period = 1; period <= text.length / 2; period++) {
    if (text.length % period === 0 && text.slice(0, period).repeat(text.length / period) === text) return true;
  }
  return false;
}

/** Appended to a seed's key when the key alone would share another seed's stream. No number's text contains it. */
const SUFFIX = ':rl';

/**
 * The search's random stream for a user's seed. seedrandom's ARC4 repeats its key to fill the key schedule, so a
 * key and any repetition of it give the same stream: `--seed 11` searched exactly as `--seed 1` (s101). Such seeds
 * are keyed with a suffix that makes the key no repetition; so are (string) seeds already ending in it, or seed
 * '11:rl' would take seed 11's key. Every other seed keeps its key, so the figures published for it stay as they were.
 */
export function seedStream(seed: number | string): seedrandom.PRNG {
  const key = String(seed);
  return seedrandom(isRepetition(key) || key.endsWith(SUFFIX) ? `${key}${SUFFIX}` : key);
}

/** A further stream of the same seed for one purpose ('random', 'ensemble'): a key no other purpose or seed shares. */
export function purposeStream(seed: number | string, purpose: string): seedrandom.PRNG {
  return seedrandom(`${String(seed)}:${purpose}`);
}
