/**
 * The analytical model's types, in one module every other model module may import (so none of them imports
 * another for a type): what it precomputes per network (ModelContext, LayerStatic), what one evaluation returns
 * (ModelResult, LayerStage), and the per-tile and traffic buffers it reuses between evaluations.
 */
import type { ArchSpec } from '../../arch/types';
import type { Layer, ResolvedLayer, ResolvedNetwork } from '../../workloads/types';
import type { LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement, PlacementScratch } from '../../arch/placement';
import type { EnergyBreakdownPj, MvmEnergyPj } from '../../arch/energy';
import type { ProductWork } from '../../arch/attention';
import type { Dataflow, LayerRole } from '../../arch/dataflow';
import type { CreditLoopTables } from './credit-loop-tables';
import type { UnitRunScratch } from './unit-run-scratch';

// The run scratch's type lives with its constructor; re-exported for the modules that import their types from here.
export type { UnitRunScratch };

/** What the analytical model knows of one network layer that does not depend on the plan. */
export interface LayerStatic {
  index: number;
  name: string;
  kind: Layer['kind'];
  role: LayerRole;
  /** Some stored input is the network input (its rows come over the off-chip link). */
  readsInput: boolean;
  /** Position among weighted layers, or -1. */
  weightedPos: number;
  /** Direct producer layer indices (-1 = network input). */
  inputs: number[];
  outRows: number;
  outCols: number;
  outChannels: number;
  /** For each direct input, for each output row, the row of that input it needs (line-buffer rule). */
  needRows: Int32Array[];
  /** For each direct input, for each output row, the lowest row of that input it reads (rows below it are let go). */
  lowRows: Int32Array[];
  /**
   * For each direct input, the most rows of it a row holds before it can be made, its first row from the input's
   * first (grants in a unit run are charged only below it: unit-run.ts grantSlots).
   */
  readSpanRows: number[];
  /** Digital element operations per image (digital and fused layers). */
  digitalOps: number;
  /** A product of two activations that runs off the digital unit: on MAC arrays or rewritten crossbars (rule 8). */
  product: boolean;
  /** Rows of input vector one MVM reads from eDRAM (weighted layers). */
  mvmInputElements: number;
  /** Stored producers this layer reads (weighted/digital layers; -1 = network input). */
  dataInputs: number[];
  /** Elements of each stored input tensor (same order as dataInputs). */
  dataInputElements: number[];
  /** Elements of one row of the first stored input. */
  firstInputRowElements: number;
  /** First row of this layer in the row scratch buffer. */
  rowOffset: number;
  /**
   * Row-scratch offset holding this layer's row finish times: its own, or, for a free layer with one input and
   * the same rows (batchnorm, dropout, identity), its producer's (NOTE: aliasing skips ~half the rows of a ResNet).
   */
  rowSource: number;
  /** Every direct input has this layer's rows and output row i needs its row i (the recurrence skips the lookup). */
  identityNeed: boolean;
  /** True when rowSource aliases a producer (the recurrence skips the layer). */
  aliased: boolean;
  /** rowSource of each direct input (-1 = network input). */
  inputRowSources: Int32Array;
  /** For each direct input, the stored producers whose rows it is (through free and fused layers; -1 = network input). */
  inputStored: Int32Array[];
  /**
   * The stored producer whose rows, as sent to its readers, this layer's rows are (the producer itself, or the last
   * layer fused into it), or -1: its rows leave the producer's tiles' injection links when they end (rule 6).
   */
  sendsAs: number;
  /**
   * A digital layer's: the ops per image of the layers fused into its output path, which its unit applies in the
   * same job as its own (rule 5; the simulator's one serve of a step's ops and fused ops); the first of a chain of
   * layers fused into a weighted layer's output: the ops of the chain's later layers (the replica's one job). A fused
   * layer's inHostJob: true when its host is a digital layer, or it follows a chain's first layer on a weighted
   * host, so its ops are in that row job and its rows are its holder's.
   */
  hostedOps: number;
  inHostJob: boolean;
  resolved: ResolvedLayer;
}

