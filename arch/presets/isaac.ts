import type { ArchSpec } from '../types';
import { crossbarRewrite, noMacArray, transformerDigitalOps } from './attention';
import { sumCosts, times } from './parts';

/*
 * ISAAC-CE. Sources:
 *  [T2]   Shafiee et al., "ISAAC: A Convolutional Neural Network Accelerator with In-Situ Analog Arithmetic in
 *         Crossbars", ISCA 2016, Table II (32 nm, components clocked at 1.2 GHz).
 *  [ACC]  Accelergy-Project/hwcomponents-library, hwcomponents_library/library/isaac.py (the Table II figures
 *         split per instance, with per-action energies derived from them).
 *  [PUMA] Aayush-Ankit/puma-simulator include/constants.py (carries the same ISAAC component figures).
 * Table II totals we reproduce (test/arch-presets.test.ts): IMA x12 289 mW 0.157 mm2; tile 330 mW 0.372 mm2;
 * 168 tiles 55.4 W 62.5 mm2; chip with HyperTransport 65.8 W 85.4 mm2.
 */

const clockGHz = 1.2; // [T2] digital components at 1.2 GHz; [ACC] shift-add latency 1/1.2 ns.

/** 2 KB input register + 256 B output register per IMA [T2]. */
const imaRegisters = sumCosts({
  inputRegister2Kb: { areaMm2: 0.0021, powerMw: 1.24 }, // [T2]
  outputRegister256B: { areaMm2: 0.00077, powerMw: 0.23 }, // [T2]
});

/** Tile digital units on the pooling/activation path [T2]. */
const tileDigital = sumCosts({
  sigmoid: times(2, { areaMm2: 0.0003, powerMw: 0.26 }), // [T2] 2 units, 0.52 mW, 0.0006 mm2
  shiftAdd: { areaMm2: 0.00006, powerMw: 0.05 }, // [T2] 1 tile-level S+A
  maxPool: { areaMm2: 0.00024, powerMw: 0.4 }, // [T2] 1 unit
});
const digitalOpsPerCycle = 1; // assumed: the single max-pool unit compares one element per cycle.

/** Tile parts outside cores, eDRAM, digital units and router [T2]. */
const tilePeripherals = sumCosts({
  edramToImaBus384Wires: { areaMm2: 0.09, powerMw: 7 }, // [T2]
  outputRegister3Kb: { areaMm2: 0.0032, powerMw: 1.68 }, // [T2]
});

const hyperTransport = { areaMm2: 22.88, powerMw: 10400 }; // [T2] 4 links, 10.4 W, 22.88 mm2 ([PUMA] noc_inter_*)
const hyperTransportLinks = 4; // [T2]
const linkBandwidthGBps = 6.4; // [T2] 6.4 GB/s per link ([PUMA] ht_lat comment); the input uses one link.

