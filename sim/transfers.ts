/**
 * Row pieces on their way from a unit to a tile's eDRAM: a pool of transfer records, their route over the NoC
 * (rule 6: cut-through, one packet train per link at a time), the write through the destination's eDRAM port, and
 * the NoC counters the results report.
 */
import type { ArchSpec } from '../arch/types';
import type { EdramPort } from './components';
import type { Environment } from './kernel/env';
import type { ServerClock } from './kernel/resource';
import { EV_ARRIVE, EV_HOP, EV_ROUTER_TAKEN, EV_WRITE } from './events';
import { flitsOfBits } from '../arch/routing';
import type { Noc, Route } from './noc';
import type { TraceWriter } from './trace';
import type { Channel, Unit } from './units';

/** One row piece in flight. */
export interface Transfer {
  unit: Unit;
  channel: Channel;
  /** Position of the channel in the unit's outChannels. */
  dest: number;
  image: number;
  row: number;
  bits: number;
  flits: number;
  route: Route | undefined;
  /** Next link of the route; -1 while waiting for the off-chip link, -2 before launch. */
  hop: number;
  sendStart: number;
  queued: number;
}

export class Transfers {
  /** Counters for the results: pieces sent over the NoC, their flits, bits, flit-router crossings, link waits. */
  count = 0;
  flits = 0;
  bits = 0;
  flitHops = 0;
  waitCycles = 0;
  /**
   * The off-chip row at router 0 (rule 6): its pieces not yet started on their first link, and the latest start
   * among those that have. When none is left, EV_ROUTER_TAKEN goes to the source at that start.
   */
  private routerPiecesLeft = 0;
  private routerTakenAt = 0;
  /** Transfers by id; ids in `free` are done and their objects reused. */
  private readonly pool: Transfer[] = [];
  private readonly free: number[] = [];
  private readonly routerLatencyCycles: number;
  /** Each tile's eDRAM port clock (NOTE: written for speed: a write serves it with one lookup, not two). */
  private readonly portClocks: ServerClock[];

  constructor(
    private readonly env: Environment,
    private readonly arch: ArchSpec,
    private readonly noc: Noc,
    ports: EdramPort[],
    /** The engine's one event handler (see Engine.dispatch). */
    private readonly hEvent: number,
    private readonly trace: TraceWriter | undefined,
  ) {
    this.routerLatencyCycles = arch.noc.routerLatencyCycles;
    this.portClocks = ports.map((p) => p.clock);
  }

  at(id: number): Transfer {
    return this.pool[id] as Transfer;
  }

  /** A transfer record for row piece (n, i) of `bits` from `u` to its destination `dest`; returns its id. */
  open(u: Unit, dest: number, n: number, i: number, bits: number): number {
    const ch = u.outChannels[dest] as Channel;
    // NOTE: transfers are pooled objects, reused by id once arrived (no allocation per row piece).
    let id = this.free.pop();
    if (id === undefined) {
      id = this.pool.length;
      this.pool.push({ unit: u, channel: ch, dest, image: n, row: i, bits, flits: 0, route: undefined, hop: -2, sendStart: -1, queued: this.env.now });
      return id;
    }
    const tr = this.pool[id] as Transfer;
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
    return id;
  }

  /**
   * Finds the unit's XY route to each destination tile off its own (routes are static: built with the run, so no
   * event pays for building one or its links).
   */
  planRoutes(u: Unit): void {
    const from = u.kind === 'source' ? -1 : u.tile;
    for (let k = 0; k < u.outChannels.length; k++) {
      const to = (u.outChannels[k] as Channel).tile;
      if (to !== from) u.outRoutes[k] = this.noc.route(from, to);
    }
  }

  /** Space at the destination is granted: the piece leaves (or is written at once when it stays on its tile). */
  launch(id: number): void {
    const tr = this.pool[id] as Transfer;
    const ch = tr.channel;
    tr.sendStart = this.env.now;
    const u = tr.unit;
    const from = u.kind === 'source' ? -1 : u.tile;
    if (from === ch.tile) {
      this.write(id);
      return;
    }
    const route = u.outRoutes[tr.dest] as Route; // planRoutes
    tr.route = route;
    if (u.lastPieceBits !== tr.bits) {
      u.lastPieceBits = tr.bits;
      u.lastPieceFlits = flitsOfBits(this.arch, tr.bits);
    }
    tr.flits = u.lastPieceFlits;
    this.flits += tr.flits;
    this.flitHops += tr.flits * route.routers;
    this.bits += tr.bits;
    this.count++;
    if (from < 0) tr.hop = -1; // waits for the off-chip link (enterMesh)
    else {
      tr.hop = 0;
      this.hop(id);
    }
  }

  /** An off-chip row of `pieces` pieces crossed the link into router 0 (each then enters the mesh: enterMesh). */
  atRouter(pieces: number): void {
    this.routerPiecesLeft = pieces;
    this.routerTakenAt = 0;
  }

  /** A piece of the off-chip row at router 0 enters the mesh after the router's latency. */
  enterMesh(id: number): void {
    (this.pool[id] as Transfer).hop = 0;
    this.env.schedule(this.routerLatencyCycles, this.hEvent, id, EV_HOP);
  }

  /** The head of a packet train reaches link `hop` of its route (cut-through, one train per link at a time). */
  hop(id: number): void {
    const tr = this.pool[id] as Transfer;
    const route = tr.route as Route;
    // NOTE: written for speed: the link's clock served directly (one class), not through Server.serve, whose
    // `this.clock` load sees every kind of server and is megamorphic.
    const clock = route.clocks[tr.hop] as ServerClock;
    const now = this.env.now;
    const start = clock.serve(tr.flits, now);
    this.waitCycles += start - now;
    if (tr.hop === 0 && tr.unit.kind === 'source') this.leftRouter0(tr.unit.id, start);
    // NOTE: written for speed: one scheduling call site, so V8 inlines the queue's push once, not twice.
    const last = ++tr.hop === route.clocks.length;
    this.env.scheduleAt(last ? clock.lastEnd : start + this.routerLatencyCycles, this.hEvent, id, last ? EV_WRITE : EV_HOP);
  }

  /**
   * A piece of the off-chip row started on its first link at `start`: router 0 holds the row until each of its pieces
   * has (rule 6). NOTE: out of line, so the hop every piece makes stays small enough to inline.
   */
  private leftRouter0(sourceId: number, start: number): void {
    if (start > this.routerTakenAt) this.routerTakenAt = start;
    if (--this.routerPiecesLeft === 0) this.env.scheduleAt(this.routerTakenAt, this.hEvent, sourceId, EV_ROUTER_TAKEN);
  }

  /** The row piece is written into the receiving tile's eDRAM through its port. */
  write(id: number): void {
    const tr = this.pool[id] as Transfer;
    const clock = this.portClocks[tr.channel.tile] as ServerClock;
    clock.serve(tr.bits, this.env.now);
    this.env.scheduleAt(clock.lastEnd, this.hEvent, id, EV_ARRIVE);
  }

  /** The piece is in place: its id goes back to the pool (the record stays readable until the next `open`). */
  close(id: number): Transfer {
    const tr = this.pool[id] as Transfer;
    this.free.push(id);
    if (this.trace && tr.route) {
      const ch = tr.channel;
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
    return tr;
  }
}
