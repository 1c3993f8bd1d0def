/**
 * The simulation proper: units (layer replicas, digital layers, the off-chip input; sim/units.ts) that play out
 * docs/hardware-model.md row by row, with contention on the shared tile resources (a row job's timing on them:
 * sim/row-jobs.ts), the NoC (sim/transfers.ts) and eDRAM space. This file is the dispatcher and the units' progress
 * (start, finish, send, wake). Stateful, so a class; one instance per run. The report is built from it by sim/results.ts.
 */
import type { ArchSpec } from '../arch/types';
import { edramCapacityBits } from '../arch/edram';
import { DeadlockError } from '../errors';
import { Environment } from './kernel/env';
import { newSlabs } from './kernel/slab';
import type { ServerClock } from './kernel/resource';
import { DigitalUnit, EdramBuffer, EdramPort, OffChipLink, ProductUnit } from './components';
import { Noc } from './noc';
import type { SimLayer, SimTopology } from './topology';
import type { TraceWriter } from './trace';
import { Transfers } from './transfers';
import {
  EV_ARRIVE, EV_COMPUTE_DONE, EV_DIGITAL_OPS, EV_FUSED_DONE, EV_GRANTED, EV_HOP, EV_MVM_START, EV_OFF_CHIP_DONE, EV_PRODUCT_DONE, EV_ROUTER_TAKEN, EV_ROW_DONE, EV_START,
  EV_WRITE,
} from './events';
import {
  block, C_BUFFER, idleFrom, C_DIGITAL, C_INPUT, FUSED_IMAGE, FUSED_PIXELS, FUSED_ROW, JOB_IMAGE, JOB_PIXELS, JOB_ROW,
  JOB_STALL_CAUSE, JOB_STALL_CYCLES, JOB_START, jobTraceRow, unblock, type Channel, type DigitalLayerUnit, type ReplicaUnit, type SourceUnit, type Unit,
} from './units';
import { channelImageSlot, pieceArrived, releaseInputs } from './channels';
import { deadlockReport } from './deadlock';
import { type JobSite, serveDigitalStep, serveFusedOps, serveProductOps, startDigital, startMvms, startSharedMvms } from './row-jobs';
import { buildUnits } from './unit-setup';
import { ImageStream } from './image-stream';
import { type InputSite, OffChipInput } from './off-chip-input';

/** NOTE: out of line, so the dispatcher stays small. */
function unknownKind(kind: number): never {
  throw new Error(`sim: unknown engine event kind ${kind}`);
}

export interface EngineOptions {
  images: number;
  trace?: TraceWriter;
}

/**
 * One simulation run; its row jobs' resource timing is sim/row-jobs.ts (the engine is their JobSite), the network
 * input's entry sim/off-chip-input.ts (its InputSite).
 */
export class Engine implements JobSite, InputSite {
  readonly env = new Environment();
  readonly arch: ArchSpec;
  readonly ports: EdramPort[] = [];
  readonly buffers: EdramBuffer[] = [];
  readonly digital: DigitalUnit[] = [];
  /** The ports' and digital units' clocks, by tile (JobSite). */
  readonly portClocks: ServerClock[] = [];
  readonly digitalClocks: ServerClock[] = [];
  /** MAC arrays and rewritten crossbars for products of two activations (topology.productResources). */
  readonly products: ProductUnit[] = [];
  /** Energy of the product steps served so far, pJ. */
  productEnergyPj = 0;
  readonly noc: Noc;
  readonly offChip: OffChipLink;
  readonly transfers: Transfers;
  readonly units: Unit[];
  readonly channels: Map<number, Channel>;
  /** Per image in flight: its start and sink jobs left; per finished image, what the results need. */
  readonly stream: ImageStream;
  imagesDone = 0;
  /** The network input's rows crossing the off-chip link (sim/off-chip-input.ts). */
  private readonly input: OffChipInput;
  readonly jobsTotal: number;
  jobsDone = 0;
  /** The run's per-channel and per-account tables, carved from shared blocks. */
  private readonly slabs = newSlabs();
  private readonly images: number;
  private readonly trace: TraceWriter | undefined;
  /** The one handler all engine events go through (a: unit or transfer id, b: EV_* kind). */
  readonly hEvent: number;

