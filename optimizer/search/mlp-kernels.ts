/**
 * The MLP's products as WebAssembly SIMD kernels (4 float32 lanes), generated with wasm-encoder.ts. NOTE: written
 * for speed; the layouts are the fast MLP's (mlp.ts): weights stored transposed, wT[i][o] (input-major, so a
 * vector spans 4 outputs), every width padded to a multiple of 4 with zeros, row-major batches. All pointers are
 * byte offsets into the instance's memory; widths are padded counts. Register blocking as in BLAS micro-kernels:
 * each loaded vector feeds several independent accumulators.
 */
import { setFlagsFromString } from 'node:v8';
import { encodeModule, F32, FunctionBuilder, I32, op, V128 } from './wasm-encoder';

const { get, i32, add, mul, shl } = op;

/** acc + a * b: one relaxed fused multiply-add where the engine has it, else a multiply then an add. */
export type Mac = (acc: number[], a: number[], b: number[]) => number[];
export const macWith = (fma: boolean): Mac => (fma ? (acc, a, b) => [...a, ...b, ...acc, ...op.f32x4RelaxedMadd] : (acc, a, b) => [...acc, ...a, ...b, ...op.f32x4Mul, ...op.f32x4Add]);

/** y[s][o] = pmax(floor, b[o] + sum_i x[s][i] wT[i][o]): floor 0 is ReLU, -Infinity none. Blocks of 4 samples x 8 outputs. */
function affine(mac: Mac): FunctionBuilder {
  const f = new FunctionBuilder('affine', [['x', I32], ['w', I32], ['b', I32], ['y', I32], ['batch', I32], ['nIn', I32], ['nOut', I32], ['floor', F32]]);
  const v = (n: string): number[] => get(f.v(n));
  f.let('xr', [...v('nIn'), ...i32(2), ...shl]);
  f.let('yr', [...v('nOut'), ...i32(2), ...shl]);
  f.let('floorV', [...v('floor'), ...op.f32x4Splat], V128);
  const block = (S: number, G: number): void => {
    // Accumulators start at the bias; pointers: wp = &wT[0][o], xp = &x[s][0], yp = &y[s][o].
    f.let('bo', [...v('b'), ...v('o'), ...i32(2), ...shl, ...add]);
    for (let s = 0; s < S; s++) for (let g = 0; g < G; g++) f.let(`a${s}${g}`, [...v('bo'), ...op.v128Load(16 * g)], V128);
    f.let('wp', [...v('w'), ...v('o'), ...i32(2), ...shl, ...add]);
    f.let('xp', [...v('x'), ...v('s'), ...v('xr'), ...mul, ...add]);
    f.loop('i', i32(0), [...v('i'), ...v('nIn'), ...op.geS], i32(1), () => {
      for (let g = 0; g < G; g++) f.let(`w${g}`, [...v('wp'), ...op.v128Load(16 * g)], V128);
      for (let s = 0; s < S; s++) {
        const addr = s === 0 ? v('xp') : [...v('xp'), ...v('xr'), ...i32(s), ...mul, ...add];
        f.let('xs', [...addr, ...op.f32Load(0), ...op.f32x4Splat], V128);
        for (let g = 0; g < G; g++) f.let(`a${s}${g}`, mac(v(`a${s}${g}`), v('xs'), v(`w${g}`)), V128);
      }
      f.let('wp', [...v('wp'), ...v('yr'), ...add]);
      f.let('xp', [...v('xp'), ...i32(4), ...add]);
    });
    f.let('yp', [...v('y'), ...v('s'), ...v('yr'), ...mul, ...add, ...v('o'), ...i32(2), ...shl, ...add]);
    for (let s = 0; s < S; s++) {
      for (let g = 0; g < G; g++) {
        const addr = s === 0 ? v('yp') : [...v('yp'), ...v('yr'), ...i32(s), ...mul, ...add];
        f.emit(addr, v('floorV'), v(`a${s}${g}`), op.f32x4Pmax, op.v128Store(16 * g));
      }
    }
  };
  const outputs = (S: number): void => {
    f.loop('o', i32(0), [...v('o'), ...i32(8), ...add, ...v('nOut'), ...op.gtS], i32(8), () => block(S, 2));
    f.emit(v('o'), v('nOut'), op.ltS, op.if);
    block(S, 1);
    f.emit(op.end);
  };
  f.loop('s', i32(0), [...v('s'), ...i32(4), ...add, ...v('batch'), ...op.gtS], i32(4), () => outputs(4));
  f.loop('s', v('s'), [...v('s'), ...v('batch'), ...op.geS], i32(1), () => outputs(1));
  return f;
}

