import { applySetOverrides } from '../arch/overrides';
import { mapLayer, replicaMvmCycles } from '../arch/mapping';
import { presetArch } from '../arch/presets';
import { adcSharers } from '../arch/timing';
import { chipAreaMm2, componentInventory, peakOpsPerSecond, crossbarUnitAreaMm2 } from '../arch/area';
import { crossbarCost } from '../arch/crossbar-cost';
import { validateArchSpec } from '../arch/validate';
import { ValidationError } from '../errors';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { buildTables, stageCycles } from '../optimizer/replication/tables';
import { resolveNetwork } from '../workloads/shapes';
import type { Network } from '../workloads/types';
import { uncontendedArch } from './helpers/model-fixtures';

/*
 * Hand-worked ADC sharing. One 3x3 conv, 8 -> 16 channels on an 8x8 input (pad 1): 72 rows, 16 outputs x 4 slices
 * (8-bit weights, 2 bits per cell) = 64 columns: one crossbar per replica, 64 output pixels. ADC at 1 GS/s on a
 * 1 GHz chip: a crossbar alone converts its 64 columns in 64 cycles; an MVM streams 8 input bits + 2 fill sweeps.
 *   k = 1: sweep 64, MVM 640, r = 1: 64 x 640 = 40960; r = 2: 32 x 640 = 20480.
 *   k = 2: r = 1 alone on its ADC: 640 per MVM; r = 2 share one ADC: its 8 steps of 64 conversions for each of the
 *          2 crossbars take 1024 cycles per MVM round (the fill sweeps overlap the other's conversions):
 *          max(640, 8 x 128) = 1024, 32 x 1024 = 32768; r = 4: two ADCs, 16 x 1024 = 16384.
 *   k = 8: r = 4: 4 on one ADC, max(640, 8 x 256) = 2048, 16 x 2048 = 32768; r = 8: 8 x 4096 = 32768;
 *          r = 16: 4 x 4096 = 16384.
 * So replicas on one shared ADC buy only the fill sweeps they overlap: the ADC, not the arrays, sets the pace.
 */
function oneConv(): Network {
  return {
    name: 'one-conv',
    input: { channels: 8, height: 8, width: 8 },
    layers: [
      {
        kind: 'conv',
        name: 'c',
        inputs: ['input'],
        outChannels: 16,
        kernel: [3, 3],
        stride: [1, 1],
        pad: [1, 1, 1, 1],
        dilation: [1, 1],
        groups: 1,
        bias: false,
      },
    ],
  };
}

function shared(k: number) {
  return applySetOverrides(uncontendedArch('puma'), ['adc.sampleRateGsps=1', `adc.crossbarsPerAdc=${k}`]);
}

const net = resolveNetwork(oneConv());
const conv = net.layers[0]!;

