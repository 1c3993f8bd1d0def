/**
 * The simulation proper: units (layer replicas, digital layers, the off-chip input) that play out
 * docs/hardware-model.md row by row, with contention on the shared tile resources, the NoC and eDRAM space.
 * Stateful, so a class; one instance per run.
 */
import type { ArchSpec } from '../arch/types';
import { replicaMvmCycles } from '../arch/mapping';
import { DeadlockError } from '../errors';
import { Environment } from './kernel/env';
import { RecordFifo } from './kernel/fifo';
import { newSlabs, type Slabs } from './kernel/slab';
import { CrossbarGroup, DigitalUnit, EdramBuffer, EdramPort, OffChipLink, ProductUnit, shiftAddCyclesPerMvm, type NocLink } from './components';
import { flitsOfBits, Noc, type Route } from './noc';
import { replicaPixelsInRow, type SimLayer, type SimProducer, type SimTopology } from './topology';
import type { TraceWriter } from './trace';

/** Why a unit waits. */
export const STALL_CAUSES = ['input', 'noc', 'buffer', 'edram', 'digital'] as const;
export type StallCause = (typeof STALL_CAUSES)[number];
const C_INPUT = 0;
const C_NOC = 1;
const C_BUFFER = 2;
const C_EDRAM = 3;
const C_DIGITAL = 4;

/** Engine event kinds (the second argument of every engine event). */
const EV_START = 0;
const EV_COMPUTE_DONE = 1;
const EV_ROW_DONE = 2;
const EV_DIGITAL_OPS = 3;
const EV_GRANTED = 4;
const EV_HOP = 5;
const EV_WRITE = 6;
const EV_ARRIVE = 7;
const EV_OFF_CHIP_DONE = 8;
const EV_FUSED_DONE = 9;
const EV_PRODUCT_DONE = 10;

/** Received rows of one producer on one tile (the part of the tile's eDRAM holding them). */
export interface Channel {
  /** Account id in the tile's buffer. */
  id: number;
  tile: number;
  producer: SimProducer;
  rows: number;
  arrived: Int32Array;
  refs: Int32Array;
  complete: Uint8Array;
  /** Per image: rows 0..prefix-1 are complete. */
  prefix: Int32Array;
  /** The producer's pieces per row (its piecesPerRow, held here for the hot path). */
  piecesPerRow: Int32Array;
  waiters: Unit[];
  buffer: EdramBuffer;
}

export interface Unit {
  id: number;
  layer: SimLayer | undefined;
  /** 'source' is the network input entering off-chip. */
  kind: 'replica' | 'digital' | 'source';
  replica: number;
  tile: number;
  producer: SimProducer;
  /** Images this unit works on, in order. */
  images: number[];
  imagePos: number;
  /** Next step (output row, or input row of an accumulating global pool) of the current image. */
  row: number;
  rows: number;
  /** eDRAM bits one MVM reads: its input vector in whole eDRAM accesses (rule 5). */
  mvmReadBits: number;
  /** Per step: the output pixels this unit computes (a conv replica's share of the row; 1 otherwise). */
  pixelsPerStep: Int32Array;
  jobsTotal: number;
  jobsStarted: number;
  jobsDone: number;
  inputs: Channel[];
  released: Int32Array;
  xbar: CrossbarGroup | undefined;
  /** Shift-and-add cycles per MVM (they work behind the ADCs), and those of its last streamed bit (drain). */
  saCycles: number;
  saDrainCycles: number;
  /** Computing (crossbars or a digital read in progress): the next job may not start. */
  active: boolean;
  pendingGrants: number;
  /** Jobs between start and row completion: [image, row, pixels, start, stallCause, stallCycles] flattened. */
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
  /** Rows waiting for their fused activations on the tile's digital unit: [image, row, pixels] flattened. */
  fusedQueue: RecordFifo;
  /** Who asks for eDRAM space, for deadlock messages (built once, not per request). */
  label: string;
  /** The producer's channel on each of its destination tiles (producer.destTiles order). */
  outChannels: Channel[];
  /** NOC route to each destination tile, found on first use (so links are created as before). */
  outRoutes: Array<Route | undefined>;
  /**
   * Source only: transfers of the rows being reserved or crossing the off-chip link, in order. A source row goes
   * to every destination tile, so each row is outChannels.length consecutive entries.
   */
  rowTransfers: RecordFifo;
  /** Flits of the last piece size this unit sent (NOTE: written for speed: pieces mostly repeat one size). */
  lastPieceBits: number;
  lastPieceFlits: number;
}

