/**
 * Input-tile rule (docs/hardware-model.md rule 1): the network input lands on tile 0, and the layers it feeds there
 * run ahead of the pipeline as far as the eDRAM and the off-chip link let them, queueing their rows at the tile's
 * FIFO digital unit. A digital layer fed by a slower stage elsewhere (block 0's attention softmax after Q.K^T on
 * another tile, anchored at the query projection's first tile) waited behind that run-ahead, so more eDRAM or
 * off-chip bandwidth made it later: GPT-2 on ISAAC with 2x eDRAM, simulated latency +2.8%; DeiT-S on ISAAC, -1.6%
 * simulated throughput; the model's GPT-2 with 2x off-chip bandwidth, latency +0.8% (PUMA) and +1.6% (xformer).
 * Such a layer is hosted off the input tile. A layer fed at the input's pace (every source computed on the input
 * tile, or a crossbar layer fed only by such: xformer's DeiT-S Q.K^T reads q there and k on the next tile) keeps it.
 */
import type { Dataflow } from './dataflow';

/** The tile where the network input lands: the first layers start at core 0 (digital ones reading it: tile 0). */
export const INPUT_TILE = 0;

/**
 * Which layers are fed at the input's pace: the input; a digital layer the placement put on the input tile; a
 * crossbar layer whose sources all are (so it keeps pace wherever it sits). Layers are placed in network order, and
 * a digital layer is placed before any layer reading it.
 */
export class InputTileLayers {
  /** By layer index + 1 (0: the network input): 0 not known yet, 1 paced, 2 not. */
  private readonly paced: Uint8Array;

  constructor(
    private readonly flow: Dataflow,
    layers: number,
  ) {
    this.paced = new Uint8Array(layers + 1);
    this.clear();
  }

  /** Forgets every layer but the input (a new packing starts). */
  clear(): void {
    this.paced.fill(0);
    this.paced[0] = 1;
  }

  private isPaced(layer: number): boolean {
    const known = this.paced[layer + 1] as number;
    if (known !== 0) return known === 1;
    // Unplaced digital layers and fused/free ones count as not paced; a crossbar layer as its sources.
    const paced = this.flow.layers[layer]?.role === 'weighted' && this.fedAtInputPace(layer);
    this.paced[layer + 1] = paced ? 1 : 2;
    return paced;
  }

  /** True when every data source of layer `d` is the input or fed at its pace. */
  private fedAtInputPace(d: number): boolean {
    for (const input of this.flow.layers[d]?.dataInputs ?? []) if (!this.isPaced(input.producer)) return false;
    return true;
  }

  /** Records that digital layer `d` is hosted on `tile`. */
  placed(d: number, tile: number): void {
    this.paced[d + 1] = tile === INPUT_TILE ? 1 : 2;
  }

  /**
   * The tiles digital layer `d` anchored at `preferred` tries, in order (the placement's preferred, frontier,
   * fresh): unchanged unless the preferred tile is the input tile and a source of d is not fed at the input's pace;
   * then the frontier when it is not the input tile, else a fresh tile.
   */
  candidates(d: number, preferred: number, frontier: number, fresh: number): [number, number, number] {
    if (preferred !== INPUT_TILE || this.fedAtInputPace(d)) return [preferred, frontier, fresh];
    return [frontier === INPUT_TILE ? fresh : frontier, fresh, fresh];
  }
}