/**
 * gwT[i][o] += sum_s x[s][i] d[s][o] for inputs [0, nIn) of rows `ldx` floats apart (so a thread can take a band
 * of inputs); blocks of 4 inputs x 8 outputs over the samples, summed in sample order.
 */
function weightGradient(mac: Mac): FunctionBuilder {
  const f = new FunctionBuilder('weightGradient', [['d', I32], ['x', I32], ['gw', I32], ['batch', I32], ['nIn', I32], ['nOut', I32], ['ldx', I32]]);
  const v = (n: string): number[] => get(f.v(n));
  f.let('xr', [...v('ldx'), ...i32(2), ...shl]);
  f.let('yr', [...v('nOut'), ...i32(2), ...shl]);
  const block = (G: number): void => {
    f.let('gp', [...v('gw'), ...v('i'), ...v('yr'), ...mul, ...add, ...v('o'), ...i32(2), ...shl, ...add]);
    const row = (r: number): number[] => (r === 0 ? v('gp') : [...v('gp'), ...v('yr'), ...i32(r), ...mul, ...add]);
    for (let r = 0; r < 4; r++) for (let g = 0; g < G; g++) f.let(`a${r}${g}`, [...row(r), ...op.v128Load(16 * g)], V128);
    f.let('dp', [...v('d'), ...v('o'), ...i32(2), ...shl, ...add]);
    f.let('xp', [...v('x'), ...v('i'), ...i32(2), ...shl, ...add]);
    f.loop('s', i32(0), [...v('s'), ...v('batch'), ...op.geS], i32(1), () => {
      for (let g = 0; g < G; g++) f.let(`d${g}`, [...v('dp'), ...op.v128Load(16 * g)], V128);
      for (let r = 0; r < 4; r++) {
        f.let('xs', [...v('xp'), ...op.f32Load(4 * r), ...op.f32x4Splat], V128);
        for (let g = 0; g < G; g++) f.let(`a${r}${g}`, mac(v(`a${r}${g}`), v('xs'), v(`d${g}`)), V128);
      }
      f.let('dp', [...v('dp'), ...v('yr'), ...add]);
      f.let('xp', [...v('xp'), ...v('xr'), ...add]);
    });
    for (let r = 0; r < 4; r++) for (let g = 0; g < G; g++) f.emit(row(r), v(`a${r}${g}`), op.v128Store(16 * g));
  };
  f.loop('i', i32(0), [...v('i'), ...v('nIn'), ...op.geS], i32(4), () => {
    f.loop('o', i32(0), [...v('o'), ...i32(8), ...add, ...v('nOut'), ...op.gtS], i32(8), () => block(2));
    f.emit(v('o'), v('nOut'), op.ltS, op.if);
    block(1);
    f.emit(op.end);
  });
  return f;
}

/** dx[s][i] = sum_o d[s][o] wT[i][o] for every (padded) input i; blocks of 2 samples x 4 inputs over the outputs. */
function inputGradient(mac: Mac): FunctionBuilder {
  const f = new FunctionBuilder('inputGradient', [['d', I32], ['w', I32], ['dx', I32], ['batch', I32], ['nIn', I32], ['nOut', I32]]);
  const v = (n: string): number[] => get(f.v(n));
  f.let('xr', [...v('nIn'), ...i32(2), ...shl]);
  f.let('yr', [...v('nOut'), ...i32(2), ...shl]);
  const block = (S: number): void => {
    for (let s = 0; s < S; s++) for (let r = 0; r < 4; r++) f.let(`a${s}${r}`, op.v128Zero, V128);
    f.let('dp', [...v('d'), ...v('s'), ...v('yr'), ...mul, ...add]);
    f.let('wp', [...v('w'), ...v('i'), ...v('yr'), ...mul, ...add]);
    f.loop('o', i32(0), [...v('o'), ...v('nOut'), ...op.geS], i32(4), () => {
      for (let s = 0; s < S; s++) f.let(`d${s}`, [...(s === 0 ? v('dp') : [...v('dp'), ...v('yr'), ...add]), ...op.v128Load(0)], V128);
      for (let r = 0; r < 4; r++) {
        f.let('wv', [...(r === 0 ? v('wp') : [...v('wp'), ...v('yr'), ...i32(r), ...mul, ...add]), ...op.v128Load(0)], V128);
        for (let s = 0; s < S; s++) f.let(`a${s}${r}`, mac(v(`a${s}${r}`), v(`d${s}`), v('wv')), V128);
      }
      f.let('dp', [...v('dp'), ...i32(16), ...add]);
      f.let('wp', [...v('wp'), ...i32(16), ...add]);
    });
    f.let('xp', [...v('dx'), ...v('s'), ...v('xr'), ...mul, ...add, ...v('i'), ...i32(2), ...shl, ...add]);
    for (let s = 0; s < S; s++) {
      for (let r = 0; r < 4; r++) {
        const acc = v(`a${s}${r}`);
        f.emit(s === 0 ? v('xp') : [...v('xp'), ...v('xr'), ...add]);
        f.emit(acc, op.f32x4Lane(0), acc, op.f32x4Lane(1), op.f32Add, acc, op.f32x4Lane(2), op.f32Add, acc, op.f32x4Lane(3), op.f32Add, op.f32Store(4 * r));
      }
    }
  };
  const inputs = (S: number): void => f.loop('i', i32(0), [...v('i'), ...v('nIn'), ...op.geS], i32(4), () => block(S));
  f.loop('s', i32(0), [...v('s'), ...i32(2), ...add, ...v('batch'), ...op.gtS], i32(2), () => inputs(2));
  f.loop('s', v('s'), [...v('s'), ...v('batch'), ...op.geS], i32(1), () => inputs(1));
  return f;
}