describe('ADC sharing: timing worked by hand (1, 2 and 8 crossbars per ADC)', () => {
  test.each([
    [1, 1, 640, 40960],
    [1, 2, 640, 20480],
    [2, 1, 640, 40960],
    [2, 2, 1024, 32768],
    [2, 4, 1024, 16384],
    [8, 4, 2048, 32768],
    [8, 8, 4096, 32768],
    [8, 16, 4096, 16384],
  ])('k=%i crossbars per ADC, %i replicas: MVM %i cycles, stage %i cycles', (k, r, mvm, stage) => {
    const arch = shared(k);
    const m = mapLayer(arch, conv, 8, 8);
    expect([m.crossbarsPerReplica, m.usedColsPerCrossbar, m.sweepsPerMvm, m.outputPixels]).toEqual([1, 64, 10, 64]);
    expect(adcSharers(arch, 1, r)).toBe(Math.min(k, r));
    expect(replicaMvmCycles(arch, m, r)).toBe(mvm);
    const model = evaluateModel(prepareModel(arch, net), { wbits: [8], abits: [8], replicas: [r] });
    expect(model.layers[0]?.computeCycles).toBe(stage);
    // The uncontended chip leaves only the first read of each row job on top of compute (port-queue term).
    expect(model.layers[0]?.stageCycles).toBeGreaterThanOrEqual(stage);
    expect(model.layers[0]?.stageCycles).toBeLessThan(stage * 1.01);
    // The replication MILP's tables agree with the full model at every replica count.
    const tables = buildTables(prepareModel(arch, net), [8], [8]);
    expect(stageCycles(tables.layers[0]!, r)).toBe(stage);
  });

  test('a replica wider than the group shares only with its own crossbars: ResNet-18 conv1 (4 crossbars) at k=8', () => {
    const arch = applySetOverrides(presetArch('puma'), ['adc.crossbarsPerAdc=8']);
    const resnet = resolveNetwork(require('../workloads/zoo').zooNetwork('resnet18') as Network);
    const conv1 = resnet.layers.find((l) => l.layer.name === 'conv1')!;
    const m = mapLayer(arch, conv1, 8, 8);
    // 4 crossbars of 128 used columns on one ADC: 4 x 100 = 400 cycles per sweep, 10 sweeps.
    expect([m.crossbarsPerReplica, m.adcSharers, m.sweepCycles, m.mvmCycles]).toEqual([4, 4, 400, 4000]);
    // Two replicas fill the group of 8: 8 steps x 8 crossbars x 100 = 6400 per MVM round, above 4000.
    expect(replicaMvmCycles(arch, m, 2)).toBe(6400);
    expect(replicaMvmCycles(arch, m, 5)).toBe(6400);
  });

  test('sharing changes ADC count, area and peak throughput, not the conversions or their energy', () => {
    const base = presetArch('isaac');
    const four = applySetOverrides(base, ['adc.crossbarsPerAdc=4']);
    const adcs = (a: typeof base) => componentInventory(a).find((l) => l.component === 'adc')!.count;
    expect(adcs(four)).toBe(adcs(base) / 4);
    expect(crossbarUnitAreaMm2(base) - crossbarUnitAreaMm2(four)).toBeCloseTo((3 / 4) * base.adc.areaMm2, 12);
    expect(peakOpsPerSecond(four)).toBeCloseTo(peakOpsPerSecond(base) / 4, -3);
    const m0 = mapLayer(base, conv, 8, 8);
    const m4 = mapLayer(four, conv, 8, 8);
    expect(m4.conversionsPerMvm).toBe(m0.conversionsPerMvm);
  });

  test('validation: a group must sit in one core, and cannot be combined with several ADCs per crossbar', () => {
    const spec = structuredClone(presetArch('puma')) as unknown as Record<string, Record<string, unknown>>;
    spec['adc']!['crossbarsPerAdc'] = 3; // PUMA cores hold 16 crossbars
    expect(() => validateArchSpec(spec, 'x')).toThrow(ValidationError);
    expect(() => validateArchSpec(spec, 'x')).toThrow(/adc\.crossbarsPerAdc.*divisor of core\.crossbars \(16\)/s);
    spec['adc']!['crossbarsPerAdc'] = 2;
    spec['adc']!['perCrossbar'] = 2;
    expect(() => validateArchSpec(spec, 'x')).toThrow(/either several ADCs per crossbar or several crossbars per ADC/);
    spec['adc']!['perCrossbar'] = 1;
    expect(validateArchSpec(spec, 'x').adc.crossbarsPerAdc).toBe(2);
  });
});

describe('crossbar area and power follow the array size', () => {
  test('256x256 is 4x the 128x128 array (PUMA xbar_area_dict 1e-4 mm2, xbar_pow_dict 1.2 mW); cell bits do not change it', () => {
    const puma = presetArch('puma');
    const big = applySetOverrides(puma, ['crossbar.rows=256', 'crossbar.cols=256']);
    expect(crossbarCost(big).areaMm2).toBeCloseTo(1e-4, 12);
    expect(crossbarCost(big).powerMw).toBeCloseTo(1.2, 12);
    const small = applySetOverrides(puma, ['crossbar.rows=32', 'crossbar.cols=32']);
    expect(crossbarCost(small).areaMm2).toBeCloseTo(1.5625e-6, 14);
    expect(crossbarCost(applySetOverrides(puma, ['crossbar.cellBits=4'])).areaMm2).toBe(puma.crossbar.areaMm2);
    const arrays = (a: typeof puma) => componentInventory(a).find((l) => l.component === 'crossbar')!;
    expect(arrays(big).count * arrays(big).cost.areaMm2).toBeCloseTo(4 * arrays(puma).count * arrays(puma).cost.areaMm2, 9);
    expect(chipAreaMm2(big)).toBeGreaterThan(chipAreaMm2(puma));
  });
});
