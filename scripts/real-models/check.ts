/**
 * `node dist/scripts/real-models/check.js [--sim] [name...]`: every catalogued real model (or the named ones)
 * fetched if needed, imported, its parameters compared with the independent count, the analytical model
 * evaluated, and with --sim the simulator run beside it: the interval of a 3-image stream, the latency of one image
 * alone (what `lrmp validate` compares). One line per model.
 */
import * as fs from 'node:fs';
import { loadArch } from '../../arch/load';
import { evaluateModel, prepareModel } from '../../optimizer/model';
import { simulate } from '../../sim';
import { importOnnx } from '../../workloads/onnx';
import { resolveNetwork } from '../../workloads/shapes';
import { parseInputSpec } from '../commands/inputs';
import { REAL_MODELS } from './catalog';
import { modelFile } from './fetch';
import { countOnnxParams } from './param-count';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const withSim = args.includes('--sim');
  const names = args.filter((a) => !a.startsWith('--'));
  const models = names.length > 0 ? REAL_MODELS.filter((m) => names.includes(m.name)) : REAL_MODELS;
  process.stdout.write('model, import_ms, layers, params, independent_params, params_match, model_interval_cycles, sim_interval_cycles, model_vs_sim, model_latency_cycles, sim_latency_cycles, latency_model_vs_sim\n');
  for (const m of models) {
    try {
      const file = modelFile(m);
      const start = Date.now();
      const net = resolveNetwork(importOnnx(file, { source: m.name, ...(m.inputSpec ? parseInputSpec(m.inputSpec) : {}) }));
      const importMs = Date.now() - start;
      const independent = countOnnxParams(fs.readFileSync(file));
      const preset = loadArch({ arch: 'puma', overrideFiles: [], sets: m.sets ?? [] });
      const n = net.weightedIndices.length;
      const choices = { wbits: Array<number>(n).fill(8), abits: Array<number>(n).fill(8), replicas: Array<number>(n).fill(1) };
      // The baseline runs on the tiles it needs, as in `lrmp validate` (ppocr-rec-v4 needs 140 of PUMA's 138).
      const needed = evaluateModel(prepareModel({ ...preset, chip: { tiles: 1e6 } }, net), choices).tilesUsed;
      const arch = { ...preset, chip: { tiles: Math.max(preset.chip.tiles, needed) } };
      const model = evaluateModel(prepareModel(arch, net), choices);
      const pct = (a: number, b: number): string => `${(((a - b) / b) * 100).toFixed(1)}%`;
      let simCycles = '';
      let error = '';
      let simLatency = '';
      let latencyError = '';
      if (withSim) {
        const sim = await simulate(arch, net, choices, { images: 3 });
        simCycles = String(Math.round(sim.intervalCycles));
        error = pct(model.bottleneckCycles, sim.intervalCycles);
        const single = await simulate(arch, net, choices, { images: 1 });
        simLatency = String(Math.round(single.latencyCycles));
        latencyError = pct(model.latencyCycles, single.latencyCycles);
      }
      const row = [m.name, importMs, net.layers.length, net.totalParams, independent, net.totalParams === independent ? 'yes' : 'NO', Math.round(model.bottleneckCycles), simCycles, error, Math.round(model.latencyCycles), simLatency, latencyError];
      process.stdout.write(`${row.join(', ')}\n`);
    } catch (e) {
      process.stdout.write(`${m.name}, failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''}\n`);
    }
  }
}

void main();