interface Transfer {
  unit: Unit;
  channel: Channel;
  /** Position of the channel in the unit's outChannels. */
  dest: number;
  image: number;
  row: number;
  bits: number;
  flits: number;
  route: Route | undefined;
  hop: number;
  sendStart: number;
  queued: number;
}

export interface EngineOptions {
  images: number;
  trace?: TraceWriter;
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

export class Engine {
  readonly env = new Environment();
  readonly arch: ArchSpec;
  readonly ports: EdramPort[] = [];
  readonly buffers: EdramBuffer[] = [];
  readonly digital: DigitalUnit[] = [];
  /** MAC arrays and rewritten crossbars for products of two activations (topology.productResources). */
  readonly products: ProductUnit[] = [];
  /** Energy of the product steps served so far, pJ. */
  productEnergyPj = 0;
  readonly noc: Noc;
  readonly offChip: OffChipLink;
  readonly units: Unit[] = [];
  readonly channels = new Map<number, Channel>();
  readonly imageStart: Float64Array;
  readonly imageDone: Float64Array;
  private readonly sinkJobsLeft: Int32Array;
  imagesDone = 0;
  jobsTotal = 0;
  jobsDone = 0;
  flitHops = 0;
  flits = 0;
  transferBits = 0;
  transfers = 0;
  nocWaitCycles = 0;
  /** Transfers by id; ids in `freeTransfers` are done and their objects reused. */
  private readonly transferPool: Transfer[] = [];
  /** The run's per-channel and per-account tables, carved from shared blocks. */
  private readonly slabs = newSlabs();
  private readonly freeTransfers: number[] = [];
  private readonly trace: TraceWriter | undefined;
  private readonly images: number;
  /** The one handler all engine events go through (a: unit or transfer id, b: EV_* kind). */
  private readonly hEvent: number;
  private readonly routerLatencyCycles: number;

  constructor(
    readonly topo: SimTopology,
    options: EngineOptions,
  ) {
    const arch = topo.arch;
    this.arch = arch;
    this.images = options.images;
    this.trace = options.trace;
    this.routerLatencyCycles = arch.noc.routerLatencyCycles;
    const env = this.env;
    // Only the tiles placement uses get components: an idle tile would add nothing to any result.
    const tiles = Math.min(arch.chip.tiles, topo.placement.tilesUsed);
    const capacityBits = arch.tile.edram.capacityKb * 8192;
    for (let t = 0; t < tiles; t++) {
      this.ports.push(new EdramPort(env, t, arch.tile.edram.accessBits, arch.tile.edram.accessesPerCycle));
      // A tile may hold more (it borrows the next tiles' eDRAM) or nothing (it lends it): placement decides.
      this.buffers.push(new EdramBuffer(env, t, capacityBits * (topo.placement.edramShares[t] ?? 1)));
      this.digital.push(new DigitalUnit(env, t, arch.tile.digital.opsPerCycle));
    }
    for (const r of topo.productResources) this.products.push(new ProductUnit(env, r.label, r.unitsPerCycle));
    this.noc = new Noc(env, arch);
    this.offChip = new OffChipLink(env, arch);
    this.imageStart = new Float64Array(this.images).fill(-1);
    this.imageDone = new Float64Array(this.images).fill(-1);
    this.sinkJobsLeft = new Int32Array(this.images);
    this.hEvent = env.register((id, kind) => this.dispatch(id, kind));
    this.buildUnits();
  }

  /**
   * Runs one engine event.
   * NOTE: written for speed: one registered handler and a switch, so the kernel's dispatch site sees one function
   * (a site calling ten different closures is megamorphic and inlines none of them).
   */
  private dispatch(id: number, kind: number): void {
    switch (kind) {
      case EV_START:
        return this.tryStart(this.unitAt(id));
      case EV_COMPUTE_DONE:
        return this.computeDone(this.unitAt(id));
      case EV_ROW_DONE:
        return this.rowDone(this.unitAt(id));
      case EV_DIGITAL_OPS:
        return this.digitalOps(this.unitAt(id));
      case EV_PRODUCT_DONE:
        return this.productDone(this.unitAt(id));
      case EV_GRANTED:
        return this.granted(id);
      case EV_HOP:
        return this.hop(id);
      case EV_WRITE:
        return this.write(id);
      case EV_ARRIVE:
        return this.arrive(id);
      case EV_OFF_CHIP_DONE:
        return this.offChipDone(this.unitAt(id));
      case EV_FUSED_DONE:
        return this.fusedDone(this.unitAt(id));
      default:
        throw new Error(`sim: unknown engine event kind ${kind}`);
    }
  }