export interface ModelContext {
  arch: ArchSpec;
  net: ResolvedNetwork;
  flow: Dataflow;
  layers: LayerStatic[];
  meshWidth: number;
  /** Cache of crossbar mappings by weighted position and bits. */
  mappingCache: Map<number, LayerCrossbarMapping>[];
  /** Scratch for per-row finish times of one evaluation (NOTE: reused to keep the inner loop allocation-free). */
  rowScratch: Float64Array;
  /** Digital element operations of all layers per image (plan-independent; summed in layer order). */
  digitalOpsPerImage: number;
  /** Layers nobody consumes (network outputs). */
  sinks: number[];
  /** Energy of one MVM per memoised mapping. */
  mvmEnergy: WeakMap<LayerCrossbarMapping, MvmEnergyPj>;
  /** Placement's per-network tables and buffers, reused by every evaluation of this context. */
  placement: PlacementScratch;
  /** Stored tensors some layer reads, by producer + 1, ascending. */
  readSlots: Int32Array;
  /** Weighted readers (positions) of each stored tensor: slot s's are weightedReaderPos[weightedReaderStart[s] ..]. */
  weightedReaderStart: Int32Array;
  weightedReaderPos: Int32Array;
  /** Bits per element of each stored tensor for the plan being evaluated, by producer + 1 (fillStoredBits). */
  storedBits: Float64Array;
  /** Product layers' work by (layer, operand bits), memoised (arch/attention.ts productWork). */
  productCache: Map<number, ProductWork | undefined>;
  /** Per layer: cycles per image of its product work on its own resource share (scratch of one evaluation). */
  productCycles: Float64Array;
  /** Per layer: stage cycles per output row and own work per image, for the credit-loop term (one evaluation's scratch). */
  stageRowCycles: Float64Array;
  /** Where the evaluations' stage tables are cut from (stage-table.ts). */
  stageSlab: StageSlab;
  workCycles: Float64Array;
  /** Per layer: ops per image of the row jobs it queues at a digital unit (unit-wait.ts; static per network). */
  rowJobOps: Float64Array;
  /** The layers whose rowJobOps > 0, ascending. */
  rowJobLayers: Int32Array;
  /** Per layer: its row job's lockstep wait at its digital unit, for the credit-loop term (one evaluation's scratch). */
  unitWaitCycles: Float64Array;
  /** Traffic buffers reused by every evaluation of this context. */
  traffic: TrafficScratch;
  /** The credit-loop term's network tables and buffers (credit-loop.ts). */
  creditLoop: CreditLoopTables;
  /** The (frozen, all-zero) stage of each free layer, shared by every evaluation's result. */
  freeStages: Array<Readonly<LayerStage> | undefined>;
  /** The single-image recurrence's digital-unit queues (digital-queue.ts; scratch of one evaluation). */
  digitalQueues: DigitalQueues;
  /** The recurrence's scratch for layers sharing one digital unit one after another (unit-run.ts). */
  unitRun: UnitRunScratch;
  /** Rows' fixed times and input delays, once an evaluation of the single-image recurrence (row-times.ts). */
  rowTimes: RowTimes;
  /** The single-image recurrence's injection-link queues and row-copy offsets (injection.ts; scratch of one evaluation). */
  injection: InjectionScratch;
  /** Which layers a lone image makes apart in time (lone-sends.ts; static per network). */
  loneApart: LoneApart;
  /** Scratch of one evaluation (lone-sends.ts): routed copies by the tile they leave and by mesh link; the lone terms. */
  loneSends: LoneSendsScratch;
  loneLinks: LoneSendsScratch;
  loneTerms: { nocOut: Float64Array; meshLink: Float64Array };
  /** Per-tile buffers reused by every evaluation (eDRAM bits, digital ops, then per-image cycles). */
  tileScratch: TileTimes;
  /** Chip area is linear in tiles: chipAreaMm2(arch, t) = chipAreaFixedMm2 + t * tileAreaMm2. */
  chipAreaFixedMm2: number;
  tileAreaMm2: number;
}

