import type { ArchSpec } from '../types';
import { crossbarRewrite, macArrayPerTile } from './attention';
import { pumaSpec } from './puma';

/*
 * PUMA extended for transformers, in the manner of X-Former (Sridharan et al., IEEE TVLSI 2023) and MXFormer
 * (Karfakis et al., 2026): the static weights (Q/K/V and output projections, the MLP) stay on PUMA's crossbars in
 * the weight-stationary pipeline; every tile gets a digital MAC array for the products of two activations
 * (Q.K^T and A.V); softmax, LayerNorm and GELU run on the tile's vector unit. Every figure is PUMA's
 * (arch/presets/puma.ts) except the MAC array (arch/presets/attention.ts, where each figure is cited or marked as
 * an assumption) and the two sizes below. `--set attention.unit=crossbar` runs the products on rewritten crossbars
 * instead, with PUMA's crossbar write figures.
 *  [CONST] Aayush-Ankit/puma-simulator include/constants.py edram_*_dict: 64 KB 0.086 mm2, 17.2 pJ per 256-bit
 *          access, 0.46 mW leakage; 128 KB 0.121 mm2, 25.35 pJ, 0.77 mW.
 */

// ASSUMPTION: 256 KB of eDRAM per tile, one doubling past [CONST]'s largest entry, at the ratio of its last
// doubling (64 -> 128 KB). An encoder's tile holds every key (or value) row of a sequence at once: ViT-B/16's
// 196 x 768 bytes = 147 KB do not fit PUMA's 64 KB (nor 128 KB).
const doubling = { area: 0.121 / 0.086, energy: 25.35 / 17.2, leak: 0.77 / 0.46 };
const edram256Kb = {
  capacityKb: 256,
  accessBits: pumaSpec.tile.edram.accessBits,
  accessesPerCycle: pumaSpec.tile.edram.accessesPerCycle,
  energyPjPerAccess: 25.35 * doubling.energy,
  areaMm2: 0.121 * doubling.area,
  powerMw: (25.35 * doubling.energy) / 2 + 0.77 * doubling.leak, // dyn at one access per 2 cycles + leakage, as PUMA
};

export const xformerSpec: ArchSpec = {
  ...pumaSpec,
  name: 'xformer',
  tile: { ...pumaSpec.tile, edram: edram256Kb },
  // ASSUMPTION: 256 tiles, enough for the zoo's largest transformer at 8 bits (GPT-2 small: 162 tiles;
  // ViT-B/16: 183 with 256 KB tiles) with room for replicas. MXFormer holds ViT-B on one chip.
  chip: { tiles: 256 },
  attention: { unit: 'digital', macArray: macArrayPerTile, rewrite: crossbarRewrite },
};