  private unitAt(id: number): Unit {
    return this.units[id] as Unit;
  }

  private channel(tile: number, producerIndex: number): Channel {
    const key = tile * (this.topo.net.layers.length + 1) + producerIndex + 1;
    let ch = this.channels.get(key);
    if (ch === undefined) {
      const producer = this.topo.producers[producerIndex + 1];
      if (producer === undefined) throw new Error(`sim: layer ${producerIndex} produces no rows`);
      const size = producer.rows * this.images;
      ch = {
        id: this.channels.size,
        tile,
        producer,
        rows: producer.rows,
        arrived: this.slabs.int32.take(size),
        refs: this.slabs.int32.take(size),
        complete: this.slabs.uint8.take(size),
        prefix: this.slabs.int32.take(this.images),
        piecesPerRow: producer.piecesPerRow,
        waiters: [],
        buffer: this.buffers[tile] as EdramBuffer,
      };
      this.channels.set(key, ch);
    }
    return ch;
  }

  private newUnit(layer: SimLayer | undefined, kind: Unit['kind'], replica: number, tile: number, images: number[]): Unit {
    const producer = this.topo.producers[(layer?.index ?? -1) + 1] as SimProducer;
    const rows = layer ? layer.steps : producer.rows;
    const unit: Unit = {
      id: this.units.length,
      layer,
      kind,
      replica,
      tile,
      producer,
      images,
      imagePos: 0,
      row: 0,
      rows,
      pixelsPerStep: pixelsPerStep(layer, replica, rows, this.slabs),
      mvmReadBits: layer ? Math.ceil(layer.mvmReadBits / this.arch.tile.edram.accessBits) * this.arch.tile.edram.accessBits : 0,
      jobsTotal: images.length * rows,
      jobsStarted: 0,
      jobsDone: 0,
      inputs: [],
      released: new Int32Array(layer?.inputs.length ?? 0),
      xbar: undefined,
      saCycles: 0,
      saDrainCycles: 0,
      active: false,
      pendingGrants: 0,
      inFlight: new RecordFifo(6, 1),
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
      fusedQueue: new RecordFifo(3),
      label: layer ? `${layer.name} replica ${replica}` : 'the network input',
      outChannels: [],
      outRoutes: [],
      rowTransfers: new RecordFifo(1),
      lastPieceBits: -1,
      lastPieceFlits: 0,
    };
    this.units.push(unit);
    this.jobsTotal += unit.jobsTotal;
    if (layer) {
      for (const input of layer.inputs) {
        const ch = this.channel(tile, input.producer);
        unit.inputs.push(ch);
        for (const n of images) for (let q = 0; q < ch.rows; q++) (ch.refs[n * ch.rows + q] as number)++;
      }
      if (layer.sink) for (const n of images) (this.sinkJobsLeft[n] as number) += rows;
    }
    return unit;
  }

