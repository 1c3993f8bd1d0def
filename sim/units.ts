/**
 * The engine's actors and their bookkeeping: units (a layer replica, a digital layer, the off-chip input), the
 * channels they read rows from (their ring and row accounting: sim/channels.ts), the job records they keep, and how
 * their waiting time is split into stall causes.
 */
import type { ArchSpec } from '../arch/types';
import { edramAccesses } from '../arch/timing';
import { RecordFifo } from './kernel/fifo';
import type { Slabs } from './kernel/slab';
import type { CrossbarGroup, EdramBuffer } from './components';
import type { ReplicaCompute } from './compute';
import type { Route } from './noc';
import { replicaPixelsInRow, type SimLayer, type SimProducer } from './topology';
import type { TraceRow } from './trace';

/** Why a unit waits. */
export const STALL_CAUSES = ['input', 'noc', 'buffer', 'edram', 'digital'] as const;
export type StallCause = (typeof STALL_CAUSES)[number];
/** Stall causes as indices into Unit.stall (STALL_CAUSES order). */
export const C_INPUT = 0;
export const C_NOC = 1;
export const C_BUFFER = 2;
export const C_EDRAM = 3;
export const C_DIGITAL = 4;

/** Fields of a job record in Unit.inFlight: a started job until its row completes. */
export const JOB_IMAGE = 0;
export const JOB_ROW = 1;
export const JOB_PIXELS = 2;
export const JOB_START = 3;
/** The stall cause (C_*, or -1) and cycles the unit waited right before the job started (for the trace). */
export const JOB_STALL_CAUSE = 4;
export const JOB_STALL_CYCLES = 5;
export const JOB_FIELDS = 6;

/** Fields of a record in ReplicaUnit.fusedQueue: a row waiting for its fused activations. */
export const FUSED_IMAGE = 0;
export const FUSED_ROW = 1;
export const FUSED_PIXELS = 2;
export const FUSED_FIELDS = 3;

/**
 * Received rows of one producer on one tile (the part of the tile's eDRAM holding them).
 *
 * Memory is bounded by the images in flight, not by the stream: the per-row tables are a ring of image slots.
 * Image n lives in slot n & mask while lo <= n < lo + slots; it is set up when first touched (n >= hi) and retired
 * once all its rows are freed (its last readers here are done with it), and the ring doubles only when the
 * pipeline holds more images here than it has slots (channelImageSlot).
 */
export interface Channel {
  /** Account id in the tile's buffer. */
  id: number;
  tile: number;
  producer: SimProducer;
  rows: number;
  /** Image slots - 1 (slots a power of two). */
  mask: number;
  /** Oldest image not yet retired. */
  lo: number;
  /** Images below hi have their slot set up. */
  hi: number;
  /** Per slot and row (slot * rows + row): pieces arrived, readers still to let go, complete. */
  arrived: Int32Array;
  refs: Int32Array;
  complete: Uint8Array;
  /** Per slot: rows 0..prefix-1 of its image are complete. */
  prefix: Int32Array;
  /** Per slot: rows of its image freed (complete and let go by every reader here). */
  freedRows: Int32Array;
  /** The image sets of the units reading it here (a new image starts with one ref per unit whose set holds it). */
  readers: ImageSet[];
  /** The producer's pieces per row (its piecesPerRow, held here for the hot path). */
  piecesPerRow: Int32Array;
  waiters: Unit[];
  buffer: EdramBuffer;
}

/** The images a unit works on: first, first + stride, ... (count of them; a fully connected layer's replicas split the stream). */
export interface ImageSet {
  first: number;
  stride: number;
  count: number;
}

/** Is image n in the set? */
export function imageSetHas(set: ImageSet, n: number): boolean {
  const d = n - set.first;
  return d >= 0 && d % set.stride === 0 && d / set.stride < set.count;
}

/**
 * What every kind of unit carries. NOTE: written for speed: every unit is built by `newUnit` with every field, in
 * one order (the kind-specific ones `undefined` where they do not apply), so all units share one hidden class and
 * the hot loop's property loads stay monomorphic; the union below only narrows the types.
 */
