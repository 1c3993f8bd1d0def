/**
 * An evaluation's stage terms in one typed array (StageTable): a row of STAGE_WIDTH doubles per layer, LayerStage's
 * numbers in the order below, then its bound's code (STAGE_BOUNDS). The model writes and reads its terms here, and a
 * result's LayerStage objects are made from it only when read (evaluate.ts): ResNet-50's optimize evaluates ~8,900
 * plans of 175 layers, and one object per stage (13 boxed doubles each) was 440 MB of its 1.9 GB of garbage, while
 * replication reads a few terms of each (optimizer/replication/tables.ts).
 */
import type { LayerStage, ModelContext, ModelResult, StageBound, StageSlab, StageTable } from './types';

export type { StageSlab, StageTable } from './types';

export const COMPUTE = 0;
export const SHIFT_ADD = 1;
export const NOC_IN = 2;
export const NOC_OUT = 3;
export const MESH_LINK = 4;
export const EDRAM = 5;
export const DIGITAL = 6;
export const ATTENTION = 7;
export const OFF_CHIP = 8;
export const LINE_BUFFER = 9;
export const PORT_QUEUE = 10;
export const CREDIT_LOOP = 11;
export const STAGE = 12;
export const BOUND = 13;
export const STAGE_WIDTH = 14;

/** The bounds by code (the code stored at BOUND is the index here; 0, a free layer's zero row, is 'none'). */
export const STAGE_BOUNDS: readonly StageBound[] = [
  'none', 'compute', 'shift-add', 'noc-in', 'noc-out', 'mesh-link', 'edram', 'port-queue', 'digital', 'attention', 'off-chip', 'line-buffer', 'credit-loop',
];

/** A bound's code: its place in STAGE_BOUNDS (the codes below are derived, so the list is the one place that orders them). */
function boundCode(bound: StageBound): number {
  const code = STAGE_BOUNDS.indexOf(bound);
  if (code < 0) throw new Error(`stage-table: bound '${bound}' has no code`);
  return code;
}

export const BOUND_NONE = boundCode('none');
export const BOUND_COMPUTE = boundCode('compute');
export const BOUND_SHIFT_ADD = boundCode('shift-add');
export const BOUND_NOC_IN = boundCode('noc-in');
export const BOUND_NOC_OUT = boundCode('noc-out');
export const BOUND_MESH_LINK = boundCode('mesh-link');
export const BOUND_EDRAM = boundCode('edram');
export const BOUND_PORT_QUEUE = boundCode('port-queue');
export const BOUND_DIGITAL = boundCode('digital');
export const BOUND_ATTENTION = boundCode('attention');
export const BOUND_OFF_CHIP = boundCode('off-chip');
export const BOUND_LINE_BUFFER = boundCode('line-buffer');
export const BOUND_CREDIT_LOOP = boundCode('credit-loop');

/** A zeroed table for `layers` layers (every row a free layer's: no terms, bound 'none'). */
export function newStageTable(layers: number): StageTable {
  return new Float64Array(layers * STAGE_WIDTH) as StageTable;
}

/** Most tables per StageSlab buffer; a context's first buffers hold 1, 2, 4, ... (one-shot contexts use 1-3). */
const TABLES_PER_SLAB = 32;

export function newStageSlab(): StageSlab {
  return { buffer: new ArrayBuffer(0), usedBytes: 0, nextTables: 1 };
}

/**
 * newStageTable's zeroed table, cut from `slab` (a new buffer when the last one is used up). NOTE: callers rely on
 * the memory being fresh zeros (the credit loop's column and free layers' rows are not written): a buffer is never
 * reused.
 */
export function slabStageTable(slab: StageSlab, layers: number): StageTable {
  const length = layers * STAGE_WIDTH;
  const bytes = length * Float64Array.BYTES_PER_ELEMENT;
  if (slab.usedBytes + bytes > slab.buffer.byteLength) {
    slab.buffer = new ArrayBuffer(bytes * slab.nextTables);
    slab.usedBytes = 0;
    slab.nextTables = Math.min(TABLES_PER_SLAB, slab.nextTables * 2);
  }
  const table = new Float64Array(slab.buffer, slab.usedBytes, length) as StageTable;
  slab.usedBytes += bytes;
  return table;
}

/**
 * `fields` with `table` as its stageTable, not enumerable (ModelResult.stageTable): a caller's JSON.stringify of a
 * result wrote the table as an object of indices, ~17% more text saying what `layers` says.
 */