  private buildUnits(): void {
    const all = Array.from({ length: this.images }, (_, n) => n);
    this.newUnit(undefined, 'source', 0, -1, all);
    for (const layer of this.topo.layers) {
      // Destination channels exist (with zero refs) even on tiles hosting no unit of a consumer.
      const mapping = layer.mapping;
      if (mapping !== undefined) {
        for (let k = 0; k < layer.replicas; k++) {
          const images = layer.kind === 'fc' ? all.filter((n) => n % layer.replicas === k) : all;
          const unit = this.newUnit(layer, 'replica', k, layer.unitTiles[k] ?? 0, images);
          unit.xbar = new CrossbarGroup(this.env, `crossbars of ${layer.name} replica ${k}`, replicaMvmCycles(this.arch, mapping, layer.replicas));
          unit.saCycles = shiftAddCyclesPerMvm(this.arch, mapping.crossbarsPerReplica, mapping.reductionAddsPerMvm);
          const streamed = Math.ceil(mapping.abits / this.arch.dac.bits);
          unit.saDrainCycles = shiftAddCyclesPerMvm(this.arch, mapping.crossbarsPerReplica, mapping.reductionAddsPerMvm / streamed);
        }
      } else {
        this.newUnit(layer, 'digital', 0, layer.unitTiles[0] ?? 0, all);
      }
    }
    // Each producer's rows on a tile are guaranteed its readers' widest window plus one row of lookahead, by the
    // same rule (channelBits) placement used to fit the line buffers into the tile's eDRAM.
    for (const p of this.topo.producers) {
      if (p === undefined) continue;
      p.destTiles.forEach((t, k) => {
        const ch = this.channel(t, p.index);
        ch.buffer.reserveFor(ch.id, ch.rows * this.images, p.destSlots[k] ?? 0, p.rowBits, this.slabs);
      });
    }
    // Every channel exists now (ids in creation order, as before); units keep theirs to skip the map per send.
    for (const u of this.units) {
      const p = u.producer;
      u.outChannels = p.destTiles.map((t) => this.channel(t, p.index));
      u.outRoutes = p.destTiles.map(() => undefined);
    }
  }

  /** Starts every unit; call `env.run` afterwards. */
  start(): void {
    for (const u of this.units) this.env.schedule(0, this.hEvent, u.id, EV_START);
  }

  // ---- blocking bookkeeping -------------------------------------------------------------------------------

  private block(u: Unit, cause: number): void {
    if (u.blockedSince < 0) {
      u.blockedSince = this.env.now;
      u.blockedCause = cause;
    }
  }