  constructor(
    readonly topo: SimTopology,
    options: EngineOptions,
  ) {
    const arch = topo.arch;
    this.arch = arch;
    this.images = options.images;
    this.trace = options.trace;
    const env = this.env;
    // Only the tiles placement uses get components: an idle tile would add nothing to any result.
    const tiles = Math.min(arch.chip.tiles, topo.placement.tilesUsed);
    const capacityBits = edramCapacityBits(arch);
    for (let t = 0; t < tiles; t++) {
      this.ports.push(new EdramPort(env, t, arch.tile.edram.accessBits, arch.tile.edram.accessesPerCycle));
      // A tile may hold more (it borrows the next tiles' eDRAM) or nothing (it lends it): placement decides.
      this.buffers.push(new EdramBuffer(env, t, capacityBits * (topo.placement.edramShares[t] ?? 1)));
      this.digital.push(new DigitalUnit(env, t, arch.tile.digital.opsPerCycle));
      this.portClocks.push((this.ports[t] as EdramPort).clock);
      this.digitalClocks.push((this.digital[t] as DigitalUnit).clock);
    }
    for (const r of topo.productResources) this.products.push(new ProductUnit(env, r.label, r.unitsPerCycle));
    this.noc = new Noc(env, arch);
    this.offChip = new OffChipLink(env, arch);
    this.hEvent = env.register((id, kind) => this.dispatch(id, kind));
    this.transfers = new Transfers(env, arch, this.noc, this.ports, this.hEvent, this.trace);
    this.input = new OffChipInput(this);
    const setup = buildUnits(topo, env, this.images, this.buffers, this.slabs);
    this.units = setup.units;
    this.channels = setup.channels;
    this.stream = new ImageStream(this.images, setup.sinks);
    this.jobsTotal = setup.jobsTotal;
    for (const u of this.units) this.transfers.planRoutes(u);
  }

