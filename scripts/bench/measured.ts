import seedrandom from 'seedrandom';
import { createMeasuredOracle } from '../../optimizer/accuracy/measured';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNetwork } from '../../workloads/zoo';
import { medianRatePerS } from './measure';

/**
 * Measured-accuracy evaluations of lenet5-mnist per second: each a fresh (never cached) random precision choice,
 * quantized and run over the whole held-out split (2,000 images). Oracle set-up (loading the digits, calibrating
 * activation clips) is done once, outside the timing, as a search does it once.
 */
export function measuredAccuracyEvalsPerS(): number {
  const net = resolveNetwork(zooNetwork('lenet5-mnist'));
  const oracle = createMeasuredOracle(net);
  const rng = seedrandom('bench:measured');
  const n = net.weightedIndices.length;
  const bits = (): number => 2 + Math.floor(rng() * 7);
  const next = () => ({ wbits: Array.from({ length: n }, bits), abits: Array.from({ length: n }, bits) });
  oracle.floatAccuracyPct();
  return medianRatePerS(() => oracle.measure(next()), 5, 200);
}
