/**
 * Real published ONNX models shipped in public npm packages (scripts/real-models/catalog.ts; the small,
 * permissively licensed ones are committed in test/fixtures): each imports, its parameter total equals an
 * independent count of the file's initializers (a plain protobuf walk), the analytical model and the simulator
 * agree within 10% at PUMA settings, and the optimizer runs on it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { presetArch } from '../arch/presets';
import { optimize } from '../optimizer/lrmp';
import { proxyOracle } from '../optimizer/accuracy/proxy';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { replicatedMixedChoices } from '../optimizer/replication';
import { imagesForSteadyState } from '../sim/pipeline-images';
import { parseInputSpec } from '../scripts/commands/inputs';
import { REAL_MODELS, type RealModel } from '../scripts/real-models/catalog';
import { countOnnxParams } from '../scripts/real-models/param-count';
import { simulate } from '../sim';
import { importOnnx } from '../workloads/onnx';
import { resolveNetwork } from '../workloads/shapes';
import type { ResolvedNetwork } from '../workloads/types';
import { baselineChoices } from '../arch/plan';

const committed = REAL_MODELS.filter((m): m is RealModel & { fixture: string } => m.fixture !== undefined);
const fileOf = (m: { fixture: string }): string => path.join(__dirname, 'fixtures', m.fixture);

function load(m: RealModel & { fixture: string }): ResolvedNetwork {
  return resolveNetwork(importOnnx(fileOf(m), { source: m.fixture, ...(m.inputSpec ? parseInputSpec(m.inputSpec) : {}) }));
}

const uniform = (net: ResolvedNetwork) => baselineChoices(net.weightedIndices.length);

describe('real ONNX models from npm packages', () => {
  test('at least 5 committed fixtures from 4 families, and the catalog covers the required kinds', () => {
    expect(committed.length).toBeGreaterThanOrEqual(5);
    expect(new Set(committed.map((m) => m.family.split(' (')[0])).size).toBeGreaterThanOrEqual(4);
    expect(REAL_MODELS.length).toBeGreaterThanOrEqual(10);
    const has = (re: RegExp): boolean => REAL_MODELS.some((m) => re.test(m.features));
    for (const re of [/Resize \+ Concat/, /LSTM/, /attention MatMul.*LayerNorm/, /int8/, /TensorFlow export/]) expect(has(re)).toBe(true);
  });

  test.each(committed.map((m) => [m.name, m] as const))('%s: parameters equal an independent count of the file', (_, m) => {
    const net = load(m);
    expect(net.totalParams).toBe(countOnnxParams(fs.readFileSync(fileOf(m))));
    expect(net.weightedIndices.length).toBeGreaterThan(0);
  });

  test('what the importer makes of them: LSTM as a recurrent layer, TF NHWC inputs streamed by image rows', () => {
    const silero = load(committed.find((m) => m.name === 'silero-vad-16k-op15') as RealModel & { fixture: string });
    const lstm = silero.layers.find((l) => l.layer.kind === 'conv' && l.layer.recurrent);
    // Silero's decoder LSTM: 128 features in, hidden 128, 4 gates: 4 x 128 x (128 + 128) weights + 2 x 4 x 128 biases.
    expect(lstm?.params).toBe(4 * 128 * 256 + 2 * 4 * 128);
    // 512 samples streamed one per row into the STFT convolution.
    expect(silero.network.input).toEqual({ channels: 1, height: 512, width: 1 });
    const face = load(committed.find((m) => m.name === 'blazeface-front') as RealModel & { fixture: string });
    expect(face.network.input).toEqual({ channels: 3, height: 128, width: 128 });
    expect(face.layers.some((l) => l.layer.kind === 'pad' && l.layer.axis === 'channels')).toBe(true);
    expect(face.layers.some((l) => l.layer.kind === 'reshape' && l.layer.rows === 'all')).toBe(false);
  });

  test('what the importer makes of the Faceplugin face models: grayscale inputs, the 68-point head, 18 Gemm in SSR-Net', () => {
    const fixtureOf = (name: string): RealModel & { fixture: string } => committed.find((m) => m.name === name) as RealModel & { fixture: string };
    const landmark = load(fixtureOf('fp-face-landmark'));
    expect(landmark.network.input).toEqual({ channels: 1, height: 64, width: 64 });
    // 68 landmarks, x and y each: the file's [1, 136] output, from one Gemm after Flatten.
    const head = landmark.layers[landmark.weightedIndices[landmark.weightedIndices.length - 1] ?? -1];
    expect(head?.layer.kind).toBe('fc');
    expect(head?.outShape.channels).toBe(68 * 2);
    // SSR-Net, per stage: the delta_k fc (1 output), one fc per stream (3 bins each), a fused fc (6), then the bin
    // probabilities and the index offsets (3 each): 6 Gemm x 3 stages, the file's nine outputs.
    const age = load(fixtureOf('fp-age'));
    expect(age.layers.filter((l) => l.layer.kind === 'fc').length).toBe(18);
    const eye = load(fixtureOf('fp-eye-state'));
    expect(eye.network.input).toEqual({ channels: 1, height: 24, width: 24 });
  });

  test.each(committed.map((m) => [m.name, m] as const))('%s: model and simulator agree within 10% at PUMA settings (interval, latency, a replicated plan)', async (_, m) => {
    const arch = presetArch('puma');
    const net = load(m);
    const choices = uniform(net);
    const ctx = prepareModel(arch, net);
    const model = evaluateModel(ctx, choices);
    const off = (a: number, b: number): number => Math.abs(a - b) / b;
    const sim = await simulate(arch, net, choices, { images: 3 });
    expect(off(model.bottleneckCycles, sim.intervalCycles)).toBeLessThan(0.1);
    // Latency as validate compares it: one image through the empty pipeline.
    const single = await simulate(arch, net, choices, { images: 1 });
    expect(off(model.latencyCycles, single.latencyCycles)).toBeLessThan(0.1);
    // validate's replicated plan (the model's bottleneck greedy on the baseline's tiles).
    const mixed = replicatedMixedChoices(ctx, model.tilesUsed);
    expect(mixed.replicas.some((r) => r > 1)).toBe(true);
    const replicated = evaluateModel(ctx, mixed);
    const simMixed = await simulate(arch, net, mixed, { images: imagesForSteadyState(replicated.latencyCycles, replicated.bottleneckCycles) });
    expect(off(replicated.bottleneckCycles, simMixed.intervalCycles)).toBeLessThan(0.1);
  }, 60000);

  test('the optimizer runs on the LSTM voice-activity detector (its recurrent layer keeps one replica)', async () => {
    const m = committed.find((x) => x.name === 'silero-vad-16k-op15') as RealModel & { fixture: string };
    const net = load(m);
    const result = await optimize(presetArch('puma'), net, proxyOracle(net), {
      objective: 'throughput', accuracyBudgetPct: 1, episodes: 4, seed: 3, milp: 'jslp', topK: 2, workers: 0, confirmImages: 2,
      search: { warmupEpisodes: 2 },
    });
    const chosen = result.rows.find((r) => r.variant === result.chosen);
    expect(chosen).toBeDefined();
    const lstmPos = net.weightedIndices.findIndex((i) => {
      const l = net.layers[i]?.layer;
      return l?.kind === 'conv' && l.recurrent !== undefined;
    });
    for (const row of result.rows) expect(row.choices.replicas[lstmPos]).toBe(1);
  }, 120000);
});