  /**
   * Runs one engine event. The transitions (a unit or transfer id, its event kind, what runs, what it schedules):
   *
   *   event             on        runs            schedules (a row job's resource timing: sim/row-jobs.ts)
   *   EV_START          unit      tryStart        replica: EV_COMPUTE_DONE + EV_ROW_DONE (sharing ADCs: EV_MVM_START
   *                                               instead of EV_ROW_DONE); digital: EV_DIGITAL_OPS;
   *                                               source: space at every destination, then EV_OFF_CHIP_DONE;
   *                                               input row missing: waits on the channel (EV_ARRIVE wakes it)
   *   EV_MVM_START      replica   startSharedMvms  MVMs start: shared ADCs booked in this order; EV_ROW_DONE
   *   EV_COMPUTE_DONE   replica   computeDone     reads done, MVMs started: tryStart reads the next job ahead (a
   *                                               recurrent step's next step waits for
   *                                               its drain and cell ops: rowDone / fusedDone free them instead)
   *   EV_DIGITAL_OPS    digital   digitalOps      ops on the tile's digital unit: EV_ROW_DONE, tryStart; a product of
   *                                               two activations goes to its MAC array first: EV_PRODUCT_DONE
   *   EV_PRODUCT_DONE   digital   productDone     own and fused ops on the digital unit: EV_ROW_DONE (none: rowDone);
   *                                               tryStart (one product row job per layer at a time)
   *   EV_ROW_DONE       replica,  rowDone         inputs freed; accumulating step: done; fused activations:
   *                     digital                   EV_FUSED_DONE; else emit (a recurrent step: frees the unit);
   *                                               tryStart
   *   EV_FUSED_DONE     replica   fusedDone       emit; a recurrent step: tryStart
   *     emit / source: per destination, eDRAM space granted now (launch) or later (EV_GRANTED)
   *   EV_GRANTED        transfer  granted         launch; the unit's last grant: source: EV_OFF_CHIP_DONE; tryStart
   *     launch: same tile: write at once; from the source: waits for EV_OFF_CHIP_DONE; else hop
   *   EV_OFF_CHIP_DONE  source    input.done      each of the row's transfers: EV_HOP (router latency)
   *   EV_ROUTER_TAKEN   source    input.routerTaken  the next granted row crosses the off-chip link: EV_OFF_CHIP_DONE
   *   EV_HOP            transfer  hop             next link: EV_HOP; last link: EV_WRITE
   *   EV_WRITE          transfer  write           eDRAM port write: EV_ARRIVE
   *   EV_ARRIVE         transfer  arrive          row complete: waiting units EV_START (same cycle)
   *
   * NOTE: written for speed: one registered handler and a switch, so the kernel's dispatch site sees one function
   * (a site calling ten different closures is megamorphic and inlines none of them).
   */
  private dispatch(id: number, kind: number): void {
    // NOTE: written for speed: kept under V8's inlining limit (460 bytes of bytecode), so the kernel's loop may inline
    // it and an event costs one call fewer. The cases are literals (each checked against its EV_* name by
    // `satisfies`): an imported constant is a property load and a compare per case, a literal makes a jump table.
    switch (kind) {
      case 5 satisfies typeof EV_HOP:
        return this.transfers.hop(id);
      case 7 satisfies typeof EV_ARRIVE:
        return this.arrive(id);
      case 6 satisfies typeof EV_WRITE:
        return this.transfers.write(id);
      case 4 satisfies typeof EV_GRANTED:
        return this.granted(id);
    }
    const u = this.units[id] as Unit;
    switch (kind) {
      case 0 satisfies typeof EV_START:
        // Most wake-ups find the unit computing (woken by a row it already had, or started since): nothing to do.
        if (!u.active) this.tryStart(u);
        return;
      case 1 satisfies typeof EV_COMPUTE_DONE:
        return this.computeDone(u);
      case 2 satisfies typeof EV_ROW_DONE:
        return this.rowDone(u as ReplicaUnit | DigitalLayerUnit);
      case 9 satisfies typeof EV_FUSED_DONE:
        return this.fusedDone(u as ReplicaUnit);
      case 12 satisfies typeof EV_MVM_START:
        return startSharedMvms(this, u as ReplicaUnit);
      case 3 satisfies typeof EV_DIGITAL_OPS:
        return this.digitalOps(u);
      case 10 satisfies typeof EV_PRODUCT_DONE:
        return this.productDone(u as DigitalLayerUnit);
      case 8 satisfies typeof EV_OFF_CHIP_DONE:
        return this.input.done(u as SourceUnit);
      case 11 satisfies typeof EV_ROUTER_TAKEN:
        return this.input.routerTaken(u as SourceUnit);
      default:
        return unknownKind(kind);
    }
  }

  /** Starts every unit; call `env.run` afterwards. */
  start(): void {
    for (const u of this.units) this.env.schedule(0, this.hEvent, u.id, EV_START);
  }

  // ---- unit progress ---------------------------------------------------------------------------------------

  /** Starts the unit's next job if it may (previous work done, outputs placed, input rows present). */
  private tryStart(u: Unit): void {
    if (u.kind === 'source') return this.input.next(u);
    const layer = u.layer;
    while (!u.active && u.pendingGrants === 0 && u.jobsStarted < u.jobsTotal) {
      const n = u.image;
      const i = u.row;
      const pixels = u.pixelsPerStep[i] as number;
      if (u.kind === 'replica' && pixels === 0) {
        // No pixels of this row here: nothing to compute or send, only input rows to let go.
        u.jobsStarted++;
        this.advance(u);
        releaseInputs(u, n, i);
        this.finishJob(u, n);
        continue;
      }
      if (u.kind === 'replica' && u.fusedQueue.size >= u.rows) {
        // Rule 5: at most one image of computed rows awaits its fused activations (a replica cannot run images ahead
        // of a busy digital unit); binds only where that unit is the bottleneck. fusedDone wakes it.
        block(u, C_DIGITAL, idleFrom(u, this.env.now));
        return;
      }
      const inputs = u.inputs;
      // u.inputs[k] is the channel of layer.inputs[k], u.inputNeeds[k] its need table (unit-setup builds them in that order).
      const needs = u.inputNeeds;
      for (let k = 0; k < inputs.length; k++) {
        const ch = inputs[k] as Channel;
        const need = (needs[k] as Int32Array)[i] as number;
        if ((ch.prefix[n < ch.hi ? n & ch.mask : channelImageSlot(ch, n)] as number) <= need) {
          u.waitImage = n;
          u.waitRow = need;
          u.waitChannel = ch;
          ch.waiters.push(u);
          block(u, C_INPUT, idleFrom(u, this.env.now));
          return;
        }
      }
      u.waitChannel = undefined;
      unblock(u, this.env.now);
      if (u.firstStart < 0) u.firstStart = this.env.now;
      u.jobsStarted++;
      this.advance(u);
      if (u.kind === 'replica') startMvms(this, u, n, i, pixels);
      else startDigital(this, u, layer, n, i);
    }
  }

