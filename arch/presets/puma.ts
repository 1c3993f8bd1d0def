import type { ArchSpec } from '../types';
import { crossbarRewrite, noMacArray, transformerDigitalOps } from './attention';
import { sumCosts, times } from './parts';

/*
 * PUMA. Sources:
 *  [PAPER] Ankit et al., "PUMA: A Programmable Ultra-efficient Memristor-based Accelerator for Machine Learning
 *          Inference", ASPLOS 2019 (1 GHz, 32 nm; reports 577 GOPS/s/mm2 and 837 GOPS/s/W).
 *  [CONST] Aayush-Ankit/puma-simulator include/constants.py (component latency / power / area, "dyn" + "leak"
 *          summed here as the power of an always-active instance).
 *  [CFG]   Aayush-Ankit/puma-simulator include/config.py (hierarchy sizes).
 *  [SRC]   Aayush-Ankit/puma-simulator src/ (ima.py timing, ima_metrics.py / tile_metrics.py area and power).
 *  [T2]    ISAAC Table II / [ACC] Accelergy hwcomponents-library isaac.py, where PUMA reuses ISAAC's figures.
 */

const clockGHz = 1; // [PAPER] 1 GHz; [CONST] cycle_time = 1 ns
const alusPerCore = 4; // [CFG] num_ALU = num_matrix * 2 = 4 (the core's vector functional unit)
const coresPerTile = 8; // [CFG] num_ima = 8
const sqrt8 = Math.sqrt(8); // [CONST] memories scaled by sqrt(8) for 8-byte instructions

/** One 128-entry crossbar input or output memory [CONST] xbar_inMem / xbar_outMem, size 128. */
const xbarInMem = { areaMm2: 0.00078, powerMw: 1.7 + 0.04 }; // read dyn + leak
const xbarOutMem = { areaMm2: 0.00078, powerMw: 0.16 + 0.04 };

/** Core parts outside its crossbar units and vector unit. */
const corePeripherals = sumCosts({
  xbarInMems: times(2, xbarInMem), // [CFG] num_matrix = 2 MVMUs, one input memory each
  xbarOutMems: times(2, xbarOutMem), // [CFG] one output memory per MVMU
  dataMemory2Kb: { areaMm2: 0.00392, powerMw: 0.57 + 0.33 }, // [CONST] dataMem 2048 B: 2 KB per core
  // assumed: [CFG] asks 8192 entries but [CONST] tabulates up to 2048 B; we take the largest tabulated size.
  instructionMemory: { areaMm2: 0.0041 * sqrt8, powerMw: (0.65 + 0.33) * sqrt8 }, // [CONST] instrnMem 2048
  controlUnit: { areaMm2: 0.00145 * 2.25, powerMw: 1.25 * 0.2 }, // [CONST] ccu_area, ccu_pow
});

/** One VFU lane [CONST] alu_* (45 nm figures scaled by 32/45 there). */
const aluLane = { areaMm2: 0.00567 * 32 / 45, powerMw: (2.4 + 0.27) * 32 / 45 };
const sigmoidUnit = { areaMm2: 0.0003, powerMw: 0.26 }; // [CONST] act_area, act_pow (taken from ISAAC)

/** The tile's digital work runs on its cores' vector units; counted per tile here. */
const tileDigital = sumCosts({
  vectorAlus: times(coresPerTile * alusPerCore, aluLane),
  sigmoidUnits: times(coresPerTile, sigmoidUnit), // assumed: one activation unit per core
});

/** Tile parts outside cores, eDRAM, digital units and router [CONST]. */
const tilePeripherals = sumCosts({
  edramBus: { areaMm2: 0.09, powerMw: 6 / 2 + 1 / 2 }, // [CONST] edram_bus (384 wires, same as ISAAC)
  edramController: { areaMm2: 0.00145, powerMw: 0.475 + 0.05 }, // [CONST] edram_ctrl
  // assumed: [CFG] asks 4096 entries; [CONST] tabulates up to 2048 B, the largest size is used.
  instructionMemory: { areaMm2: 0.0041 * sqrt8, powerMw: (0.65 + 0.33) * sqrt8 }, // [CONST] tile_instrnMem 2048
  receiveBuffer: { areaMm2: 0.0022 * 2, powerMw: (4.48 + 0.09) * 2 }, // [CONST] receive_buffer (x sqrt(4))
  counterBuffer: { areaMm2: 0.0041 * sqrt8, powerMw: (0.65 / 2 + 0.33 / 2) * sqrt8 }, // [CONST] counter_buff
  controlUnit: { areaMm2: 0.00145, powerMw: 0.25 * 0.2 }, // [CONST] tcu
});

