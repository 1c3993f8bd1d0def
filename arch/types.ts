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
  /** ADCs serving one crossbar (they split its columns). */
  perCrossbar: number;
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
  /** Bits moved by one access. */
  accessBits: number;
  /** Accesses per cycle the tile buffer sustains. */
  accessesPerCycle: number;
  energyPjPerAccess: number;
}

/** The tile's digital units: pooling, element-wise add, activation functions. */
export interface DigitalSpec extends ComponentCost {
  /** Element operations per cycle per tile. */
  opsPerCycle: number;
  energyPjPerOp: number;
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
}

/** Names of the built-in presets. */
export type PresetName = 'isaac' | 'puma';
