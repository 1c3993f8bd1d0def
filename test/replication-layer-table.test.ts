/**
 * replication/tables.ts layerTable keeps the fields that do not depend on the floors per mapping (a fast path): against
 * the table built field by field as before it, on seeded random bits and floors from full evaluations (ResNet-50 on
 * PUMA, MobileNetV2 on ISAAC), the same fields in the same order; and a second context of the same network does not
 * read the first one's tables.
 */
import seedrandom from 'seedrandom';
import { presetArch } from '../arch/presets';
import { applySetOverrides } from '../arch/overrides';
import { replicaMvmCycles } from '../arch/mapping';
import { adcSharers, shiftAddCyclesPerMvm } from '../arch/timing';
import { bitsAt } from '../arch/plan';
import { MappingError } from '../errors';
import { cachedMapping } from '../optimizer/model/context';
import { evaluateModel, prepareModel, type ModelContext, type ModelResult } from '../optimizer/model';
import { buildTables, layerFloorCycles, layerTable } from '../optimizer/replication/tables';
import { zoo } from './helpers/model-fixtures';

/** The table as layerTable built it before the fast path (every field computed afresh). */
function referenceTable(ctx: ModelContext, pos: number, wbits: number, abits: number, floorsFrom?: ModelResult): unknown {
  const arch = ctx.arch;
  const layerIndex = ctx.net.weightedIndices[pos] ?? -1;
  const mapping = cachedMapping(ctx, pos, wbits, abits);
  const stat = ctx.layers[layerIndex];
  const isFc = stat?.kind === 'fc';
  const addCycles = shiftAddCyclesPerMvm(arch, mapping);
  const fullAt = Math.ceil(arch.adc.crossbarsPerAdc / mapping.crossbarsPerReplica);
  const perMvmCycles = Math.max(replicaMvmCycles(arch, mapping, fullAt), addCycles);
  const perMvmCyclesByReplicas: number[] = [];
  for (let r = 1; r < fullAt && adcSharers(arch, mapping.crossbarsPerReplica, r) < arch.adc.crossbarsPerAdc; r++) {
    perMvmCyclesByReplicas[r] = Math.max(replicaMvmCycles(arch, mapping, r), addCycles);
  }
  const layer = stat?.resolved.layer;
  const kernelRows = layer?.kind === 'conv' ? layer.kernel[0] : 1;
  const outRows = Math.max(1, stat?.outRows ?? 1);
  return {
    pos,
    name: mapping.name,
    isFc,
    pixels: mapping.outputPixels,
    ...(layer?.kind === 'conv' && layer.recurrent ? { serial: true } : {}),
    perMvmCycles,
    perMvmCyclesByReplicas,
    crossbarsPerReplica: mapping.crossbarsPerReplica,
    floorCycles: layerFloorCycles(floorsFrom, layerIndex),
    latencyWeight: isFc ? 1 : Math.min(1, kernelRows / outRows),
  };
}

describe('replication layer tables (static fields kept per mapping)', () => {
  it.each([
    ['resnet50', 'puma', []],
    ['mobilenetv2', 'isaac', ['chip.tiles=400']],
  ] as const)('%s on %s: the same tables as built field by field', (network, preset, sets) => {
    const net = zoo(network);
    const arch = applySetOverrides(presetArch(preset), [...sets]);
    const ctx = prepareModel(arch, net);
    const n = net.weightedIndices.length;
    const rng = seedrandom(`layer-table-${network}`);
    let withFloors = 0;
    for (let trial = 0; trial < 12; trial++) {
      const wbits = Array.from({ length: n }, () => 2 + Math.floor(rng() * 7));
      const abits = Array.from({ length: n }, () => 2 + Math.floor(rng() * 7));
      let floorsFrom: ModelResult | undefined;
      try {
        floorsFrom = evaluateModel(ctx, { wbits, abits, replicas: new Array<number>(n).fill(1) });
        withFloors++;
      } catch (error) {
        if (!(error instanceof MappingError)) throw error;
      }
      // Twice: the second reads the kept fields.
      for (let pass = 0; pass < 2; pass++) {
        const tables = buildTables(ctx, wbits, abits, floorsFrom);
        const reference = wbits.map((_, pos) => referenceTable(ctx, pos, bitsAt(wbits, pos), bitsAt(abits, pos), floorsFrom));
        expect(JSON.stringify(tables.layers)).toEqual(JSON.stringify(reference));
        expect(tables.layers.some((t) => t.floorCycles > 0)).toBe(floorsFrom !== undefined);
      }
    }
    expect(withFloors).toBeGreaterThan(0);
    // Another context (another chip) with mappings of its own: its own figures, not the first context's.
    const other = prepareModel(applySetOverrides(arch, ['adc.crossbarsPerAdc=4']), net);
    const pos = n - 1;
    expect(JSON.stringify(layerTable(other, pos, 8, 8))).toEqual(JSON.stringify(referenceTable(other, pos, 8, 8)));
  });
});
