/**
 * Architecture spec: one JSON document describing the chip. Units live in the key names; time inside models
 * and the simulator is integer cycles of `clockGHz`. Energy per action is in pJ; static power in mW; area mm2.
 */

/** Static attributes every physical component carries. */
export interface ComponentCost {
  /** Area of one instance. */
  areaMm2: number;
  /** Power of one instance while active (used for energy where no per-action energy is published). */
  powerMw: number;
}

export interface CrossbarSpec extends ComponentCost {
  rows: number;
  cols: number;
  /** Bits stored per cell. */
  cellBits: number;
  /** Signed weights as two columns (positive/negative), doubling the columns needed. @default false */
  differentialWeights: boolean;
  /**
   * Array size at which areaMm2 and powerMw are quoted; other sizes scale both by rows x cols / (costRows x
   * costCols), as PUMA's xbar_area_dict and xbar_pow_dict do (32..256, identical for 2, 4 and 6 bits per cell).
   */
  costRows: number;
  costCols: number;
}

export interface DacSpec extends ComponentCost {
  /** Input bits streamed per crossbar read. @default 1 */
  bits: number;
}

export interface AdcSpec extends ComponentCost {
  /** Resolution; it sets how many rows one read may activate (arch/adc.ts rowsPerRead). */
  bits: number;
  /**
   * Resolution at which energyPjPerConversion, areaMm2 and powerMw are quoted; other `bits` scale them by the
   * published ADC curve (arch/adc.ts), so a sweep over `adc.bits` changes cost as well as timing.
   */
  costBits: number;
  /** ADCs serving one crossbar (they split its columns). Must be 1 when crossbarsPerAdc > 1. */
  perCrossbar: number;
  /**
   * Crossbars sharing one ADC through a multiplexer (1: no sharing). A shared ADC converts its crossbars' columns
   * one after another, so each of them waits for the others' conversions (arch/timing.ts adcSharers). The groups
   * are consecutive crossbars of a core (it must divide core.crossbars), so they never mix layers.
   */
  crossbarsPerAdc: number;
  /** Conversions per second of one ADC, in GS/s (= conversions per ns). */
  sampleRateGsps: number;
  energyPjPerConversion: number;
}

/** Sample-and-hold: one per crossbar column; lets crossbar reads overlap conversions. */
export interface SampleHoldSpec extends ComponentCost {}

/** Shift-and-add units: combine bit slices and input bits, and reduce row-tile partial sums. */
export interface ShiftAddSpec extends ComponentCost {
  /** Units per crossbar. */
  perCrossbar: number;
  /** Partial-sum additions one unit performs per cycle. */
  addsPerCycle: number;
  energyPjPerAdd: number;
}

export interface CoreSpec {
  /** Crossbars per core (ISAAC IMA: 8; PUMA core: 2 MVMUs x 8 = 16). */
  crossbars: number;
  /** Pipeline fill sweeps added to every MVM (PUMA: 2). */
  mvmFillSweeps: number;
  /** Per-core data memory (PUMA 2 KB; 0 where none). */
  dataMemoryKb: number;
  /**
   * Everything else in one core outside its crossbar units, as one cost (ISAAC IMA: input and output
   * registers; PUMA core: crossbar in/out memories, data and instruction memory, control unit).
   */
  peripherals: ComponentCost;
}

export interface EdramSpec extends ComponentCost {
  capacityKb: number;
  /**
   * Capacity at which areaMm2, powerMw and energyPjPerAccess are quoted; another capacityKb scales all three by the
   * published eDRAM curve (arch/edram.ts), so a sweep over capacity pays for the extra eDRAM.
   */
  costCapacityKb: number;
  /** Bits moved by one access. */
  accessBits: number;
  /** Accesses per cycle the tile buffer sustains. */
  accessesPerCycle: number;
  energyPjPerAccess: number;
}

/**
 * Element operations the digital unit spends per element of a transformer's non-linear layers (per output element;
 * the reductions' per-row work is spread over the row's elements).
 */
export interface DigitalOpCounts {
  /** Softmax along a row: max, subtract, exp, sum, scale by the reciprocal. */
  softmax: number;
  /** LayerNorm over a token's features: mean, subtract, square, sum, scale by the reciprocal root, affine. */
  layerNorm: number;
  /** GELU (tanh form): cube, multiply-add, tanh, add, two multiplies. */
  gelu: number;
}