interface UnitFields {
  id: number;
  replica: number;
  tile: number;
  producer: SimProducer;
  /** Images this unit works on, in order. */
  images: ImageSet;
  /** The image it is at (the next job's). */
  image: number;
  /** Next step (output row, or input row of an accumulating global pool) of the current image. */
  row: number;
  rows: number;
  /** eDRAM bits one MVM reads: its input vector in whole eDRAM accesses (rule 5); 0 off the crossbars. */
  mvmReadBits: number;
  /** Per step: the output pixels this unit computes (a conv replica's share of the row; 1 otherwise). */
  pixelsPerStep: Int32Array;
  jobsTotal: number;
  jobsStarted: number;
  jobsDone: number;
  inputs: Channel[];
  /**
   * Per input (inputs order): its need and releaseBelow tables (the layer's SimInput's, held here so the hot path
   * reaches them in two loads instead of four: unit, layer, its inputs array, the SimInput).
   */
  inputNeeds: Int32Array[];
  inputReleases: Int32Array[];
  /** Computing (crossbars or a digital read in progress): the next job may not start. */
  active: boolean;
  pendingGrants: number;
  /** Jobs between start and row completion, JOB_FIELDS wide (JOB_* offsets). */
  inFlight: RecordFifo;
  blockedSince: number;
  blockedCause: number;
  waitImage: number;
  waitRow: number;
  waitChannel: Channel | undefined;
  wakeSendStart: number;
  waitBufferTile: number;
  waitBits: number;
  lastStallCause: number;
  lastStallCycles: number;
  busyCycles: number;
  stall: Float64Array;
  firstStart: number;
  /** Who asks for eDRAM space, for deadlock messages (built once, not per request). */
  label: string;
  /** The producer's channel on each of its destination tiles (producer.destTiles order). */
  outChannels: Channel[];
  /** NoC route to each destination tile (Transfers.planRoutes; undefined for its own tile). */
  outRoutes: Array<Route | undefined>;
  /** Flits of the last piece size this unit sent (NOTE: written for speed: pieces mostly repeat one size). */
  lastPieceBits: number;
  lastPieceFlits: number;
}

/** A replica of a crossbar layer: MVMs on its own crossbar group, fused activations on its tile's digital unit. */
export interface ReplicaUnit extends UnitFields {
  kind: 'replica';
  layer: SimLayer;
  xbar: CrossbarGroup;
  /** Its compute timing and the ADCs it shares with other replicas (sim/compute.ts). */
  compute: ReplicaCompute;
  /** Rows waiting for their fused activations, FUSED_FIELDS wide (FUSED_* offsets). */
  fusedQueue: RecordFifo;
  rowTransfers: undefined;
}

/** A digital layer (pool, add, standalone activation): reads its inputs, then runs on its tile's digital unit. */
export interface DigitalLayerUnit extends UnitFields {
  kind: 'digital';
  layer: SimLayer;
  xbar: undefined;
  compute: undefined;
  fusedQueue: undefined;
  rowTransfers: undefined;
}

/** The network input entering off-chip, row by row, once every destination has space for the row. */
export interface SourceUnit extends UnitFields {
  kind: 'source';
  layer: undefined;
  xbar: undefined;
  compute: undefined;
  fusedQueue: undefined;
  /**
   * Transfer ids of the rows being reserved or crossing the off-chip link, in order. A source row goes to every
   * destination tile, so each row is outChannels.length consecutive entries.
   */
  rowTransfers: RecordFifo;
}

export type Unit = ReplicaUnit | DigitalLayerUnit | SourceUnit;

/** What tells the kinds apart, with the objects only that kind owns. */
export type UnitKindFields =
  | Pick<ReplicaUnit, 'kind' | 'layer' | 'xbar' | 'compute' | 'fusedQueue' | 'rowTransfers'>
  | Pick<DigitalLayerUnit, 'kind' | 'layer' | 'xbar' | 'compute' | 'fusedQueue' | 'rowTransfers'>
  | Pick<SourceUnit, 'kind' | 'layer' | 'xbar' | 'compute' | 'fusedQueue' | 'rowTransfers'>;

/** Everything else a new unit needs. */
export interface UnitPlace {
  id: number;
  replica: number;
  tile: number;
  producer: SimProducer;
  images: ImageSet;
  /** An MVM's input read is rounded up to whole eDRAM accesses of this chip. */
  arch: ArchSpec;
  slabs: Slabs;
}

/**
 * The pixels a unit computes per step: replica k of a conv layer owns the row's pixels p with p mod r = k.
 * NOTE: written for speed: a table per unit, built once (the modulo arithmetic per job was ~4% of a run).
 */
