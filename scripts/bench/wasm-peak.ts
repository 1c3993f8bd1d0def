import { kernelsUseFma, macWith } from '../../optimizer/search/mlp-kernels';
import { encodeModule, FunctionBuilder, I32, op, V128 } from '../../optimizer/search/wasm-encoder';
import { median } from './measure';

/**
 * The roofline's ceiling for the MLP kernels: multiply-adds per CPU second of one core running only f32x4
 * multiply-adds (the kernels' own instruction: relaxed fused multiply-add where available, else multiply + add)
 * on `accumulators` independent registers, no loads. 8-12 accumulators hide the instruction's latency; more
 * spill (V8 uses 16 xmm registers on x64). The best of 8 and 12 is the figure.
 */
export function wasmF32x4PeakGmacPerS(fma = kernelsUseFma()): number {
  return Math.max(peakWith(8, fma), peakWith(12, fma));
}

function peakWith(accumulators: number, fma: boolean): number {
  const mac = macWith(fma);
  const f = new FunctionBuilder('peak', [['n', I32]]);
  const v = (name: string): number[] => op.get(f.v(name));
  for (let k = 0; k < accumulators; k++) f.let(`a${k}`, op.v128Zero, V128);
  f.let('x', [...op.i32(0), ...op.f32Load(0), ...op.f32x4Splat], V128);
  f.let('w', [...op.i32(0), ...op.v128Load(16)], V128);
  f.loop('i', op.i32(0), [...v('i'), ...v('n'), ...op.geS], op.i32(1), () => {
    for (let k = 0; k < accumulators; k++) f.let(`a${k}`, mac(v(`a${k}`), v('x'), v('w')), V128);
  });
  // Store the sum so the engine cannot drop the loop.
  f.emit(op.i32(0));
  for (let k = 0; k < accumulators; k++) f.emit(v(`a${k}`));
  for (let k = 1; k < accumulators; k++) f.emit(op.f32x4Add);
  f.emit(op.v128Store(64));
  const memory = new WebAssembly.Memory({ initial: 1 });
  const module = new WebAssembly.Module(encodeModule([f]));
  const peak = new WebAssembly.Instance(module, { env: { memory } }).exports.peak as (n: number) => void;
  const n = 5e6;
  peak(n);
  const rates: number[] = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    peak(n);
    const c = process.cpuUsage(c0);
    rates.push((n * accumulators * 4) / ((c.user + c.system) / 1e3));
  }
  return median(rates) / 1e6;
}
