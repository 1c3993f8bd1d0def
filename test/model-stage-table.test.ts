/**
 * An evaluation's stage table (optimizer/model/stage-table.ts) and the LayerStage objects made from it say the same:
 * each stage's time is its largest term and its bound names that term (rule 7), the table's bottleneck is the
 * result's, and the objects packed back give the table bit for bit.
 */
import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import { evaluateModel, prepareModel } from '../optimizer/model';
import type { LayerStage, StageBound } from '../optimizer/model';
import { bottleneckIndex, hasStage, newStageSlab, newStageTable, slabStageTable, STAGE_WIDTH, stageCount, stageTableOf } from '../optimizer/model/stage-table';
import { globalFloorCycles, layerFloorCycles } from '../optimizer/replication/tables';
import { mixedReplicatedChoices, zoo } from './helpers/model-fixtures';

const TERMS: Array<[StageBound, (s: LayerStage) => number]> = [
  ['compute', (s) => s.computeCycles],
  ['shift-add', (s) => s.shiftAddCycles],
  ['noc-in', (s) => s.nocInCycles],
  ['noc-out', (s) => s.nocOutCycles],
  ['mesh-link', (s) => s.meshLinkCycles],
  ['edram', (s) => s.edramCycles],
  ['digital', (s) => s.digitalCycles],
  ['attention', (s) => s.attentionCycles],
  ['off-chip', (s) => s.offChipCycles],
  ['line-buffer', (s) => s.lineBufferCycles],
  ['port-queue', (s) => s.portQueueCycles],
  ['credit-loop', (s) => s.creditLoopCycles],
];

describe('stage table and LayerStage objects', () => {
  test.each([
    ['resnet18', 'puma'],
    ['mobilenetv2', 'isaac'],
    ['deit-tiny', 'puma'],
  ] as const)('%s on %s, baseline and mixed replicated plans', (name, preset) => {
    const net = zoo(name);
    const ctx = prepareModel(presetArch(preset), net);
    const bounds = new Set<StageBound>();
    for (const choices of [baselineChoices(net.weightedIndices.length), mixedReplicatedChoices(net.weightedIndices.length)]) {
      const result = evaluateModel(ctx, choices);
      const stages = result.layers;
      expect(stages.length).toBe(stageCount(result.stageTable));
      expect(stages.map((s) => s.index)).toEqual(net.layers.map((_, i) => i));
      expect(Array.from(stageTableOf(stages))).toEqual(Array.from(result.stageTable));
      for (const s of stages) {
        const largest = Math.max(0, ...TERMS.map(([, term]) => term(s)));
        expect([s.name, s.stageCycles]).toEqual([s.name, largest]);
        const named = TERMS.find(([bound]) => bound === s.boundBy);
        if (s.boundBy === 'none') expect([s.name, largest]).toEqual([s.name, 0]);
        else expect([s.name, named?.[1](s)]).toEqual([s.name, largest]);
        bounds.add(s.boundBy);
      }
      const k = bottleneckIndex(result.stageTable);
      expect(stages[k]?.name).toBe(result.bottleneckLayer);
      expect(Math.max(1, stages[k]?.stageCycles ?? 1)).toBe(result.bottleneckCycles);
    }
    // More than the trivial bounds were exercised.
    expect(bounds.size).toBeGreaterThan(2);
  });
});

describe('stage slabs', () => {
  it('start with one table per buffer and double to 32, never reusing a buffer', () => {
    const slab = newStageSlab();
    const buffers: ArrayBuffer[] = [];
    const sizes: number[] = [];
    for (let k = 0; k < 200; k++) {
      const t = slabStageTable(slab, 3);
      expect(t.every((x) => x === 0)).toBe(true);
      t.fill(1);
      if (buffers.at(-1) !== t.buffer) {
        expect(buffers.includes(t.buffer as ArrayBuffer)).toBe(false);
        buffers.push(t.buffer as ArrayBuffer);
        sizes.push(t.buffer.byteLength / t.byteLength);
      }
    }
    expect(sizes.slice(0, 7)).toEqual([1, 2, 4, 8, 16, 32, 32]);
  });
});

describe('a result serialised', () => {
  const net = zoo('resnet18');
  const ctx = prepareModel(presetArch('puma'), net);
  const result = evaluateModel(ctx, mixedReplicatedChoices(net.weightedIndices.length));

  it('has the keys it had before the stage table, and the table is still read from the result', () => {
    const parsed = JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
    // The fields of ModelResult but stageTable, in declaration order (the getters serialise their values).
    expect(Object.keys(parsed)).toEqual([
      'layers', 'mappings', 'placement', 'bottleneckCycles', 'bottleneckLayer', 'throughputImagesPerS', 'latencyCycles',
      'latencyS', 'tilesUsed', 'coresUsed', 'crossbarsUsed', 'areaMm2', 'energyPerImagePj', 'energyBreakdownPj',
    ]);
    expect(Object.keys(result)).not.toContain('stageTable');
    expect(Object.keys({ ...result })).not.toContain('stageTable');
    expect(stageCount(result.stageTable)).toBe(net.layers.length);
    expect(Object.getOwnPropertyDescriptor(result, 'stageTable')).toMatchObject({ enumerable: false, writable: false });
  });

  it('reads no row at an out-of-range index (a replication floor of 0), and refuses a NaN, fractional or infinite one (a bug)', () => {
    const k = net.weightedIndices[1] ?? -1;
    expect(layerFloorCycles(result, k)).toBeGreaterThan(0);
    for (const outside of [-1, net.layers.length]) {
      expect([outside, hasStage(result.stageTable, outside)]).toEqual([outside, false]);
      expect([outside, layerFloorCycles(result, outside)]).toEqual([outside, 0]);
    }
    for (const bad of [NaN, k + 0.5, Infinity, -Infinity]) {
      expect(() => hasStage(result.stageTable, bad)).toThrow(new RangeError(`stage table: layer index ${bad} is not an integer`));
      expect(() => layerFloorCycles(result, bad)).toThrow(RangeError);
    }
  });

  it('a spread or structuredClone copy has no table: floors read from it throw (never zero floors); no result gives 0', () => {
    const k = net.weightedIndices[1] ?? -1;
    for (const copy of [{ ...result }, structuredClone(result)]) {
      expect(copy.stageTable).toBeUndefined();
      const cause = new TypeError('floorsFrom has no stageTable (a spread/cloned ModelResult): pass the result evaluateModel returned');
      expect(() => layerFloorCycles(copy, k)).toThrow(cause);
      expect(() => globalFloorCycles(ctx, copy)).toThrow(cause);
    }
    expect(layerFloorCycles(undefined, k)).toBe(0);
    expect(globalFloorCycles(ctx, undefined)).toBe(0);
    expect(globalFloorCycles(ctx, result)).toBeGreaterThan(0);
  });

  it('a table comes from stage-table.ts only (the type is branded)', () => {
    const plain = new Float64Array(STAGE_WIDTH);
    // @ts-expect-error a bare Float64Array is not a StageTable (tsc fails here if the brand goes).
    const layers: number = stageCount(plain);
    expect(layers).toBe(1);
    expect(stageCount(newStageTable(3))).toBe(3);
  });
});