const hyperTransport = { areaMm2: 22.88, powerMw: 10400 }; // [CONST] noc_inter_area / noc_inter_pow_dyn (ISAAC's)
const hyperTransportLinks = 4; // [T2]
const linkBandwidthGBps = 6.4; // [CONST] "HT numbers from ISAAC = 6.4GB/s"

/**
 * Why this preset's peak efficiency (339 GOPS/s/mm2, 489 GOPS/s/W) is not PUMA's published 577 and 837 [PAPER],
 * shown in test/arch-presets.test.ts. PUMA's own cost model, [SRC] ima_metrics.py / tile_metrics.py compute_area
 * and compute_pow_peak with [CFG] and [CONST] as released, gives a tile of 0.45497 mm2 and 345.09 mW (peak
 * power = leakage + every component's dynamic power). With 138 such tiles and 34.5 routers (0.047 mm2,
 * 16.13 + 0.41 mW each) and this preset's peak, 40.2 TOPS (138 tiles x 8 cores x 16 crossbars, a 16-bit MVM in
 * (16 + 2) x 100 ns), power efficiency is 834 GOPS/s/W: PUMA's 837 within 0.4%. So peak ops are counted alike;
 * the gap is what is counted as the chip:
 *  - ADCs: PUMA's cost model counts num_adc = 2 per MVMU, 4 per core ([CFG] num_adc_per_matrix), while its MVM
 *    timing ([SRC] ima.py: the 100 ns pipeline "is valid for one ADC per physical xbar only") needs one per
 *    crossbar, 16 per core. The preset provisions the 16 its timing needs: +96 ADCs per tile, +0.115 mm2, +192 mW.
 *  - the off-chip interface: the preset counts ISAAC's HyperTransport links (22.88 mm2, 10.4 W); PUMA's peak power
 *    has no off-chip term ([SRC] node_metrics.py).
 *  - the rest of the core and tile is itemised differently (PUMA counts 64 training crossbars per core, one ALU per
 *    core, 11 DAC arrays per MVMU pair; the preset the 16 inference crossbars, 4 ALU lanes, a DAC per row).
 * Area is not reproduced by PUMA's own released model either: its 138 tiles and routers cover 64.4 mm2, i.e.
 * 624 GOPS/s/mm2, 8% above the published 577 (which implies 69.7 mm2); the paper's area accounting is not in the
 * released code.
 */
export const PUMA_PUBLISHED = {
  gopsPerMm2: 577,
  gopsPerW: 837,
  /** [SRC] tile_metrics.compute_area / compute_pow_peak with the released config. */
  simulatorTile: { areaMm2: 0.45497, powerMw: 345.09 },
  /** [CONST] noc_area_dict '4', noc_pow_dyn_dict '4' + noc_pow_leak_dict '4'; one router per 4 tiles. */
  simulatorRouter: { areaMm2: 0.047, powerMw: 16.13 + 0.41 },
  /** ADCs per core in PUMA's cost model ([CFG] num_adc = num_adc_per_matrix x num_matrix = 2 x 2). */
  simulatorAdcsPerCore: 4,
} as const;

