import type { ResolvedLayer } from '../workloads/types';

/** The span of input rows output row i of a layer needs (rule 4), before clamping to the input's rows. */
type RowSpan = (i: number) => { lo: number; hi: number };

/**
 * Rule 4 for every layer kind, in one place: the input rows (of direct input `input`) each output row needs.
 * Kinds that need the whole input (fc, flatten, a reduction or softmax over the rows, instance/group norm, a
 * layout change that moves the row axis, the second operand of a matmul) need its last row and keep its first.
 */
function rowSpan(r: ResolvedLayer, input: number, inRows: number): RowSpan {
  const layer = r.layer;
  const same: RowSpan = (i) => ({ lo: i, hi: i });
  const whole: RowSpan = () => ({ lo: 0, hi: inRows - 1 });
  switch (layer.kind) {
    case 'conv':
      // A bidirectional recurrent layer's backward pass starts at the last step.
      if (layer.recurrent && layer.recurrent.directions > 1) return whole;
      return (i) => {
        const lo = i * layer.stride[0] - layer.pad[0];
        return { lo, hi: lo + (layer.kernel[0] - 1) * layer.dilation[0] };
      };
    case 'pool':
      // A global pool keeps a running sum/max as rows arrive: it finishes at the last row and holds one row.
      if (layer.global) return () => ({ lo: inRows - 1, hi: inRows - 1 });
      return (i) => {
        const lo = i * layer.stride[0] - layer.pad[0];
        return { lo, hi: lo + layer.kernel[0] - 1 };
      };
    case 'col2im':
      // Uncropped output row f = i + top pad gathers tap a of input row j where j*stride + a*dilation = f; a row
      // in a gap between patches (stride above the kernel's reach) reads the row before it.
      return (i) => {
        const f = i + layer.pad[0];
        let lo = Infinity;
        let hi = -1;
        for (let a = 0; a < layer.kernel[0]; a++) {
          const j = (f - a * layer.dilation[0]) / layer.stride[0];
          if (Number.isInteger(j) && j >= 0 && j < inRows) (lo = Math.min(lo, j)), (hi = Math.max(hi, j));
        }
        if (hi < 0) return { lo: Math.floor(f / layer.stride[0]), hi: Math.floor(f / layer.stride[0]) };
        return { lo, hi };
      };
    case 'fc':
      return whole;
    case 'pass':
      return layer.fn === 'flatten' ? whole : same;
    case 'reshape': {
      if (layer.rows === 'all') return whole;
      // Re-cut in row order: output row i holds elements [i*S_out, (i+1)*S_out) of the input read row by row.
      const inShape = r.inShapes[input];
      const perIn = inShape ? inShape.channels * inShape.width : 1;
      const perOut = r.outShape.channels * r.outShape.width;
      return (i) => ({ lo: Math.floor((i * perOut) / perIn), hi: Math.floor(((i + 1) * perOut - 1) / perIn) });
    }
    case 'concat': {
      if (layer.axis !== 'height') return same;
      // Along the rows: input k's rows follow the rows of the inputs before it.
      let offset = 0;
      for (let k = 0; k < input; k++) offset += r.inShapes[k]?.height ?? 0;
      return (i) => ({ lo: i - offset, hi: i - offset });
    }
    case 'pad':
      if (layer.axis !== 'height') return same;
      return (i) => ({ lo: i - layer.before, hi: i - layer.before });
    case 'slice':
      if (layer.axis !== 'height') return same;
      return (i) => ({ lo: layer.start + i * layer.step, hi: layer.start + i * layer.step });
    case 'matmul':
      // Every output row multiplies its row of A by the whole of B; a causal (decoder) row i by B's rows 0..i.
      if (input === 0) return same;
      return layer.causal === true ? (i) => ({ lo: 0, hi: i }) : whole;
    case 'norm':
      return layer.fn === 'layer' || layer.fn === 'rms' ? same : whole;
    case 'softmax':
      return layer.axis === 'height' ? whole : same;
    case 'reduce':
      return layer.axes.includes('height') ? whole : same;
    case 'resize': {
      const s = layer.scale[0];
      if (layer.mode === 'nearest') return (i) => ({ lo: Math.floor(i / s + 1e-9), hi: Math.floor(i / s + 1e-9) });
      return (i) => {
        const lo = Math.floor((i + 0.5) / s - 0.5);
        return { lo, hi: lo + 1 };
      };
    }
    default:
      // Element-wise ops and activations: row i of every input (row 0 of an input broadcast along the rows).
      return same;
  }
}

/** A layer's own need/low tables relative to its direct input (rule 4). */
export function ownRowTables(r: ResolvedLayer, input = 0): { need: Int32Array; low: Int32Array } {
  const outRows = r.outShape.height;
  // Each input by its own height: an SE block's per-channel scale (1x1) is row 0 for every output row.
  const inRows = r.inShapes[input]?.height ?? 1;
  const span = rowSpan(r, input, inRows);
  const need = new Int32Array(outRows);
  const low = new Int32Array(outRows);
  for (let i = 0; i < outRows; i++) {
    const { lo, hi } = span(i);
    need[i] = Math.max(0, Math.min(inRows - 1, hi));
    low[i] = Math.max(0, Math.min(inRows - 1, lo));
  }
  return { need, low };
}
