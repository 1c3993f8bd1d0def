import type { Layer, Network, ResolvedLayer, ResolvedNetwork, Shape } from './types';
import { ValidationError } from '../errors';

/*
 * Sequence blocking (docs/hardware-model.md rule 8; X-Former, Sridharan et al., IEEE TVLSI 2023): B tokens per
 * pipeline row. A token stream F x T x 1 becomes F x (T / B) x B: a row is a block of B tokens (B "pixels" of one
 * MVM each), so every row need of rule 4 holds at block granularity (an encoder's scores row waits for the last key
 * block; a decoder's block b for key blocks 0..b) and each step stores, sends and frees B tokens at once. One
 * transform of the resolved shapes: the model, placement and the simulator read the blocked shapes as any others.
 */

/** Why a layer cannot take blocks of tokens, or undefined when it can. */
function blockingConflict(layer: Layer): string | undefined {
  switch (layer.kind) {
    case 'conv': {
      if (layer.recurrent) return 'a recurrent layer steps through the tokens one at a time';
      const pointwise = layer.kernel[0] === 1 && layer.kernel[1] === 1 && layer.stride[0] === 1 && layer.stride[1] === 1 && layer.pad.every((p) => p === 0);
      return pointwise ? undefined : 'a convolution over the tokens needs its neighbours in order, not in blocks';
    }
    case 'pool':
      return layer.global ? undefined : 'a pooling window over the tokens needs its neighbours in order';
    case 'concat':
    case 'slice':
    case 'pad':
      return layer.axis === 'channels' ? undefined : `a ${layer.kind} along the tokens changes their count`;
    case 'resize':
      return 'a resize changes the token count';
    default:
      return undefined;
  }
}

/** Divisors of t, for the error message. */
function divisors(t: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= t; d++) if (t % d === 0) out.push(d);
  return out;
}

/**
 * The input of a network with `sequenceBlock` as it was before blocking (a blocked copy of a sequence input is
 * F x T/B x B; an unblocked one is F x T x 1), so that resolving a resolved network's `network` again is the same.
 */
export function unblockedInput(network: Network): Shape {
  const b = network.sequenceBlock ?? 1;
  const s = network.input;
  if (b > 1 && network.inputLayout === 'sequence' && s.width === b) return { channels: s.channels, height: s.height * b, width: 1 };
  return s;
}

/**
 * `net` with its token streams in blocks of `tokensPerRow` (network.sequenceBlock): the streamed sequence input, or
 * the tokens a reshape makes of an image's rows x cols (ViT's patches), and every tensor of T rows computed from
 * them. Throws ValidationError when the network has no token stream, B does not divide T, or a layer on the stream
 * needs its tokens in order (a convolution or window over them, a change of their count).
 */
export function blockSequences(net: ResolvedNetwork, tokensPerRow: number, source: string): ResolvedNetwork {
  if (tokensPerRow <= 1) return net;
  const input = net.network.input;
  const streams = new Set<number>();
  let tokens = 0;
  if (net.network.inputLayout === 'sequence' && input.width === 1) {
    tokens = input.height;
    streams.add(-1);
  }
  for (const r of net.layers) {
    const fromStream = r.inputIndices.some((p) => streams.has(p));
    if (!fromStream) {
      // An image's rows x cols made a column of tokens (ViT: 768 x 14 x 14 -> 768 x 196 x 1).
      const a = r.inShapes[0];
      const o = r.outShape;
      if (r.layer.kind === 'reshape' && a !== undefined && o.width === 1 && a.width > 1 && a.channels === o.channels && a.height * a.width === o.height && (tokens === 0 || tokens === o.height)) {
        tokens = o.height;
        streams.add(r.index);
      }
      continue;
    }
    if (r.outShape.height !== tokens) continue; // a reduction over the tokens, an fc: no longer a stream
    const conflict = blockingConflict(r.layer);
    if (conflict !== undefined) {
      throw new ValidationError(source, 'sequence block', `${tokensPerRow} tokens per row, but layer '${r.layer.name}' (${r.layer.kind}) reads the token stream: ${conflict}`, 'sequence blocking of networks whose token streams are read per token (linear layers, norms, attention)');
    }
    streams.add(r.index);
  }
  if (tokens === 0) {
    throw new ValidationError(source, 'sequence block', `${tokensPerRow} tokens per row for '${net.network.name}', which has no token stream`, '1 (no blocking), or a network whose input is a sequence or that turns an image into tokens (ViT)');
  }
  if (tokens % tokensPerRow !== 0) {
    throw new ValidationError(source, 'sequence block', `${tokensPerRow} (does not divide the ${tokens} tokens of '${net.network.name}')`, `a divisor of ${tokens}: ${divisors(tokens).join(', ')}`);
  }
  const blocked = (s: Shape): Shape => ({ channels: s.channels, height: s.height / tokensPerRow, width: s.width * tokensPerRow });
  const layers: ResolvedLayer[] = net.layers.map((r) => ({
    ...r,
    inShapes: r.inShapes.map((s, k) => (streams.has(r.inputIndices[k] ?? NaN) ? blocked(s) : s)),
    outShape: streams.has(r.index) ? blocked(r.outShape) : r.outShape,
  }));
  const network: Network = { ...net.network, input: streams.has(-1) ? blocked(input) : input, sequenceBlock: tokensPerRow };
  return { ...net, network, layers };
}
