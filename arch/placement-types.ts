import type { ForkHoldScratch } from './fork-hold';

/** Where a plan's layers run (arch/placement.ts states the rule; arch/pack-tiles.ts builds one). */
export interface LayerPlacement {
  /** Index into ResolvedNetwork.layers. */
  layerIndex: number;
  replicas: number;
  firstCore: number;
  cores: number;
  /** Tile of each replica. */
  replicaTiles: number[];
  /** Distinct tiles hosting the layer, ascending. */
  tiles: number[];
}

export interface Placement {
  /** Per weighted layer, in weightedIndices order. */
  weighted: LayerPlacement[];
  /** Distinct tiles that compute each network layer (digital and fused layers: their anchor's; free: none). */
  layerTiles: number[][];
  coresUsed: number;
  tilesUsed: number;
  crossbarsUsed: number;
  meshWidth: number;
  meshHeight: number;
  /** Rows each layer holds of each of its data inputs (arch/pace.ts), by layer index; empty for unstored layers. */
  windowRows: ReadonlyArray<readonly number[]>;
  /**
   * Per layer index, the shortest image interval at which its granted windows keep pace with its forked inputs
   * (0 for most layers; above the compute estimate only where a window was capped to fit a tile).
   */
  paceBoundCycles: readonly number[];
  /**
   * Per layer index, its time for one output row at this plan (arch/pace.ts PlanPace.rowCycles), which the windows
   * were sized from. NOTE: the array of the placement scratch passed in, valid until its next placement.
   */
  rowCycles: Float64Array;
  /**
   * The forked inputs' waits for their readers' other inputs at this plan (arch/fork-hold.ts): rule 1's hold, which the
   * windows, the line-buffer pace term and the credit loop's fork terms read. NOTE: the placement scratch's, like rowCycles.
   */
  forkHolds: ForkHoldScratch;
  /**
   * Per forked input, indexed as forkHolds.skewRows: rows of it the spare eDRAM of its own path's tiles holds when it
   * is sent late (arch/fork-hold.ts ownPathSpareRows; this placement's, unlike the scratch's forkHolds).
   */
  ownSpareRows: readonly number[];
  /** Tiles' worth of eDRAM each used tile holds buffers in: 1, k when it borrows the next tiles', 0 when it lends. */
  edramShares: number[];
  /** The plan's operand-bits array (arch/dataflow.ts operandBits: abits per weighted layer, then per product). */
  operandBits: readonly number[];
}
