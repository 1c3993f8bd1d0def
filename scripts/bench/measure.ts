/** Median of repeated measurements: a small shared machine is noisy, a median of several runs less so. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Calls `fn` repeatedly for about `windowMs`, `windows` times; returns the median rate in calls per second. */
export function medianRatePerS(fn: () => void, windows = 5, windowMs = 400): number {
  const rates: number[] = [];
  for (let w = 0; w < windows; w++) {
    const start = performance.now();
    let calls = 0;
    let elapsed = 0;
    do {
      fn();
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < windowMs);
    rates.push((calls * 1000) / elapsed);
  }
  return median(rates);
}

export function printFigure(name: string, value: number, unit: string): void {
  const text = Number.isInteger(value) ? String(value) : value.toPrecision(4);
  process.stdout.write(`${name}: ${text} ${unit}\n`);
}