/** The tile's digital units: pooling, element-wise add, activation functions, normalisations. */
export interface DigitalSpec extends ComponentCost {
  /** Element operations per cycle per tile. */
  opsPerCycle: number;
  energyPjPerOp: number;
  /** Ops per element of softmax, LayerNorm and GELU. */
  opsPerElement: DigitalOpCounts;
}

export interface TileSpec {
  cores: number;
  edram: EdramSpec;
  digital: DigitalSpec;
  /**
   * Everything else in one tile outside its cores, eDRAM, digital units and router share, as one cost
   * (ISAAC: eDRAM-to-IMA bus and tile output register; PUMA: bus, control, instruction memory, receive buffer).
   */
  peripherals: ComponentCost;
}

export interface RouterSpec extends ComponentCost {
  energyPjPerFlit: number;
  /** Bits of the flit the energy figure is quoted for (energy scales linearly to the actual flit size). */
  energyFlitBits: number;
}

export interface NocSpec {
  /** Tiles sharing one router (concentrated mesh). */
  concentration: number;
  flitBits: number;
  /** Flits one link carries per cycle. */
  linkFlitsPerCycle: number;
  /** Cycles a flit spends in each router it crosses. */
  routerLatencyCycles: number;
  /** Header flits added to every packet. */
  headerFlits: number;
  /** Payload bits per packet before it is cut into flits. */
  packetPayloadBits: number;
  router: RouterSpec;
}

/** The chip's off-chip interface (area and power are for the whole interface, all links). */
export interface OffChipSpec extends ComponentCost {
  /** Off-chip input bandwidth (ISAAC HyperTransport: 6.4 GB/s). */
  bandwidthGBps: number;
  energyPjPerBit: number;
}

/** Where the products of two activations (attention's Q.K^T and A.V) run. */
export type AttentionUnit = 'digital' | 'crossbar';

/**
 * Digital MAC arrays for products of two activations (X-Former's CMOS processing elements, MXFormer's systolic
 * arrays). Neither operand is a stored weight, so these products cannot use the static crossbars.
 */
export interface MacArraySpec extends ComponentCost {
  /**
   * Arrays per tile. Below 1, one array serves 1 / perTile tiles (0.25: one per group of 4 tiles); 0: the chip
   * has none, and products of two activations run on the tile's digital unit as element ops (2 per MAC).
   */
  perTile: number;
  /** Multiply-accumulates one array completes per cycle at `bits`-bit operands. */
  macsPerCycle: number;
  /** Operand precision the array is built for; wider operands take ceil(a / bits) x ceil(b / bits) passes. */
  bits: number;
  /** Energy of one MAC at `bits`-bit operands (operand delivery from eDRAM is charged to the eDRAM). */
  energyPjPerMac: number;
}

/**
 * The alternative to MAC arrays: crossbars whose cells are rewritten with every input's keys and values, then read
 * like weight crossbars. Writing costs time, energy and the cells' endurance.
 */
export interface CrossbarRewriteSpec {
  /** Time to program one row of cells of a crossbar (rows one after another; separate crossbars in parallel). */
  writeNsPerRow: number;
  /** Energy to program one cell. */
  energyPjPerCellWrite: number;
  /** Program cycles a cell survives; reported as the inputs the chip lasts, not enforced. */
  enduranceWrites: number;
}

export interface AttentionSpec {
  /** `digital`: MAC arrays (or the digital unit when macArray.perTile = 0); `crossbar`: rewritten crossbars. */
  unit: AttentionUnit;
  macArray: MacArraySpec;
  rewrite: CrossbarRewriteSpec;
}

export interface ChipSpec {
  tiles: number;
}

export interface ArchSpec {
  /** Preset or user name. */
  name: string;
  clockGHz: number;
  crossbar: CrossbarSpec;
  dac: DacSpec;
  adc: AdcSpec;
  sampleHold: SampleHoldSpec;
  shiftAdd: ShiftAddSpec;
  core: CoreSpec;
  tile: TileSpec;
  chip: ChipSpec;
  noc: NocSpec;
  offChip: OffChipSpec;
  /** Hardware for transformers' products of two activations. */
  attention: AttentionSpec;
}

/** Names of the built-in presets. */
export type PresetName = 'isaac' | 'puma' | 'xformer';
