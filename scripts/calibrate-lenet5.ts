/**
 * Calibrates the separable accuracy proxy of lenet5-mnist from measurements (optimizer/README.md, "Measured
 * accuracy"): each weighted layer's weights, then its input activations, are quantized alone to 2..6 bits (every other
 * layer at 8/8, the optimizer's baseline), and the drops, measured on the proxy-fit split (training images, never the
 * held-out images the measured oracle and every comparison use), are fitted, by least squares through the origin, to the
 * proxy's form s * q(b) with the proxy's own q (optimizer/accuracy/proxy.ts), rho fitted to the measured drops of
 * uniform 3- and 2-bit middle layers (written as the network's proxy calibration points d3, d2). Writes
 * workloads/trained/lenet5-mnist.calibration.json, which the zoo entry reads (floatAccuracyPct, sensitivities).
 *
 * Usage: node dist/scripts/calibrate-lenet5.js [--out FILE]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fitNoiseBase } from '../optimizer/accuracy/calibration';
import { createMeasuredOracle } from '../optimizer/accuracy/measured';
import { trainedDir } from '../optimizer/accuracy/measured/weights';
import { noiseFactor } from '../optimizer/accuracy/proxy';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';

const NETWORK = 'lenet5-mnist';
const BITS = [2, 3, 4, 5, 6] as const;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function main(): void {
  const args = process.argv.slice(2);
  const out = args.includes('--out') ? (args[args.indexOf('--out') + 1] as string) : path.join(trainedDir(), `${NETWORK}.calibration.json`);
  const net = resolveNetwork(zooNetwork(NETWORK));
  // Drops are measured on the proxy-fit split; the held-out split only supplies the reported figures (float
  // accuracy, uniform plans), so proxy-vs-measured comparisons on held-out images test the proxy out of sample.
  const oracle = createMeasuredOracle(net, { split: 'proxy-fit' });
  const heldOut = createMeasuredOracle(net);
  const n = net.weightedIndices.length;
  const names = net.weightedIndices.map((i) => net.layers[i]?.layer.name ?? String(i));
  const floatPct = heldOut.floatAccuracyPct();
  const uniform = (w: number, a: number, middleOnly = false) => ({
    wbits: Array.from({ length: n }, (_, i) => (middleOnly && (i === 0 || i === n - 1) ? 8 : w)),
    abits: Array.from({ length: n }, (_, i) => (middleOnly && (i === 0 || i === n - 1) ? 8 : a)),
  });
  // The reference of every drop is 8/8 everywhere, the baseline the optimizer starts from.
  const base = oracle.measure(uniform(8, 8));
  const d3 = base - oracle.measure(uniform(3, 3, true));
  const d2 = base - oracle.measure(uniform(2, 2, true));
  // The proxy's noise base for this network comes from these two measured points (calibration.ts reads them back
  // from the file this script writes), so q(b) here is the q the proxy will use.
  const rho = fitNoiseBase(Math.max(0.05, d3), Math.max(0.05, d2));

  const sensitivities: Record<string, { weight: number; activation: number }> = {};
  const measurements: Record<string, { weight: Record<string, number>; activation: Record<string, number> }> = {};
  let sse = 0;
  let points = 0;
  names.forEach((name, pos) => {
    const fit: Record<'weight' | 'activation', number> = { weight: 0, activation: 0 };
    const meas: Record<'weight' | 'activation', Record<string, number>> = { weight: {}, activation: {} };
    for (const kind of ['weight', 'activation'] as const) {
      let num = 0;
      let den = 0;
      const drops: number[] = [];
      for (const b of BITS) {
        const c = uniform(8, 8);
        (kind === 'weight' ? c.wbits : c.abits)[pos] = b;
        const drop = base - oracle.measure(c);
        drops.push(drop);
        meas[kind][String(b)] = round3(drop);
        const q = noiseFactor(rho, b);
        num += drop * q;
        den += q * q;
      }
      // A negative fit (noise: quantizing helped) is no sensitivity.
      fit[kind] = round3(Math.max(0, num / den));
      BITS.forEach((b, k) => {
        sse += ((drops[k] as number) - fit[kind] * noiseFactor(rho, b)) ** 2;
        points++;
      });
    }
    sensitivities[name] = fit;
    measurements[name] = meas;
    process.stderr.write(`${name}: weight ${fit.weight}, activation ${fit.activation} (drops w ${JSON.stringify(meas.weight)} a ${JSON.stringify(meas.activation)})\n`);
  });

  const result = {
    network: NETWORK,
    note:
      'Written by scripts/calibrate-lenet5.ts; do not edit by hand. Drops and sensitivities: measured on the proxy-fit split ' +
      '(training images); float accuracy and measuredUniform: on the held-out split.',
    floatAccuracyPct: round3(floatPct),
    heldOutImages: heldOut.heldOutImages,
    proxyFitImages: oracle.heldOutImages,
    standardErrorPct: round3(heldOut.standardErrorPct(floatPct)),
    measuredUniform: {
      '8/8': round3(heldOut.measure(uniform(8, 8))),
      '4/4': round3(heldOut.measure(uniform(4, 4))),
      '3/3 middle layers (first, last 8/8)': round3(heldOut.measure(uniform(3, 3, true))),
      '2/2 middle layers (first, last 8/8)': round3(heldOut.measure(uniform(2, 2, true))),
      '2/2': round3(heldOut.measure(uniform(2, 2))),
    },
    proxyFitUniform: {
      '8/8': round3(base),
      '3/3 middle layers (first, last 8/8)': round3(oracle.measure(uniform(3, 3, true))),
      '2/2 middle layers (first, last 8/8)': round3(oracle.measure(uniform(2, 2, true))),
    },
    measuredD3: round3(d3),
    measuredD2: round3(d2),
    proxyCalibration: {
      d3: round3(Math.max(0.05, d3)),
      d2: round3(Math.max(0.05, d2)),
      fpAccuracyPct: round3(floatPct),
      source: `measured: scripts/calibrate-lenet5.ts, post-training quantization, middle layers at 3/3 and 2/2 bits, ${oracle.heldOutImages} proxy-fit (training) MNIST images`,
    },
    proxyNoiseBase: round3(rho),
    fitRmsPoints: round3(Math.sqrt(sse / Math.max(1, points))),
    sensitivities,
    singleLayerDrops: measurements,
  };
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
}

main();
