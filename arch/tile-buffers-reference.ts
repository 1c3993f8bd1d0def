/**
 * A plain reference of TileBuffers (tile-buffers.ts), which is written for speed (per-tensor lists of reader tile
 * ranges instead of a (tile, tensor) map, bits kept as running sums, the last measured range reused by `commit`).
 * This one keeps each tile's buffers as a map from stored tensor to its widest window there and sums them when
 * asked, by the rule (docs/hardware-model.md rule 1: per tile, per stored producer read there, the widest window of
 * its readers plus one row); test/tile-buffers-reference.test.ts drives both with the same calls. Not for placement.
 */
import type { ResolvedNetwork } from '../workloads/types';
import { storedTensorBits, type Dataflow } from './dataflow';
import { channelBits } from './tile-buffers';

export class ReferenceTileBuffers {
  /** Per tile: stored tensor (producer + 1) -> widest window of its readers on that tile. */
  private readonly windows = new Map<number, Map<number, number>>();
  /** eDRAM of tiles that borrow (their own and the lenders') or lend (0). */
  private readonly capacities = new Map<number, number>();

  constructor(
    private readonly capacityBits: number,
    private readonly net: ResolvedNetwork,
    private readonly flow: Dataflow,
    private readonly operandBits: readonly number[],
    private readonly windowRows: ReadonlyArray<readonly number[]>,
  ) {}

  private shape(slot: number) {
    return slot === 0 ? this.net.network.input : this.net.layers[slot - 1]?.outShape;
  }

  /** Bits a tile holds for `windows` (tensor -> widest window). */
  private bitsOf(windows: ReadonlyMap<number, number>): number {
    let bits = 0;
    for (const [slot, window] of windows) {
      const shape = this.shape(slot);
      const rowBits = shape === undefined ? 0 : shape.width * shape.channels * storedTensorBits(this.flow, slot - 1, this.operandBits);
      bits += channelBits(shape?.height ?? 0, window, rowBits);
    }
    return bits;
  }

  used(tile: number): number {
    return this.bitsOf(this.windows.get(tile) ?? new Map());
  }

  capacity(tile: number): number {
    return this.capacities.get(tile) ?? this.capacityBits;
  }

  borrow(tile: number, lent: number): void {
    this.capacities.set(tile, this.capacityBits * (1 + lent));
    for (let t = tile + 1; t <= tile + lent; t++) this.capacities.set(t, 0);
  }

  shares(tiles: number): number[] {
    return Array.from({ length: tiles }, (_, t) => this.capacity(t) / this.capacityBits);
  }

  isFresh(tile: number): boolean {
    return this.used(tile) === 0 && this.capacity(tile) === this.capacityBits;
  }

  /** Each tile of [first, last] whose buffers layer `layer` reading there would grow, with its windows after. */
  private grown(layer: number, first: number, last: number): Map<number, Map<number, number>> {
    const out = new Map<number, Map<number, number>>();
    const inputs = this.flow.layers[layer]?.dataInputs ?? [];
    for (let t = first; t <= last; t++) {
      const windows = new Map(this.windows.get(t) ?? []);
      let grew = false;
      inputs.forEach((d, k) => {
        const window = this.windowRows[layer]?.[k] ?? 1;
        if (window > (windows.get(d.producer + 1) ?? 0)) {
          windows.set(d.producer + 1, window);
          grew = true;
        }
      });
      if (grew) out.set(t, windows);
    }
    return out;
  }

  worstAfter(layer: number, first: number, last: number): number {
    let worst = 0;
    for (const windows of this.grown(layer, first, last).values()) worst = Math.max(worst, this.bitsOf(windows));
    return worst;
  }

  fits(layer: number, first: number, last: number): boolean {
    for (const [t, windows] of this.grown(layer, first, last)) if (this.bitsOf(windows) > this.capacity(t)) return false;
    return true;
  }

  commit(layer: number, first: number, last: number): void {
    for (const [t, windows] of this.grown(layer, first, last)) this.windows.set(t, windows);
  }
}