/** dx[j] = x[j] > 0 ? dx[j] : 0 over n floats (the ReLU's gradient mask). */
function reluMask(): FunctionBuilder {
  const f = new FunctionBuilder('reluMask', [['dx', I32], ['x', I32], ['n', I32]]);
  const v = (n: string): number[] => get(f.v(n));
  f.loop('j', i32(0), [...v('j'), ...v('n'), ...op.geS], i32(4), () => {
    f.let('p', [...v('j'), ...i32(2), ...shl]);
    f.emit(v('dx'), v('p'), add, v('dx'), v('p'), add, op.v128Load(0), v('x'), v('p'), add, op.v128Load(0), op.v128Zero, op.f32x4Gt, op.v128And, op.v128Store(0));
  });
  return f;
}

/** gb[o] += sum_s d[s][o]. */
function biasGradient(): FunctionBuilder {
  const f = new FunctionBuilder('biasGradient', [['d', I32], ['gb', I32], ['batch', I32], ['nOut', I32]]);
  const v = (n: string): number[] => get(f.v(n));
  f.let('yr', [...v('nOut'), ...i32(2), ...shl]);
  f.loop('o', i32(0), [...v('o'), ...v('nOut'), ...op.geS], i32(4), () => {
    f.let('gp', [...v('gb'), ...v('o'), ...i32(2), ...shl, ...add]);
    f.let('acc', [...v('gp'), ...op.v128Load(0)], V128);
    f.let('dp', [...v('d'), ...v('o'), ...i32(2), ...shl, ...add]);
    f.loop('s', i32(0), [...v('s'), ...v('batch'), ...op.geS], i32(1), () => {
      f.let('acc', [...v('acc'), ...v('dp'), ...op.v128Load(0), ...op.f32x4Add], V128);
      f.let('dp', [...v('dp'), ...v('yr'), ...add]);
    });
    f.emit(v('gp'), v('acc'), op.v128Store(0));
  });
  return f;
}

/** Adam over n parameters: m, v moments; p -= step m / (sqrt(v c2inv) + eps) with g scaled by `scale`; g cleared. */
function adam(): FunctionBuilder {
  const f = new FunctionBuilder('adam', [
    ['p', I32], ['g', I32], ['m', I32], ['vv', I32], ['n', I32], ['scale', F32], ['step', F32], ['c2inv', F32], ['beta1', F32], ['beta2', F32], ['eps', F32], ['a1', F32], ['a2', F32],
  ]);
  const v = (n: string): number[] => get(f.v(n));
  for (const k of ['scale', 'step', 'c2inv', 'beta1', 'beta2', 'eps', 'a1', 'a2']) f.let(`${k}V`, [...v(k), ...op.f32x4Splat], V128);
  f.loop('j', i32(0), [...v('j'), ...v('n'), ...op.geS], i32(4), () => {
    f.let('o', [...v('j'), ...i32(2), ...shl]);
    const at = (base: string): number[] => [...v(base), ...v('o'), ...add];
    f.let('gi', [...at('g'), ...op.v128Load(0), ...v('scaleV'), ...op.f32x4Mul], V128);
    f.let('mi', [...v('beta1V'), ...at('m'), ...op.v128Load(0), ...op.f32x4Mul, ...v('a1V'), ...v('gi'), ...op.f32x4Mul, ...op.f32x4Add], V128);
    f.let('vi', [...v('beta2V'), ...at('vv'), ...op.v128Load(0), ...op.f32x4Mul, ...v('a2V'), ...v('gi'), ...v('gi'), ...op.f32x4Mul, ...op.f32x4Mul, ...op.f32x4Add], V128);
    f.emit(at('m'), v('mi'), op.v128Store(0), at('vv'), v('vi'), op.v128Store(0), at('g'), op.v128Zero, op.v128Store(0));
    f.emit(at('p'), at('p'), op.v128Load(0), v('stepV'), v('mi'), op.f32x4Mul);
    f.emit(v('vi'), v('c2invV'), op.f32x4Mul, op.f32x4Sqrt, v('epsV'), op.f32x4Add, op.f32x4Div, op.f32x4Sub, op.v128Store(0));
  });
  return f;
}

