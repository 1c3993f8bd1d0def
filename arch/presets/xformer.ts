import type { ArchSpec } from '../types';
import { crossbarRewrite, macArrayPerTile } from './attention';
import { pumaSpec } from './puma';

/*
 * PUMA extended for transformers, in the manner of X-Former (Sridharan et al., IEEE TVLSI 2023) and MXFormer
 * (Karfakis et al., 2026): the static weights (Q/K/V and output projections, the MLP) stay on PUMA's crossbars in
 * the weight-stationary pipeline; every tile gets a digital MAC array for the products of two activations
 * (Q.K^T and A.V); softmax, LayerNorm and GELU run on the tile's vector unit. Every figure is PUMA's
 * (arch/presets/puma.ts) except the MAC array (arch/presets/attention.ts, where each figure is cited or marked as
 * an assumption). `--set attention.unit=crossbar` runs the products on rewritten crossbars instead, with PUMA's
 * crossbar write figures.
 */
export const xformerSpec: ArchSpec = {
  ...pumaSpec,
  name: 'xformer',
  attention: { unit: 'digital', macArray: macArrayPerTile, rewrite: crossbarRewrite },
};
