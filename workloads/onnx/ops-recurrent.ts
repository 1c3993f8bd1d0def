/**
 * LSTM and GRU: gate weights on crossbars, one step per row (docs/hardware-model.md rules 4 and 5). A layer
 * reads the sequence with its time axis as rows; Y keeps one row per step; Y_h (and an LSTM's Y_c) is the last
 * step's row, a free slice of Y.
 */
import { attrInt, attrString } from './attributes';
import type { ImportContext } from './context';
import type { OnnxNode } from './proto';
import type { ActValue } from './tensors';

function convertRecurrent(cell: 'lstm' | 'gru') {
  return (ctx: ImportContext, node: OnnxNode): void => {
    const raw = ctx.act(node, 0);
    if (raw.dims.length !== 3) throw ctx.invalid('input 0 (X)', `[${raw.dims.join(', ')}]`, 'a 3-D sequence [T, N, F] (layout 0) or [N, T, F] (layout 1)');
    const batchFirst = attrInt(node, 'layout', 0) === 1;
    const tAxis = batchFirst ? 1 : 0;
    const w = ctx.constant(node, 1);
    ctx.constant(node, 2);
    const direction = attrString(node, 'direction', 'forward');
    const directions = direction === 'bidirectional' ? 2 : 1;
    const gates = cell === 'lstm' ? 4 : 3;
    const hidden = attrInt(node, 'hidden_size', Math.floor((w.dims[1] ?? 0) / gates));
    if (w.dims.length !== 3 || w.dims[0] !== directions || w.dims[1] !== gates * hidden || w.dims[2] !== raw.dims[2]) {
      throw ctx.invalid('input 1 (W)', `dims [${w.dims.join(', ')}]`, `[${directions}, ${gates * hidden}, ${raw.dims[2] ?? 0}] (directions, gates x hidden_size, input features)`);
    }
    if (cell === 'lstm' && ctx.optional(node, 7)) throw ctx.invalid('input 7 (P)', 'peephole weights', 'no peepholes');
    const input = ctx.relayout(raw, { rowAxis: tAxis, colAxes: [] });
    const steps = raw.dims[tAxis] ?? 1;
    const bias = ctx.optional(node, 3) !== undefined;
    const yDims = batchFirst ? [1, steps, directions, hidden] : [steps, directions, 1, hidden];
    const body = {
      kind: 'conv' as const,
      outChannels: directions * hidden,
      kernel: [1, 1] as [number, number],
      stride: [1, 1] as [number, number],
      pad: [0, 0, 0, 0] as [number, number, number, number],
      dilation: [1, 1] as [number, number],
      groups: 1,
      bias,
      recurrent: { cell, directions },
    };
    const y: ActValue = ctx.emit(ctx.baseName(node), body, [input], yDims, { rowAxis: tAxis, colAxes: [] });
    ctx.markQuantized(y.producer, w);
    if (node.output[0]) ctx.set(node.output[0], y);
    // Y_h / Y_c: the last step's row.
    const lastUsed = [1, 2].filter((k) => {
      const t = node.output[k] ?? '';
      return t !== '' && (ctx.readerCount(t) > 0 || ctx.isGraphOutput(t));
    });
    if (lastUsed.length === 0) return;
    const last = ctx.emit(`${y.producer}.last`, { kind: 'slice', axis: 'height', start: steps - 1, size: 1, step: 1 }, [y], [directions, 1, hidden], { rowAxis: -1, colAxes: [] });
    for (const k of lastUsed) ctx.set(node.output[k] ?? '', last);
  };
}

export const RECURRENT_OPS = {
  LSTM: convertRecurrent('lstm'),
  GRU: convertRecurrent('gru'),
} as const;