export const pumaSpec: ArchSpec = {
  name: 'puma',
  clockGHz,
  crossbar: {
    rows: 128, // [CFG] xbar_size = 128
    cols: 128,
    cellBits: 2, // [CFG] xbar_bits = 2
    differentialWeights: false, // assumed: as in ISAAC, signed weights by offset encoding, not paired columns
    areaMm2: 2.5e-5, // [CONST] xbar_area_dict 2/128
    powerMw: 0.3, // [CONST] xbar_pow_dict 2/128
    costRows: 128, // [CONST] the dicts scale both figures with size^2 (32: 1.5625e-6 mm2 ... 256: 1e-4 mm2)
    costCols: 128,
  },
  dac: {
    bits: 1, // [CFG] dac_res = 1
    areaMm2: 1.67e-7, // [CONST] dac_area_dict
    powerMw: 0.00350625 + 0.000390625, // [CONST] dac_pow_dyn + dac_pow_leak
  },
  adc: {
    bits: 8, // [CFG] adc_res = 8
    costBits: 8, // the figures below are for the 8-bit ADC
    // one ADC sweeps a crossbar's 128 columns in 100 cycles ([CONST] adc_lat_dict '8': 100), i.e.
    // 1.28 conversions per ns. [CFG] counts ADCs per logical 16-bit matrix (num_adc_per_matrix = 2) but times
    // them per physical crossbar; we provision one per crossbar, which is what the 100-cycle figure implies.
    perCrossbar: 1,
    // [SRC] src/ima.py xbComputeLatency_Analog: the 3-stage MVM pipeline "is valid for one ADC per physical xbar
    // only", so PUMA's timing has no sharing.
    crossbarsPerAdc: 1,
    sampleRateGsps: 1.28,
    energyPjPerConversion: 1.67, // [ACC] ISAAC ADC, which [CONST] reuses ("values from ISAAC")
    areaMm2: 0.0012, // [CONST] adc_area_dict
    powerMw: 1.8 + 0.2, // [CONST] adc_pow_dyn + adc_pow_leak
  },
  sampleHold: {
    areaMm2: 0.00004 / 8 / 128, // [CONST] snh_area
    powerMw: 9.7e-6, // [CONST] snh_pow_dyn + snh_pow_leak
  },
  shiftAdd: {
    perCrossbar: 1, // assumed: one unit per ADC (one ADC per crossbar); [CONST] gives only the unit cost
    // assumed: 2 values per cycle, so the unit keeps pace with its ADC (1.28 conversions per cycle). PUMA's own
    // timing, MVM = sweep x (bits + 2), has no shift-and-add term: the unit never bounds an MVM there.
    addsPerCycle: 2,
    energyPjPerAdd: 0.045 / clockGHz, // [CONST] sna_pow_dyn 0.045 mW x 1 ns
    areaMm2: 0.00006, // [CONST] sna_area
    powerMw: 0.05, // [CONST] sna dyn + leak
  },
  core: {
    crossbars: 16, // [CFG] num_matrix = 2 MVMUs x 8 physical crossbars (16-bit weights / 2 bits per cell)
    mvmFillSweeps: 2, // [SRC] ima.py: PUMA times a 16-bit MVM as sweep x (16 / dacBits + 2)
    dataMemoryKb: 2, // [CONST] dataMem 2048 B: 2 KB data memory per core
    peripherals: corePeripherals,
  },
  tile: {
    cores: coresPerTile,
    edram: {
      capacityKb: 64, // [CFG] "64 KB - same as isaac"
      // [CONST] edram_*_dict '64'; other capacities scale by its 64 and 128 KB entries (arch/edram.ts), so
      // capacityKb=128 gives [CONST]'s '128' figures: 0.121 mm2, 25.35 pJ, 25.35 / 2 + 0.77 mW.
      costCapacityKb: 64,
      accessBits: 256, // [CFG] edram_buswidth = 256
      accessesPerCycle: 0.5, // [CONST] edram_lat = 2 cycles per 256-bit access
      energyPjPerAccess: 17.2, // [CONST] "0.0172 nJ with 2 cycles access latency"
      areaMm2: 0.086, // [CONST] edram_area_dict 64
      powerMw: 17.2 / 2 + 0.46, // [CONST] edram_pow_dyn + edram_pow_leak
    },
    digital: {
      opsPerCycle: coresPerTile * alusPerCore, // [CONST] alu_lat = 1: each lane one element op per cycle
      energyPjPerOp: (0.373 * 32) / 45 / clockGHz, // [CONST] alu_pow_others_dyn (add, relu, compare) x 1 ns
      opsPerElement: transformerDigitalOps, // attention.ts [IBERT]
      ...tileDigital,
    },
    peripherals: tilePeripherals,
  },
  chip: {
    tiles: 138, // [PAPER] 138 tiles
  },
  noc: {
    concentration: 4, // [CFG] cmesh_c = 4
    flitBits: 32, // [CFG] flit_width = 32
    linkFlitsPerCycle: 1, // assumed: one flit per link per cycle
    // assumed: [CONST] lumps NoC latency as 29-31 cycles end to end at low injection (noc_lat_dict); no
    // per-hop figure is given, so a short pipelined router.
    routerLatencyCycles: 2,
    headerFlits: 1, // assumed: one header flit per packet
    packetPayloadBits: 256, // [CFG] packet_width = edram_buswidth / data_width = 16 values of 16 bits
    router: {
      energyPjPerFlit: 20.74, // [ACC] ISAAC router figure; assumed, [CONST] gives only router power
      energyFlitBits: 256, // [ACC]
      areaMm2: 0.047, // [CONST] noc_area_dict '4' (noc_num_port = 4), per router
      powerMw: 16.13 + 0.41, // [CONST] noc_pow_dyn_dict '4' + noc_pow_leak_dict '4'
    },
  },
  offChip: {
    bandwidthGBps: linkBandwidthGBps,
    // Derived from [T2]: 10.4 W spread over 4 links x 6.4 GB/s at full use.
    energyPjPerBit: hyperTransport.powerMw * 1e-3 / (hyperTransportLinks * linkBandwidthGBps * 8e9) * 1e12,
    ...hyperTransport,
  },
  // No attention MAC arrays (products of two activations fall back to the digital unit); the crossbar-rewrite
  // figures are PUMA's (attention.ts), which models ISAAC's crossbars.
  attention: { unit: 'digital', macArray: noMacArray, rewrite: crossbarRewrite },
};