  /** Moves the unit on to its next (image, row). */
  advance(u: Unit): void {
    if (++u.row === u.rows) {
      u.row = 0;
      u.image += u.images.stride;
    }
  }

  /** A digital unit's input read is done: its product goes to its array, or its ops to the digital unit. */
  private digitalOps(u: Unit): void {
    if (serveDigitalStep(this, u)) return;
    u.active = false;
    this.tryStart(u);
  }

  /** A product step is done (FIFO per array, so in order): its own and fused digital ops, then the row is done. */
  private productDone(u: DigitalLayerUnit): void {
    u.active = false;
    if (!serveProductOps(this, u)) this.rowDone(u);
    this.tryStart(u);
  }

  private computeDone(u: Unit): void {
    // A recurrent step's hidden state is ready only after its drain and cell ops (rowDone, fusedDone).
    if (u.layer?.serialSteps === true) return;
    u.active = false;
    this.tryStart(u);
  }

  /** A step is computed: trace it, free input rows, then apply fused activations and send the row piece. */
  private rowDone(u: ReplicaUnit | DigitalLayerUnit): void {
    const f = u.inFlight;
    const at = f.take();
    const d = f.data;
    // NOTE: written for speed: image, row and pixels are small integers; `| 0` keeps them int32 (a Float64Array read
    // is a double, and a double stored into a transfer or unit field turns that field into a heap box for every object).
    const n = (d[at + JOB_IMAGE] as number) | 0;
    const i = (d[at + JOB_ROW] as number) | 0;
    const pixels = (d[at + JOB_PIXELS] as number) | 0;
    const start = d[at + JOB_START] as number;
    const cause = d[at + JOB_STALL_CAUSE] as number;
    const stallCycles = d[at + JOB_STALL_CYCLES] as number;
    const layer = u.layer;
    if (this.trace) this.trace.write(jobTraceRow(u, n, i, pixels, start, this.env.now, cause, stallCycles));
    releaseInputs(u, n, i);
    if (layer.accumulate && i < layer.steps - 1) this.finishJob(u, n);
    // Fused activations run on this replica's tile, on its own pixels, before the piece is sent (rule 5).
    else if (u.kind === 'replica' && layer.fusedOpsPerRow > 0) serveFusedOps(this, u, n, i, pixels);
    else {
      this.emit(u, n, layer.accumulate ? layer.outRows - 1 : i, pixels);
      if (layer.serialSteps) u.active = false;
    }
    this.tryStart(u);
  }