export function withStageTable(fields: Omit<ModelResult, 'stageTable'>, table: StageTable): ModelResult {
  return Object.defineProperty(fields, 'stageTable', { value: table, enumerable: false, writable: false }) as ModelResult;
}

/**
 * True when the table has a row for layer `index`; false for an integer out of range (no such layer).
 * @throws RangeError for a NaN, fractional or infinite index: only a bug makes one, and reading no row would turn it
 * into a silent zero (an optimistic floor in replication).
 */
export function hasStage(table: StageTable, index: number): boolean {
  if (!Number.isInteger(index)) throw new RangeError(`stage table: layer index ${index} is not an integer`);
  return index >= 0 && index < stageCount(table);
}

/** Term `term` (an offset above) of layer `index`. */
export function termOf(table: StageTable, index: number, term: number): number {
  return table[index * STAGE_WIDTH + term] as number;
}

/** The bound of layer `index`. */
export function boundOf(table: StageTable, index: number): StageBound {
  return STAGE_BOUNDS[table[index * STAGE_WIDTH + BOUND] as number] ?? 'none';
}

/** Layers in the table. */
export function stageCount(table: StageTable): number {
  return table.length / STAGE_WIDTH;
}

/** The first layer with the largest stage time (-1 for no layers). */
export function bottleneckIndex(table: StageTable): number {
  let best = -1;
  let bestCycles = -Infinity;
  for (let i = 0, o = STAGE; o < table.length; i++, o += STAGE_WIDTH) {
    const cycles = table[o] as number;
    if (best < 0 || cycles > bestCycles) (best = i), (bestCycles = cycles);
  }
  return best;
}

/**
 * The table as LayerStage objects, one per layer of ctx (a free layer's is ctx.freeStages', shared by every result).
 * One object literal per stage (not a loop over the columns) so every stage has one shape; stageTableOf is its inverse,
 * and test/model-stage-table packs these objects back into the table bit for bit.
 */
export function stageList(ctx: ModelContext, table: StageTable): LayerStage[] {
  const stages: LayerStage[] = [];
  for (const l of ctx.layers) {
    const free = ctx.freeStages[l.index];
    if (free !== undefined) {
      stages.push(free as LayerStage);
      continue;
    }
    const o = l.index * STAGE_WIDTH;
    stages.push({
      index: l.index,
      name: l.name,
      kind: l.kind,
      computeCycles: table[o + COMPUTE] as number,
      shiftAddCycles: table[o + SHIFT_ADD] as number,
      nocInCycles: table[o + NOC_IN] as number,
      nocOutCycles: table[o + NOC_OUT] as number,
      meshLinkCycles: table[o + MESH_LINK] as number,
      edramCycles: table[o + EDRAM] as number,
      digitalCycles: table[o + DIGITAL] as number,
      attentionCycles: table[o + ATTENTION] as number,
      offChipCycles: table[o + OFF_CHIP] as number,
      lineBufferCycles: table[o + LINE_BUFFER] as number,
      portQueueCycles: table[o + PORT_QUEUE] as number,
      creditLoopCycles: table[o + CREDIT_LOOP] as number,
      stageCycles: table[o + STAGE] as number,
      boundBy: boundOf(table, l.index),
    });
  }
  return stages;
}

/** LayerStage objects (by index) as a table: stageList's inverse, for callers that rework a result's stages. */
export function stageTableOf(stages: readonly LayerStage[]): StageTable {
  let layers = 0;
  for (const s of stages) layers = Math.max(layers, s.index + 1);
  const table = newStageTable(layers);
  for (const s of stages) {
    const o = s.index * STAGE_WIDTH;
    table[o + COMPUTE] = s.computeCycles;
    table[o + SHIFT_ADD] = s.shiftAddCycles;
    table[o + NOC_IN] = s.nocInCycles;
    table[o + NOC_OUT] = s.nocOutCycles;
    table[o + MESH_LINK] = s.meshLinkCycles;
    table[o + EDRAM] = s.edramCycles;
    table[o + DIGITAL] = s.digitalCycles;
    table[o + ATTENTION] = s.attentionCycles;
    table[o + OFF_CHIP] = s.offChipCycles;
    table[o + LINE_BUFFER] = s.lineBufferCycles;
    table[o + PORT_QUEUE] = s.portQueueCycles;
    table[o + CREDIT_LOOP] = s.creditLoopCycles;
    table[o + STAGE] = s.stageCycles;
    table[o + BOUND] = boundCode(s.boundBy);
  }
  return table;
}