/** dst[j] = tau src[j] + (1 - tau) dst[j] over n floats. */
function blend(): FunctionBuilder {
  const f = new FunctionBuilder('blend', [['dst', I32], ['src', I32], ['n', I32], ['tau', F32], ['keep', F32]]);
  const v = (n: string): number[] => get(f.v(n));
  f.let('tauV', [...v('tau'), ...op.f32x4Splat], V128);
  f.let('keepV', [...v('keep'), ...op.f32x4Splat], V128);
  f.loop('j', i32(0), [...v('j'), ...v('n'), ...op.geS], i32(4), () => {
    f.let('o', [...v('j'), ...i32(2), ...shl]);
    f.emit(v('dst'), v('o'), add, v('tauV'), v('src'), v('o'), add, op.v128Load(0), op.f32x4Mul);
    f.emit(v('keepV'), v('dst'), v('o'), add, op.v128Load(0), op.f32x4Mul, op.f32x4Add, op.v128Store(0));
  });
  return f;
}

export interface MlpKernels {
  affine(x: number, w: number, b: number, y: number, batch: number, nIn: number, nOut: number, floor: number): void;
  weightGradient(d: number, x: number, gw: number, batch: number, nIn: number, nOut: number, ldx: number): void;
  inputGradient(d: number, w: number, dx: number, batch: number, nIn: number, nOut: number): void;
  reluMask(dx: number, x: number, n: number): void;
  biasGradient(d: number, gb: number, batch: number, nOut: number): void;
  adam(p: number, g: number, m: number, v: number, n: number, scale: number, step: number, c2inv: number, beta1: number, beta2: number, eps: number, a1: number, a2: number): void;
  blend(dst: number, src: number, n: number, tau: number, keep: number): void;
}

/** Largest memory a network may use (the wasm32 limit): a shared memory declares its maximum up front. */
export const MAX_PAGES = 65536;

/**
 * Whether the engine compiles f32x4.relaxed_madd (the relaxed SIMD proposal): on by default from V8 11.4 (Node 22);
 * Node 20's V8 11.3 has it behind a flag, which is set here once (it only admits the extra opcodes).
 */
function relaxedMaddAvailable(): boolean {
  const probe = new FunctionBuilder('probe', [['a', V128]]);
  probe.emit(get(0), get(0), get(0), op.f32x4RelaxedMadd, op.set(0));
  const bytes = encodeModule([probe]);
  if (WebAssembly.validate(bytes)) return true;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(bytes);
}

let fmaDefault: boolean | undefined;

/** The kernels use fused multiply-adds unless the engine lacks them or LRMP_WASM_FMA=0 (for comparisons). */
export function kernelsUseFma(): boolean {
  fmaDefault ??= process.env.LRMP_WASM_FMA !== '0' && relaxedMaddAvailable();
  return fmaDefault;
}

const compiled = new Map<boolean, WebAssembly.Module>();

/** The kernels' module (importing a shared memory of up to MAX_PAGES), compiled once per process and variant. */
export function kernelModule(fma = kernelsUseFma()): WebAssembly.Module {
  let module = compiled.get(fma);
  if (module === undefined) {
    const mac = macWith(fma);
    module = new WebAssembly.Module(encodeModule([affine(mac), weightGradient(mac), inputGradient(mac), reluMask(), biasGradient(), adam(), blend()], 1, MAX_PAGES));
    compiled.set(fma, module);
  }
  return module;
}

/** The kernels of `module` bound to `memory` (shared, at most MAX_PAGES). */
export function instantiateKernels(memory: WebAssembly.Memory, module = kernelModule()): MlpKernels {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as MlpKernels;
}