  /** A replica's fused activations are done (FIFO per tile, so in order): send the piece. */
  private fusedDone(u: ReplicaUnit): void {
    const q = u.fusedQueue;
    const at = q.take();
    const n = (q.data[at + FUSED_IMAGE] as number) | 0; // int32: see rowDone
    const i = (q.data[at + FUSED_ROW] as number) | 0;
    const pixels = (q.data[at + FUSED_PIXELS] as number) | 0;
    this.emit(u, n, i, pixels);
    // A recurrent step's next step waited for this one; any replica may have waited for room in its output.
    if (u.layer.serialSteps) u.active = false;
    this.tryStart(u);
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

  /** Counts job (u, image n) done; a sink's last job of an image finishes the image. */
  finishJob(u: Unit, n: number): void {
    u.jobsDone++;
    this.jobsDone++;
    if (u.layer?.sink && this.stream.sinkJobDone(n, this.env.now)) this.imagesDone++;
  }

  // ---- sending rows ----------------------------------------------------------------------------------------

  /** Sends row piece (n, i) of `bits` to the unit's destination `dest` (an index into its outChannels). */
  send(u: Unit, dest: number, n: number, i: number, bits: number): void {
    const ch = u.outChannels[dest] as Channel;
    const id = this.transfers.open(u, dest, n, i, bits);
    if (u.kind === 'source') {
      const at = u.rowTransfers.add(); // before reading .data: add may grow it
      u.rowTransfers.data[at] = id;
    }
    if (ch.buffer.request(bits, this.hEvent, id, EV_GRANTED, u.label, ch.id, n * ch.rows + i)) this.transfers.launch(id);
    else {
      u.pendingGrants++;
      u.waitBufferTile = ch.tile;
      u.waitBits = bits;
      if (u.kind !== 'source') block(u, C_BUFFER, this.env.now);
    }
  }

  private granted(id: number): void {
    const tr = this.transfers.at(id);
    const u = tr.unit;
    u.pendingGrants--;
    this.transfers.launch(id);
    if (u.pendingGrants === 0) {
      if (u.kind === 'source') {
        unblock(u, this.env.now);
        this.input.launch(u);
      }
      this.tryStart(u);
    }
  }

  /** A row piece is in its destination's eDRAM: once the row is whole, wake the units waiting for it. */
  private arrive(id: number): void {
    const tr = this.transfers.close(id);
    const ch = tr.channel;
    const n = tr.image;
    const prefix = pieceArrived(ch, n, tr.row);
    if (prefix < 0 || ch.waiters.length === 0) return;
    this.wake(ch.waiters, n, prefix, tr.route ? tr.sendStart : -1);
  }

  /**
   * Rows 0..prefix-1 of image n are complete (the last piece sent at `sendStart`, -1 on its own tile): the waiters
   * for one of them start (same cycle). NOTE: out of line, so arrive stays small enough to inline.
   */
  private wake(waiters: Unit[], n: number, prefix: number, sendStart: number): void {
    // NOTE: woken waiters leave the list in place (no new array per arrival).
    let kept = 0;
    for (let j = 0; j < waiters.length; j++) {
      const w = waiters[j] as Unit;
      if (w.waitImage === n && w.waitRow < prefix) {
        w.wakeSendStart = sendStart;
        this.env.schedule(0, this.hEvent, w.id, EV_START);
      } else waiters[kept++] = w;
    }
    while (waiters.length > kept) waiters.pop();
  }

  /**
   * Bytes of the run's per-image and per-row tables: channel rings, eDRAM account rings, the image stream. They
   * follow the images in flight (the pipeline's window), so they stay flat as the stream grows (the recorded
   * completions aside, up to RECORDED_IMAGES).
   */
  tableBytes(): number {
    let bytes = this.stream.tableBytes;
    for (const ch of this.channels.values()) {
      bytes += ch.arrived.byteLength + ch.refs.byteLength + ch.complete.byteLength + ch.prefix.byteLength + ch.freedRows.byteLength;
    }
    for (const b of this.buffers) bytes += b.tableBytes;
    return bytes;
  }

  /** Throws DeadlockError naming who waits on what, when the queue ran dry before all images finished. */
  checkDeadlock(): void {
    if (this.imagesDone >= this.images) return;
    throw new DeadlockError(
      `simulation deadlocked at cycle ${this.env.now} with ${this.imagesDone} of ${this.images} images done: eDRAM buffers are too small ` +
        `for the pipeline to progress (tile.edram.capacityKb = ${this.arch.tile.edram.capacityKb}).\n  ` +
        deadlockReport(this.units, this.channels.values(), this.buffers).join('\n  '),
    );
  }
}