/**
 * Per tile, the row jobs added so far in arrival order and the unit's busy-until after each (digital-queue.ts).
 * NOTE: written for speed: each tile's jobs in typed arrays that only grow (length[t] of them in use), kept across
 * evaluations, so the recurrence allocates nothing once they are large enough.
 */
export interface DigitalQueues {
  arrival: Array<Float64Array | undefined>;
  ops: Array<Float64Array | undefined>;
  end: Array<Float64Array | undefined>;
  /** Per tile, the jobs in use at the start of its arrays (0 for a tile without any). */
  length: number[];
  /** Tiles with jobs, to clear at the next evaluation. */
  touched: number[];
  /** Per tile, the layers with digital row jobs there not yet run (countUnitUsers); a unit nobody else uses is skipped. */
  users: number[];
  /**
   * Per tile, the digital-unit cycles per image of the layers not yet run, the current one included (from the
   * evaluation's tile loads, less each layer's ops as the recurrence passes it): the load a layer's rows share the
   * unit with beyond the queued rows of earlier layers.
   */
  remaining: Float64Array;
  /** Scratch: the tiles of the job being placed, and its rows' arrivals (the first pendingCount of pending). */
  jobTiles: number[];
  pending: Float64Array;
  pendingCount: number;
  /** Per job tile (index into jobTiles), the jobs there that arrived by the last row's arrival (busyUntilInOrder). */
  cursors: Int32Array;
}

/** Pairs of layers a lone image makes apart in time (lone-sends.ts): symmetric bits, `words` 32-bit words a layer. */
export interface LoneApart {
  words: number;
  bits: Uint32Array;
}

/** The network input's burst at its tiles' ports (input-burst.ts), per layer: its worst input tile's backlog curve. */
export interface InputBurst {
  /** The port's backlog when the burst ends, cycles (0: no wait for this layer). */
  peakCycles: Float64Array;
  /** When the burst ends, cycles from the image's start. */
  burstEndCycles: Float64Array;
  /** Backlog drained after the burst, port cycles per cycle. */
  drainPerCycle: Float64Array;
  /** Of the wait, what the layer's read-ahead hides (its previous job's compute), cycles. */
  hideCycles: Float64Array;
  /** From its input row's arrival to its reads' request: the row's write (rule 6), cycles. */
  askCycles: Float64Array;
  /**
   * Its port term per image (the stage's edramCycles, its worst tile's load) less the input's writes that landed in
   * the burst at each tile, which its rows pay as the wait, cycles: its row interval spreads only the rest.
   */
  edramCycles: Float64Array;
}

/** Per layer, its lone-image outbound NoC and mesh-link terms, cycles per image (rule 7; lone-sends.ts). */
export interface LoneNocTerms {
  nocOut: ArrayLike<number>;
  meshLink: ArrayLike<number>;
}

/** Routed copies by key, a tile or a mesh link (lone-sends.ts): key k's are [start[k], start[k + 1]). */
export interface LoneSendsScratch {
  start: Int32Array;
  fill: Int32Array;
  /** The stored producer a copy carries rows of (-1: the network input), and its flits per image. */
  producer: Int32Array;
  flits: Float64Array;
}

/**
 * The single-image recurrence's view of rule 6's injection links (injection.ts): per routed flow, when its copy of a
 * row is in its reader tile after the row starts to leave its tile; per stored tensor, each sending tile's time per
 * row copy train; per tile, the trains queued so far (the digital-queue structure, FIFO).
 */
export interface InjectionScratch {
  /** By flow: cycles from a row's send start to its copy's arrival (the copies before it on its link, its own, its routers). */
  flowOffset: Float64Array;
  /** By readSlots position r, its sending tiles sendTile[sendStart[r] .. sendStart[r + 1]] and their cycles per row. */
  sendStart: Int32Array;
  sendTile: Int32Array;
  sendCycles: Float64Array;
  /** By stored tensor slot (producer + 1): its readSlots position, or -1. */
  slotPosition: Int32Array;
  /** Per row (the row scratch's layout): when the row starts to leave its tile (its end where nothing is sent). */
  sent: Float64Array;
  queues: DigitalQueues;
  /** Reader unit tiles stamped for one lookup. */
  tileStamp: Int32Array;
  stamp: number;
  /** Scratch: the dests of one tensor in ascending tile order. */
  order: number[];
  /** Scratch of one layer: per direct input, the delay after its rows' times and the rows' times (sent or finish). */
  delays: Float64Array;
  from: Float64Array[];
}

