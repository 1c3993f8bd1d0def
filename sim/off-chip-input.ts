/**
 * The network input entering the chip (docs/hardware-model.md rule 6): the source unit reserves eDRAM space for a
 * row at every tile that reads it, then the row crosses the off-chip link, rows in order, and its pieces enter the
 * mesh at router 0. The engine (sim/engine.ts) dispatches the source's events here.
 */
import type { OffChipLink } from './components';
import { EV_OFF_CHIP_DONE } from './events';
import type { ImageStream } from './image-stream';
import type { Environment } from './kernel/env';
import type { Transfers } from './transfers';
import { block, C_BUFFER, type SourceUnit, type Unit } from './units';

/** What the input needs from the engine: its clock, the off-chip link and NoC transfers, and a unit's bookkeeping. */
export interface InputSite {
  readonly env: Environment;
  readonly hEvent: number;
  readonly offChip: OffChipLink;
  readonly transfers: Transfers;
  readonly stream: ImageStream;
  /** Moves the unit on to its next (image, row). */
  advance(u: Unit): void;
  /** Counts job (u, image n) done. */
  finishJob(u: Unit, n: number): void;
  /** Sends row piece (n, i) of `bits` to the unit's destination `dest`, or waits for its eDRAM grant. */
  send(u: Unit, dest: number, n: number, i: number, bits: number): void;
}

export class OffChipInput {
  /** Rows with space at every destination, waiting to cross; whether a row is crossing or held at router 0. */
  private readyRows = 0;
  private busy = false;

  constructor(private readonly e: InputSite) {}

  /** The source's next rows: each reserves space at every destination, then crosses once all fit. */
  next(u: SourceUnit): void {
    const e = this.e;
    const p = u.producer;
    while (u.pendingGrants === 0 && u.jobsDone < u.jobsTotal) {
      const n = u.image;
      const i = u.row;
      e.advance(u);
      e.finishJob(u, n);
      // Reserve space at every destination first; the row crosses the off-chip link once all fit.
      u.waitImage = n;
      u.waitRow = i;
      for (let k = 0; k < u.outChannels.length; k++) e.send(u, k, n, i, p.rowBits);
      if (u.pendingGrants === 0) this.launch(u);
      else block(u, C_BUFFER, e.env.now);
    }
  }

  /** The source's next row has space at every destination: it crosses the off-chip link when router 0 is free (rows in order). */
  launch(u: Unit): void {
    this.readyRows++;
    if (!this.busy) this.cross(u);
  }

  /**
   * The oldest granted row crosses the off-chip link. Rule 6: router 0 holds one off-chip row, so the next crosses
   * only once every piece of this one has started on its first NoC link (routerTaken): the input cannot queue rows
   * at a NoC link ahead of other tiles' rows faster than the link drains them (with an unbounded queue, xformer's
   * GPT-2 with 2x off-chip bandwidth queued 24 input rows (8 before) at tile 0's ejection link ahead of
   * blocks.0.attn.k's rows, and its lone-image latency rose 3.2%).
   */
  private cross(u: Unit): void {
    const e = this.e;
    this.readyRows--;
    this.busy = true;
    const rows = (u as SourceUnit).rowTransfers;
    const first = e.transfers.at(rows.data[rows.oldest()] as number);
    const clock = e.offChip.clock;
    const start = clock.serve(u.producer.rowBits, e.env.now);
    if (first.row === 0) e.stream.started(first.image, start);
    e.env.scheduleAt(clock.lastEnd, e.hEvent, u.id, EV_OFF_CHIP_DONE);
  }

  /** A row is across: its transfers, parked at router 0, now enter the mesh (off-chip rows complete in order). */
  done(u: SourceUnit): void {
    const rows = u.rowTransfers;
    this.e.transfers.atRouter(u.outChannels.length);
    for (let k = 0; k < u.outChannels.length; k++) this.e.transfers.enterMesh(rows.data[rows.take()] as number);
  }

  /** Every piece of the row is on its first link: router 0 takes the next granted row. */
  routerTaken(u: SourceUnit): void {
    this.busy = false;
    if (this.readyRows > 0) this.cross(u);
  }
}
