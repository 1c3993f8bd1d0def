import type { CrossbarRewriteSpec, DigitalOpCounts, MacArraySpec } from '../types';

/*
 * Figures for transformers' dynamic work, shared by the presets. Sources:
 *  [HOR]   M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, 45 nm figures:
 *          8-bit integer multiply 0.2 pJ / 282 um2, 8-bit add 0.03 pJ / 36 um2.
 *  [CONST] Aayush-Ankit/puma-simulator include/constants.py: crossbar serial write of a whole 128x128 array,
 *          xbar_wr_lat = 351.0 * 1000 / 32 ns and energy 676.0 * 1000 / 32 pJ (the numerator of xbar_wr_pow),
 *          and the 32/45 scaling of 45 nm logic figures to 32 nm that PUMA applies to its ALU.
 *  [IBERT] Kim et al., "I-BERT: Integer-only BERT Quantization", ICML 2021, Algorithms 1-4 (integer-only GELU,
 *          exp/softmax and LayerNorm kernels), counted one op per add, multiply, compare or shift.
 *  [XF]    Sridharan, Stevens, Roy, Raghunathan, "X-Former: In-Memory Acceleration of Transformers", IEEE TVLSI
 *          2023: NVM crossbars for the projections, CMOS processing elements for the attention products, because
 *          rewriting NVM per input costs write latency, write energy and endurance.
 *  [MXF]   Karfakis et al., "MXFormer", arXiv 2602.12480, 2026: attention on digital systolic arrays, softmax and
 *          LayerNorm on vector units, static layers on CIM arrays.
 */

const node32Over45 = 32 / 45; // [CONST] PUMA scales its 45 nm ALU figures (area and power) by 32/45

/** Ops per element on the digital unit, counted from [IBERT]'s integer kernels. */
export const transformerDigitalOps: DigitalOpCounts = {
  // i-exp: floor(-x / ln2) (1), x + z ln2 (2), a(p + b)^2 + c (4), shift by z (1); plus max (1), subtract
  // max (1), sum (1), multiply by the row's reciprocal (1): 12.
  softmax: 12,
  // mean: add (1); subtract (1), square (1), sum (1), multiply by 1/std (1), gamma (1), beta (1): 7. The
  // integer square root (a few Newton steps) is once per token, negligible per element.
  layerNorm: 7,
  // i-GELU: x / sqrt2 (1), |.| (1), clip (1), + b (1), square (1), * a (1), + 1 (1), sign (1), 1 + erf (1),
  // x * (1), * 0.5 as a shift (1): 11.
  gelu: 11,
};

const macEnergy8bPj = (0.2 + 0.03) * node32Over45; // [HOR] 8-bit multiply + add, scaled to 32 nm: 0.164 pJ
const macArea8bMm2 = (282 + 36) * 1e-6 * node32Over45; // [HOR] multiplier + adder areas, scaled: 2.26e-4 mm2

/**
 * One MAC array per tile, 16 x 16 8-bit MACs. The size is an ASSUMPTION (neither [XF] nor [MXF] is reproduced
 * here): it matches the attention products of ViT-B/16 to its projections' crossbar time within 2x at PUMA's
 * timing. Area and power are the MAC cells only; operands come from the tile's eDRAM, whose reads are charged.
 */
export const macArrayPerTile: MacArraySpec = {
  perTile: 1,
  macsPerCycle: 256,
  bits: 8,
  energyPjPerMac: macEnergy8bPj,
  areaMm2: 256 * macArea8bMm2,
  powerMw: 256 * macEnergy8bPj, // every MAC busy at 1 GHz: pJ per ns = mW (PUMA's clock)
};

/** No MAC arrays: products of two activations run on the tile's digital unit (ISAAC and PUMA have none). */
export const noMacArray: MacArraySpec = { ...macArrayPerTile, perTile: 0 };

const crossbarRows = 128;
const crossbarCells = 128 * 128;

/** Rewriting crossbars per input, from [CONST]'s serial write of a 128x128 array. */
export const crossbarRewrite: CrossbarRewriteSpec = {
  writeNsPerRow: (351.0 * 1000) / 32 / crossbarRows, // [CONST] 10,969 ns per array / 128 rows = 85.7 ns
  energyPjPerCellWrite: (676.0 * 1000) / 32 / crossbarCells, // [CONST] 21,125 pJ per array / 16,384 cells = 1.29 pJ
  // ASSUMPTION: 1e6 program cycles, the low end reported for ReRAM; the lifetime in inputs follows from it.
  enduranceWrites: 1e6,
};