  private unblock(u: Unit): void {
    u.lastStallCause = -1;
    u.lastStallCycles = 0;
    if (u.blockedSince < 0) return;
    const now = this.env.now;
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

  // ---- unit progress ---------------------------------------------------------------------------------------

  /** Starts the unit's next job if it may (previous work done, outputs placed, input rows present). */
  private tryStart(u: Unit): void {
    if (u.kind === 'source') return this.sourceNext(u);
    const layer = u.layer as SimLayer;
    while (!u.active && u.pendingGrants === 0 && u.jobsStarted < u.jobsTotal) {
      const n = u.images[u.imagePos] as number;
      const i = u.row;
      const pixels = u.pixelsPerStep[i] as number;
      if (u.kind === 'replica' && pixels === 0) {
        // No pixels of this row here: nothing to compute or send, only input rows to let go.
        u.jobsStarted++;
        this.advance(u);
        this.releaseInputs(u, n, i);
        this.finishJob(u, n);
        continue;
      }
      for (let k = 0; k < u.inputs.length; k++) {
        const ch = u.inputs[k] as Channel;
        const need = layer.inputs[k]?.need[i] ?? 0;
        if ((ch.prefix[n] as number) <= need) {
          u.waitImage = n;
          u.waitRow = need;
          u.waitChannel = ch;
          ch.waiters.push(u);
          this.block(u, C_INPUT);
          return;
        }
      }
      u.waitChannel = undefined;
      this.unblock(u);
      if (u.firstStart < 0) u.firstStart = this.env.now;
      u.jobsStarted++;
      this.advance(u);
      if (u.kind === 'replica') this.startMvms(u, layer, n, i, pixels);
      else this.startDigital(u, layer, n, i);
    }
  }

  private advance(u: Unit): void {
    if (++u.row === u.rows) {
      u.row = 0;
      u.imagePos++;
    }
  }

  /** Records a started job until its row completes (see Unit.inFlight). */
  private pushJob(u: Unit, n: number, i: number, pixels: number, start: number): void {
    const f = u.inFlight;
    const at = f.add();
    const d = f.data;
    d[at] = n;
    d[at + 1] = i;
    d[at + 2] = pixels;
    d[at + 3] = start;
    d[at + 4] = u.lastStallCause;
    d[at + 5] = u.lastStallCycles;
  }

  private startMvms(u: Unit, layer: SimLayer, n: number, i: number, pixels: number): void {
    const now = this.env.now;
    const port = this.ports[u.tile] as EdramPort;
    const xbar = u.xbar as CrossbarGroup;
    const mvm = xbar.mvmCycles;
    const readStart = port.serve(pixels * u.mvmReadBits);
    const readEnd = port.lastEnd;
    const firstRead = Math.ceil((readEnd - readStart) / pixels);
    const mvmStart = Math.max(readStart + firstRead, xbar.freeAt);
    xbar.serve(pixels, mvmStart);
    const mvmEnd = Math.max(xbar.lastEnd, readEnd + mvm);
    xbar.freeAt = mvmEnd;
    // Rule 5: shift-and-add keeps pace behind the ADCs unless slower than the MVM; only the last streamed bit's
    // additions drain after the last MVM.
    const finish = Math.max(mvmEnd, mvmStart + pixels * u.saCycles) + u.saDrainCycles;
    u.busyCycles += pixels * mvm;
    (u.stall[C_EDRAM] as number) += mvmStart - now > 0 ? Math.min(mvmStart - now, readStart + firstRead - now) : 0;
    u.active = true;
    this.pushJob(u, n, i, pixels, now);
    this.env.scheduleAt(mvmEnd, this.hEvent, u.id, EV_COMPUTE_DONE);
    this.env.scheduleAt(finish, this.hEvent, u.id, EV_ROW_DONE);
  }

  private startDigital(u: Unit, layer: SimLayer, n: number, i: number): void {
    const port = this.ports[u.tile] as EdramPort;
    const start = port.serve(layer.digitalReadBitsPerStep);
    (u.stall[C_EDRAM] as number) += start - this.env.now;
    u.active = true;
    this.pushJob(u, n, i, 0, this.env.now);
    this.env.scheduleAt(port.lastEnd, this.hEvent, u.id, EV_DIGITAL_OPS);
  }

  /** A digital unit's input read is done: queue its ops on the tile's digital unit; the next read may start. */
  private digitalOps(u: Unit): void {
    const layer = u.layer as SimLayer;
    if (layer.productResource >= 0) {
      // Section 8: the product runs on its MAC array (or rewritten crossbars) first; the digital unit then applies
      // what is fused into its output path (productDone). Waiting for the array counts as a digital stall.
      const array = this.products[layer.productResource] as ProductUnit;
      const before = array.busyCycles;
      const start = array.serve(layer.productWorkPerStep);
      (u.stall[C_DIGITAL] as number) += start - this.env.now;
      u.busyCycles += array.busyCycles - before;
      this.productEnergyPj += layer.productEnergyPjPerStep;
      this.env.scheduleAt(array.lastEnd, this.hEvent, u.id, EV_PRODUCT_DONE);
      u.active = false;
      this.tryStart(u);
      return;
    }
    const unit = this.digital[u.tile] as DigitalUnit;
    // The emitting step also applies the activations fused into this layer's output path (same unit, FIFO).
    const step = u.inFlight.data[u.inFlight.newest() + 1] as number;
    const before = unit.busyCycles;
    const start = unit.serve(layer.digitalOpsPerStep + (step === layer.steps - 1 || !layer.accumulate ? layer.fusedOpsPerRow : 0));
    (u.stall[C_DIGITAL] as number) += start - this.env.now;
    u.busyCycles += unit.busyCycles - before;
    this.env.scheduleAt(unit.lastEnd, this.hEvent, u.id, EV_ROW_DONE);
    u.active = false;
    this.tryStart(u);
  }

  /** A product step is done (FIFO per array, so in order): its own and fused digital ops, then the row is done. */
  private productDone(u: Unit): void {
    const layer = u.layer as SimLayer;
    const ops = layer.digitalOpsPerStep + layer.fusedOpsPerRow;
    if (ops <= 0) {
      this.rowDone(u);
      return;
    }
    const unit = this.digital[u.tile] as DigitalUnit;
    const before = unit.busyCycles;
    const start = unit.serve(ops);
    (u.stall[C_DIGITAL] as number) += start - this.env.now;
    u.busyCycles += unit.busyCycles - before;
    this.env.scheduleAt(unit.lastEnd, this.hEvent, u.id, EV_ROW_DONE);
  }

  private computeDone(u: Unit): void {
    u.active = false;
    this.tryStart(u);
  }

  /** A step is computed: trace it, free input rows, then apply fused activations and send the row piece. */
  private rowDone(u: Unit): void {
    const f = u.inFlight;
    const at = f.take();
    const d = f.data;
    const n = d[at] as number;
    const i = d[at + 1] as number;
    const pixels = d[at + 2] as number;
    const start = d[at + 3] as number;
    const cause = d[at + 4] as number;
    const stallCycles = d[at + 5] as number;
    const layer = u.layer as SimLayer;
    if (this.trace) {
      this.trace.write([
        u.kind === 'replica' ? 'mvm' : 'digital',
        layer.name,
        u.replica,
        n,
        i,
        start,
        this.env.now,
        cause >= 0 ? (STALL_CAUSES[cause] ?? '') : '',
        stallCycles,
        u.kind === 'replica' ? `${pixels} px on tile ${u.tile}` : layer.accumulate ? `input row ${i} on tile ${u.tile}` : `tile ${u.tile}`,
      ]);
    }
    this.releaseInputs(u, n, i);
    if (layer.accumulate && i < layer.steps - 1) this.finishJob(u, n);
    else if (u.kind === 'replica' && layer.fusedOpsPerRow > 0) {
      // Fused activations run on this replica's tile, on its own pixels, before the piece is sent (rule 5).
      const unit = this.digital[u.tile] as DigitalUnit;
      const share = layer.kind === 'conv' ? pixels / layer.outCols : 1;
      const opsStart = unit.serve(layer.fusedOpsPerRow * share);
      (u.stall[C_DIGITAL] as number) += opsStart - this.env.now;
      const q = u.fusedQueue;
      const at = q.add();
      q.data[at] = n;
      q.data[at + 1] = i;
      q.data[at + 2] = pixels;
      this.env.scheduleAt(unit.lastEnd, this.hEvent, u.id, EV_FUSED_DONE);
    } else this.emit(u, n, layer.accumulate ? layer.outRows - 1 : i, pixels);
    this.tryStart(u);
  }

  /** A replica's fused activations are done (FIFO per tile, so in order): send the piece. */
  private fusedDone(u: Unit): void {
    const q = u.fusedQueue;
    const at = q.take();
    const n = q.data[at] as number;
    const i = q.data[at + 1] as number;
    const pixels = q.data[at + 2] as number;
    this.emit(u, n, i, pixels);
  }

  /** Sends a finished row piece to every tile hosting a reader, and counts the job done. */
  private emit(u: Unit, n: number, i: number, pixels: number): void {
    const layer = u.layer as SimLayer;
    const p = u.producer;
    const dests = u.outChannels.length;
    if (dests > 0) {
      const bits = u.kind === 'replica' && layer.kind === 'conv' ? (p.rowBits / layer.outCols) * pixels : p.rowBits;
      for (let k = 0; k < dests; k++) this.send(u, k, n, i, bits);
    }
    this.finishJob(u, n);
  }

  private finishJob(u: Unit, n: number): void {
    u.jobsDone++;
    this.jobsDone++;
    if (u.layer?.sink && --(this.sinkJobsLeft[n] as number) === 0) {
      this.imageDone[n] = this.env.now;
      this.imagesDone++;
    }
  }

  /** Releases the input rows row i of image n was the last to need (rule 6: freed when no longer needed). */
  private releaseInputs(u: Unit, n: number, i: number): void {
    const layer = u.layer as SimLayer;
    const last = i === layer.steps - 1;
    for (let k = 0; k < u.inputs.length; k++) {
      const ch = u.inputs[k] as Channel;
      const upTo = last ? ch.rows : (layer.inputs[k]?.low[i + 1] ?? 0);
      let q = u.released[k] as number;
      for (; q < upTo; q++) {
        const idx = n * ch.rows + q;
        if (--(ch.refs[idx] as number) === 0 && ch.complete[idx] === 1) this.freeRow(ch, idx);
      }
      u.released[k] = last ? 0 : q;
    }
  }

  private freeRow(ch: Channel, idx: number): void {
    ch.buffer.freeRow(ch.id, idx);
  }

  // ---- the off-chip input --------------------------------------------------------------------------------

  private sourceNext(u: Unit): void {
    const p = u.producer;
    while (u.pendingGrants === 0 && u.jobsDone < u.jobsTotal) {
      const n = u.images[u.imagePos] as number;
      const i = u.row;
      this.advance(u);
      this.finishJob(u, n);
      // Reserve space at every destination first; the row crosses the off-chip link once all fit.
      u.waitImage = n;
      u.waitRow = i;
      for (let k = 0; k < u.outChannels.length; k++) this.send(u, k, n, i, p.rowBits);
      if (u.pendingGrants === 0) this.sourceLaunch(u, n, i);
      else this.block(u, C_BUFFER);
    }
  }

  private sourceLaunch(u: Unit, n: number, i: number): void {
    const start = this.offChip.serve(u.producer.rowBits);
    if (i === 0) this.imageStart[n] = start;
    this.env.scheduleAt(this.offChip.lastEnd, this.hEvent, u.id, EV_OFF_CHIP_DONE);
  }

  private offChipDone(u: Unit): void {
    // The row's transfers, parked at router 0, now enter the mesh (off-chip rows complete in order).
    for (let k = 0; k < u.outChannels.length; k++) {
      const t = u.rowTransfers.data[u.rowTransfers.take()] as number;
      const tr = this.transferPool[t] as Transfer;
      tr.hop = 0;
      this.env.schedule(this.routerLatencyCycles, this.hEvent, t, EV_HOP);
    }
  }

  // ---- sending rows ----------------------------------------------------------------------------------------

  /** Sends row piece (n, i) of `bits` to the unit's destination `dest` (an index into its outChannels). */
  private send(u: Unit, dest: number, n: number, i: number, bits: number): void {
    const ch = u.outChannels[dest] as Channel;
    // NOTE: transfers are pooled objects, reused by id once arrived (no allocation per row piece).
    let id = this.freeTransfers.pop();
    let tr: Transfer;
    if (id === undefined) {
      id = this.transferPool.length;
      tr = { unit: u, channel: ch, dest, image: n, row: i, bits, flits: 0, route: undefined, hop: -2, sendStart: -1, queued: this.env.now };
      this.transferPool.push(tr);
    } else {
      tr = this.transferPool[id] as Transfer;
      tr.unit = u;
      tr.channel = ch;
      tr.dest = dest;
      tr.image = n;
      tr.row = i;
      tr.bits = bits;
      tr.flits = 0;
      tr.route = undefined;
      tr.hop = -2;
      tr.sendStart = -1;
      tr.queued = this.env.now;
    }
    if (u.kind === 'source') {
      const at = u.rowTransfers.add(); // before reading .data: add may grow it
      u.rowTransfers.data[at] = id;
    }
    if (ch.buffer.request(bits, this.hEvent, id, EV_GRANTED, u.label, ch.id, n * ch.rows + i)) this.launch(id, tr);
    else {
      u.pendingGrants++;
      u.waitBufferTile = ch.tile;
      u.waitBits = bits;
      if (u.kind !== 'source') this.block(u, C_BUFFER);
    }
  }

  private granted(id: number): void {
    const tr = this.transferPool[id] as Transfer;
    const u = tr.unit;
    u.pendingGrants--;
    this.launch(id, tr);
    if (u.pendingGrants === 0) {
      if (u.kind === 'source') {
        this.unblock(u);
        this.sourceLaunch(u, tr.image, tr.row);
      }
      this.tryStart(u);
    }
  }

  private launch(id: number, tr: Transfer): void {
    const ch = tr.channel;
    tr.sendStart = this.env.now;
    const from = tr.unit.kind === 'source' ? -1 : tr.unit.tile;
    if (from === ch.tile) {
      this.write(id);
      return;
    }
    let route = tr.unit.outRoutes[tr.dest];
    if (route === undefined) {
      route = this.noc.route(from, ch.tile);
      tr.unit.outRoutes[tr.dest] = route;
    }
    tr.route = route;
    const u = tr.unit;
    if (u.lastPieceBits !== tr.bits) {
      u.lastPieceBits = tr.bits;
      u.lastPieceFlits = flitsOfBits(this.arch, tr.bits);
    }
    tr.flits = u.lastPieceFlits;
    this.flits += tr.flits;
    this.flitHops += tr.flits * tr.route.routers;
    this.transferBits += tr.bits;
    this.transfers++;
    if (from < 0) tr.hop = -1; // waits for the off-chip link (offChipDone)
    else {
      tr.hop = 0;
      this.hop(id);
    }
  }

  /** The head of a packet train reaches link `hop` of its route (cut-through, one train per link at a time). */
  private hop(id: number): void {
    const tr = this.transferPool[id] as Transfer;
    const route = tr.route as Route;
    const link = route.path[tr.hop] as NocLink;
    const start = link.serve(tr.flits);
    this.nocWaitCycles += start - this.env.now;
    if (++tr.hop < route.path.length) this.env.scheduleAt(start + this.routerLatencyCycles, this.hEvent, id, EV_HOP);
    else this.env.scheduleAt(link.lastEnd, this.hEvent, id, EV_WRITE);
  }

  /** The row piece is written into the receiving tile's eDRAM through its port. */
  private write(id: number): void {
    const tr = this.transferPool[id] as Transfer;
    const port = this.ports[tr.channel.tile] as EdramPort;
    port.serve(tr.bits);
    this.env.scheduleAt(port.lastEnd, this.hEvent, id, EV_ARRIVE);
  }

  private arrive(id: number): void {
    const tr = this.transferPool[id] as Transfer;
    this.freeTransfers.push(id);
    const ch = tr.channel;
    const idx = tr.image * ch.rows + tr.row;
    if (this.trace && tr.route) {
      this.trace.write([
        'noc',
        ch.producer.name,
        tr.unit.replica,
        tr.image,
        tr.row,
        tr.sendStart,
        this.env.now,
        tr.sendStart > tr.queued ? 'buffer' : '',
        tr.sendStart - tr.queued,
        `to tile ${ch.tile}: ${tr.flits} flits, ${tr.route.routers} routers`,
      ]);
    }
    if (++(ch.arrived[idx] as number) < (ch.piecesPerRow[tr.row] as number)) return;
    ch.complete[idx] = 1;
    if (ch.refs[idx] === 0) this.freeRow(ch, idx);
    const n = tr.image;
    let prefix = ch.prefix[n] as number;
    const base = n * ch.rows;
    while (prefix < ch.rows && ch.complete[base + prefix] === 1) prefix++;
    if (prefix === ch.prefix[n]) return;
    ch.prefix[n] = prefix;
    if (ch.waiters.length === 0) return;
    // NOTE: woken waiters leave the list in place (no new array per arrival).
    const waiters = ch.waiters;
    let kept = 0;
    for (let j = 0; j < waiters.length; j++) {
      const w = waiters[j] as Unit;
      if (w.waitImage === n && w.waitRow < prefix) {
        w.wakeSendStart = tr.route ? tr.sendStart : -1;
        this.env.schedule(0, this.hEvent, w.id, EV_START);
      } else waiters[kept++] = w;
    }
    while (waiters.length > kept) waiters.pop();
  }

  // ---- deadlock --------------------------------------------------------------------------------------------

  /** Throws DeadlockError naming who waits on what, when the queue ran dry before all images finished. */
  checkDeadlock(): void {
    if (this.imagesDone >= this.images) return;
    const lines: string[] = [];
    const names = (tile: number): string => {
      const held = new Map<string, number>();
      for (const ch of this.channels.values()) {
        if (ch.tile !== tile) continue;
        const bits = ch.buffer.heldBy(ch.id);
        if (bits > 0) held.set(ch.producer.name, (held.get(ch.producer.name) ?? 0) + bits);
      }
      return [...held.entries()].map(([name, bits]) => `${name} (${bits} bits)`).join(', ') || 'nothing';
    };
    for (const u of this.units) {
      if (u.jobsDone >= u.jobsTotal) continue;
      const who = u.layer ? `${u.layer.name}${u.layer.replicas > 1 ? ` replica ${u.replica}` : ''}` : 'the network input';
      if (u.pendingGrants > 0) {
        const buf = this.buffers[u.waitBufferTile] as EdramBuffer;
        lines.push(
          `${who} waits for eDRAM space on tile ${u.waitBufferTile} (needs ${u.waitBits} bits; ${buf.used} of ${buf.capacity} used) held by rows of ${names(u.waitBufferTile)}`,
        );
      } else if (u.waitChannel) {
        const ch = u.waitChannel;
        lines.push(
          `${who} waits for row ${u.waitRow} of image ${u.waitImage} of ${ch.producer.name} on tile ${ch.tile} (has rows 0..${(ch.prefix[u.waitImage] as number) - 1})`,
        );
      }
      if (lines.length >= 12) break;
    }
    throw new DeadlockError(
      `simulation deadlocked at cycle ${this.env.now} with ${this.imagesDone} of ${this.images} images done: eDRAM buffers are too small ` +
        `for the pipeline to progress (tile.edram.capacityKb = ${this.arch.tile.edram.capacityKb}).\n  ` +
        lines.join('\n  '),
    );
  }
}