function pixelsPerStep(layer: SimLayer | undefined, replica: number, steps: number, slabs: Slabs): Int32Array {
  const table = slabs.int32.take(steps).fill(1);
  if (layer?.kind === 'conv') for (let i = 0; i < steps; i++) table[i] = replicaPixelsInRow(layer.outCols, layer.replicas, replica, i);
  return table;
}

/** A new unit, every field set in one order (see UnitFields); inputs and out-channels are filled in by buildUnits. */
export function newUnit(kindFields: UnitKindFields, place: UnitPlace): Unit {
  const { layer } = kindFields;
  const rows = layer ? layer.steps : place.producer.rows;
  const unit = {
    id: place.id,
    layer,
    kind: kindFields.kind,
    replica: place.replica,
    tile: place.tile,
    producer: place.producer,
    images: place.images,
    image: place.images.first,
    row: 0,
    rows,
    pixelsPerStep: pixelsPerStep(layer, place.replica, rows, place.slabs),
    mvmReadBits: layer ? edramAccesses(place.arch, layer.mvmReadBits) * place.arch.tile.edram.accessBits : 0,
    jobsTotal: place.images.count * rows,
    jobsStarted: 0,
    jobsDone: 0,
    inputs: [],
    inputNeeds: [],
    inputReleases: [],
    xbar: kindFields.xbar,
    compute: kindFields.compute,
    active: false,
    pendingGrants: 0,
    inFlight: new RecordFifo(JOB_FIELDS, 1),
    blockedSince: -1,
    blockedCause: C_INPUT,
    waitImage: -1,
    waitRow: -1,
    waitChannel: undefined,
    wakeSendStart: -1,
    waitBufferTile: -1,
    waitBits: 0,
    lastStallCause: -1,
    lastStallCycles: 0,
    busyCycles: 0,
    stall: new Float64Array(STALL_CAUSES.length),
    firstStart: -1,
    fusedQueue: kindFields.fusedQueue,
    label: layer ? `${layer.name} replica ${place.replica}` : 'the network input',
    outChannels: [],
    outRoutes: [],
    rowTransfers: kindFields.rowTransfers,
    lastPieceBits: -1,
    lastPieceFlits: 0,
  };
  return unit as Unit;
}

/** The unit starts waiting for `cause` at cycle `now` (a wait already running keeps its start and cause). */
/**
 * From when a unit that may not start its next job stalls: a replica free to read ahead (rule 5) waits only from
 * its crossbars' free cycle; before it they are computing.
 */
export function idleFrom(u: Unit, now: number): number {
  return u.kind === 'replica' ? Math.max(now, u.xbar.clock.freeAt) : now;
}

export function block(u: Unit, cause: number, now: number): void {
  if (u.blockedSince < 0) {
    u.blockedSince = now;
    u.blockedCause = cause;
  }
}

/**
 * The unit stops waiting at cycle `now`: the wait counts as a stall once the unit has started its first job. A
 * wait for input whose last row was already on its way splits at the send: before it, input; after it, NoC.
 */
export function unblock(u: Unit, now: number): void {
  u.lastStallCause = -1;
  u.lastStallCycles = 0;
  if (u.blockedSince < 0) return;
  const waited = now - u.blockedSince;
  if (waited > 0 && u.firstStart >= 0) {
    if (u.blockedCause === C_INPUT && u.wakeSendStart > u.blockedSince) {
      (u.stall[C_INPUT] as number) += u.wakeSendStart - u.blockedSince;
      (u.stall[C_NOC] as number) += now - u.wakeSendStart;
      u.lastStallCause = C_NOC;
    } else {
      (u.stall[u.blockedCause] as number) += waited;
      u.lastStallCause = u.blockedCause;
    }
    u.lastStallCycles = waited;
  }
  u.blockedSince = -1;
  u.wakeSendStart = -1;
}

/** The trace row of a finished job of a replica or digital layer (columns: TRACE_COLUMNS). */
export function jobTraceRow(
  u: ReplicaUnit | DigitalLayerUnit, n: number, i: number, pixels: number, start: number, end: number, cause: number, stallCycles: number,
): TraceRow {
  const layer = u.layer;
  return [
    u.kind === 'replica' ? 'mvm' : 'digital',
    layer.name,
    u.replica,
    n,
    i,
    start,
    end,
    cause >= 0 ? (STALL_CAUSES[cause] ?? '') : '',
    stallCycles,
    u.kind === 'replica' ? `${pixels} px on tile ${u.tile}` : layer.accumulate ? `input row ${i} on tile ${u.tile}` : `tile ${u.tile}`,
  ];
}