/** What bounds a layer's stage time (docs/hardware-model.md rule 7). */
export type StageBound =
  | 'compute'
  | 'shift-add'
  | 'noc-in'
  | 'noc-out'
  | 'mesh-link'
  | 'edram'
  | 'port-queue'
  | 'digital'
  | 'attention'
  | 'off-chip'
  | 'line-buffer'
  | 'credit-loop'
  | 'none';

export interface LayerStage {
  index: number;
  name: string;
  kind: string;
  /** Per image, cycles (the tile terms are those of the busiest tile hosting the layer). */
  computeCycles: number;
  shiftAddCycles: number;
  nocInCycles: number;
  nocOutCycles: number;
  meshLinkCycles: number;
  edramCycles: number;
  digitalCycles: number;
  /**
   * Products of two activations off the digital unit (rule 8): the MAC array of the layer's tile group, summed
   * over the product layers it serves, or the layer's own rewritten crossbars (writes, then MVMs).
   */
  attentionCycles: number;
  offChipCycles: number;
  /** Interval the layer's line buffers sustain for inputs that fork from a common ancestor (placement.paceBoundCycles). */
  lineBufferCycles: number;
  /**
   * A weighted layer's replicas issue each row's reads only when its previous row's MVMs are done, so per row
   * job they expose the first input read and the port's queue: the residual request in service when they ask for
   * their reads, and again when their input piece is written (rule 7, port queueing term).
   */
  portQueueCycles: number;
  /**
   * Interval the credits of the layer's input channels sustain once each row's transit is counted: a row holds a
   * slot of the reader tile from its grant to its last use (rule 7, credit-loop term; credit-loop.ts).
   */
  creditLoopCycles: number;
  stageCycles: number;
  boundBy: StageBound;
}

declare const stageTableBrand: unique symbol;

/**
 * An evaluation's stage terms (stage-table.ts): per layer index, STAGE_WIDTH doubles, LayerStage's numbers at the
 * offsets stage-table.ts names, then the bound's code. Branded: only stage-table.ts makes one (newStageTable,
 * slabStageTable, stageTableOf), so any Float64Array cannot stand in for a table of whole rows.
 */
export type StageTable = Float64Array & { readonly [stageTableBrand]: true };

/**
 * Zeroed memory the evaluations' stage tables are cut from in turn (ModelContext.stageSlab; stage-table.ts
 * slabStageTable): a typed array with a buffer of its own per evaluation cost more than filling it (a backing store
 * allocated, zeroed and accounted each time; 165 ms of a ResNet-50 optimize's main thread). NOTE: a table kept keeps
 * its whole buffer alive.
 */
export interface StageSlab {
  buffer: ArrayBuffer;
  usedBytes: number;
  /** Tables the next buffer holds (doubling to stage-table.ts's cap: a kept or posted result copies its buffer). */
  nextTables: number;
}

export interface ModelResult {
  /** Per layer, its stage (made from stageTable when first read; a getter, so not assignable). */
  readonly layers: LayerStage[];
  /**
   * The stages' terms (stage-table.ts): what the model's own code and replication read. Not enumerable
   * (stage-table.ts withStageTable): JSON.stringify, spreads and structuredClone leave it out, so a result serialises
   * as it did before the table (`layers` carries the same figures); a spread copy lacks it.
   */
  readonly stageTable: StageTable;
  mappings: LayerCrossbarMapping[];
  placement: Placement;
  bottleneckCycles: number;
  bottleneckLayer: string;
  throughputImagesPerS: number;
  latencyCycles: number;
  latencyS: number;
  tilesUsed: number;
  coresUsed: number;
  crossbarsUsed: number;
  areaMm2: number;
  energyPerImagePj: number;
  energyBreakdownPj: EnergyBreakdownPj;
}

