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

// ASSUMPTION: 512 KB of eDRAM per tile, past [CONST]'s largest entry: PUMA's 64 KB figures scaled to 512 KB by the
// eDRAM curve every preset uses (arch/edram.ts: area and leakage on the line through [CONST]'s 64 and 128 KB
// entries, access energy on their power law). An encoder's attention tile holds every key row of a sequence and
// the query rows that arrive meanwhile: ViT-B/16's 196 x 768 bytes = 147 KB each. With 256 KB the query window is
// capped below the sequence and the pipeline deadlocks in the simulator (q waits for space, norm1 for q, k for norm1).
const edram512Kb = { ...pumaSpec.tile.edram, capacityKb: 512 };

export const xformerSpec: ArchSpec = {
  ...pumaSpec,
  name: 'xformer',
  tile: { ...pumaSpec.tile, edram: edram512Kb },
  // ASSUMPTION: 256 tiles, enough for the zoo's largest transformer at 8 bits (GPT-2 small: 162 tiles;
  // ViT-B/16: 183) with room for replicas. MXFormer holds ViT-B on one chip.
  chip: { tiles: 256 },
  attention: { unit: 'digital', macArray: macArrayPerTile, rewrite: crossbarRewrite },
};