export const isaacSpec: ArchSpec = {
  name: 'isaac',
  clockGHz,
  crossbar: {
    rows: 128, // [T2] 128x128 memristor arrays
    cols: 128,
    cellBits: 2, // [T2] 2 bits per cell
    differentialWeights: false, // [T2] ISAAC biases weights (flipped encoding) instead of differential columns
    areaMm2: 2.5e-5, // [T2] 8 arrays 0.0002 mm2; [PUMA] xbar_area_dict 128
    powerMw: 0.3, // [T2] 8 arrays 2.4 mW; [PUMA] xbar_pow_dict 128
    costRows: 128, // the two figures above are for a 128x128 array
    costCols: 128,
  },
  dac: {
    bits: 1, // [T2] 1-bit DACs, inputs streamed bit-serially
    areaMm2: 1.67e-7, // [T2] 8x128 DACs 0.00017 mm2; [PUMA] dac_area_dict
    powerMw: 0.0039, // [T2] 8x128 DACs 4 mW -> 3.9 uW each; [PUMA] dyn 3.506 uW + leak 0.391 uW
  },
  adc: {
    bits: 8, // [T2]
    costBits: 8, // the figures below are for the 8-bit ADC
    perCrossbar: 1, // [T2] 8 ADCs per IMA of 8 crossbars
    crossbarsPerAdc: 1, // [T2] one ADC per crossbar: no sharing
    sampleRateGsps: 1.28, // [T2] text: a crossbar's 128 columns are converted in one 100 ns cycle (Kull et al. SAR ADC)
    energyPjPerConversion: 1.67, // [ACC] 16 mW / (8 ADCs x 1.2 GS/s) = 1.67 pJ
    areaMm2: 0.0012, // [T2] 8 ADCs 0.0096 mm2
    powerMw: 2, // [T2] 8 ADCs 16 mW
  },
  sampleHold: {
    areaMm2: 0.00004 / 1024, // [T2] 8x128 units 0.00004 mm2
    powerMw: 0.01 / 1024, // [T2] 8x128 units 10 uW
  },
  shiftAdd: {
    perCrossbar: 0.5, // [T2] 4 S+A units per IMA of 8 crossbars
    // assumed: 4 values per cycle, so a unit keeps pace with the two ADCs it serves (2 x 1.28 GS/s at 1.2 GHz);
    // ISAAC's 100 ns pipeline stage hides shift-and-add behind the crossbar read and conversion.
    addsPerCycle: 4,
    energyPjPerAdd: 0.05 / clockGHz, // [T2] 0.05 mW per unit at one add per 1.2 GHz cycle (assumed activity 1)
    areaMm2: 0.00006, // [T2] 4 units 0.00024 mm2
    powerMw: 0.05, // [T2] 4 units 0.2 mW
  },
  core: {
    crossbars: 8, // [T2] 8 crossbars per IMA (our core)
    mvmFillSweeps: 0, // assumed: ISAAC's IMA pipeline overlaps consecutive MVMs, and its peak counts 16 x 100 ns per 16-bit MVM
    dataMemoryKb: 0, // ISAAC IMAs have registers, not a data memory (see peripherals)
    peripherals: imaRegisters,
  },
  tile: {
    cores: 12, // [T2] 12 IMAs per tile
    edram: {
      capacityKb: 64, // [T2] 64 KB eDRAM buffer per tile
      costCapacityKb: 64, // the area and power below are [T2]'s for 64 KB; other capacities scale by arch/edram.ts
      accessBits: 256, // [ACC] eDRAM width 256 bits
      accessesPerCycle: 1, // assumed: one 256-bit access per 1.2 GHz cycle (Table II gives no port rate)
      energyPjPerAccess: 20.45, // [ACC] 20.7 mW spread over the accesses of one buffer turnover
      areaMm2: 0.083, // [T2]
      powerMw: 20.7, // [T2]
    },
    digital: {
      opsPerCycle: digitalOpsPerCycle,
      energyPjPerOp: tileDigital.powerMw / (digitalOpsPerCycle * clockGHz), // [T2] power / op rate
      opsPerElement: transformerDigitalOps, // attention.ts [IBERT]
      ...tileDigital,
    },
    peripherals: tilePeripherals,
  },
  chip: {
    tiles: 168, // [T2] ISAAC-CE: 168 tiles
  },
  noc: {
    concentration: 4, // [T2] c-mesh, one router shared by 4 tiles
    flitBits: 32, // [T2] router flit size 32
    linkFlitsPerCycle: 1, // assumed: one flit per link per cycle
    routerLatencyCycles: 2, // assumed: no per-hop figure is published; a short pipelined router
    headerFlits: 1, // assumed: one header flit per packet
    packetPayloadBits: 256, // assumed as in [PUMA] config: a packet carries one 256-bit eDRAM line (16 x 16-bit values)
    router: {
      energyPjPerFlit: 20.74, // [ACC] 42 mW router, per 256-bit transfer
      energyFlitBits: 256, // [ACC] energy quoted for 256 bits
      areaMm2: 0.15, // [ACC] IsaacRouter 150000 um2; [T2] 8-port router, shared by 4 tiles
      powerMw: 42, // [T2]
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