/** Per-image cycles of each tile's shared resources (links, eDRAM port, digital unit). */
export interface TileTimes {
  edramBits: Float64Array;
  /** Sum over the tile's eDRAM requests of (accesses per request)^2, per image. */
  edramSq: Float64Array;
  inject: Float64Array;
  eject: Float64Array;
  edram: Float64Array;
  digital: Float64Array;
  /** MAC-array load per group (macArrayGroupOf), cycles per image. */
  attention: Float64Array;
}

/** Per-image load on each tile's shared resources and on the mesh links (arrays owned by the context's scratch). */
export interface TrafficLoads {
  /** Flits leaving each tile through its injection link. */
  injectFlits: Float64Array;
  /** Flits entering each tile through its ejection link. */
  ejectFlits: Float64Array;
  /** Bits moved through each tile's eDRAM port, rounded up to whole accesses per piece (rule 6). */
  edramBits: Float64Array;
  /**
   * Sum over each tile's eDRAM requests of (accesses per request)^2: with edramBits it gives the mean residual
   * service a request finds at the port (docs/hardware-model.md rule 7, port queueing term).
   */
  edramSqAccesses: Float64Array;
  /** Flits on each mesh link (router * 4 + direction: 0 +x, 1 -x, 2 +y, 3 -y). */
  linkFlits: Float64Array;
  /** Largest mesh-link load on any path into each layer (flits). */
  layerLinkFlits: Float64Array;
  /** Flits and router traversals of all transfers, for energy. */
  totalFlitHops: number;
  totalFlits: number;
  /** For each layer, the largest router-to-router hop count from any of its producers. */
  layerMaxHops: Int32Array;
}

/**
 * Buffers one evaluation fills (NOTE: reused across evaluations of one context to keep the search loop
 * allocation-light; nothing returned to callers points into them).
 */
export interface TrafficScratch extends Omit<TrafficLoads, 'totalFlitHops' | 'totalFlits'> {
  /** Row pieces of one producer: tile, flits and eDRAM accesses per row, `pieces` of them in use. */
  pieceTile: number[];
  pieceFlits: number[];
  pieceAccesses: number[];
  /** Per row: sum over the tile's pieces of (accesses per piece)^2. */
  pieceSqAccesses: number[];
  /** eDRAM accesses of one replica's part of each piece (the piece's last write; rule 7, credit loop). */
  pieceUnitAccesses: number[];
  pieces: number;
  /** Each flow's destination tile and stored tensor (producer + 1). */
  flowTo: number[];
  flowSlot: number[];
  /** Each flow's mesh links (`flowHops[f]` of them from `flowLinkStart[f]`), routed once per evaluation. */
  flowLinks: number[];
  flowLinkStart: number[];
  flowHops: number[];
  /** Each flow's source tile (-1: off-chip input) and flits per row. */
  flowFrom: number[];
  flowRowFlits: number[];
  /**
   * Pieces delivered to reader tiles, local ones too (credit loop, input-burst.ts): dest index, flow (-1: local), one
   * replica's and its tile's pieces' write accesses a row; tensor r's at slotDeliveryStart[r], dests slotDestStart[r].
   */
  deliveryDest: number[];
  deliveryFlow: number[];
  deliveryWriteAccesses: number[];
  deliveryRowAccesses: number[];
  slotDeliveryStart: number[];
  slotDests: number[];
  slotDestStart: number[];
  /** Distinct tiles hosting one tensor's readers (`destCount` of them), found with per-tile stamps. */
  dests: Int32Array;
  destCount: number;
  destSeen: Int32Array;
  destStamp: number;
  /** Mesh coordinates of each tile's router (NOTE: written for speed: no division per routed flow). */
  tileX: Int32Array;
  tileY: Int32Array;
}

/**
 * A row's fixed time and its inputs' delays, once an evaluation of the single-image recurrence (row-times.ts).
 */
export interface RowTimes {
  /** Per layer, and per layer x inputsPerLayer + input: the value, valid where its stamp is the evaluation's. */
  fixed: Float64Array;
  fixedStamp: Int32Array;
  delay: Float64Array;
  delayStamp: Int32Array;
  inputsPerLayer: number;
  evaluation: number;
}
