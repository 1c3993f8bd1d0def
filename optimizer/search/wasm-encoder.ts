/**
 * A minimal WebAssembly binary encoder: just what the MLP kernels (mlp-kernels.ts) need (i32 arithmetic,
 * structured loops, f32 and 128-bit SIMD loads, stores and arithmetic), so the kernels are generated from
 * TypeScript without a toolchain. Opcodes: WebAssembly core spec 2.0, section 5.4 (binary format), and the
 * fixed-width SIMD proposal's binary encoding (prefix 0xfd).
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const simd = (op: number): number[] => [0xfd, ...uleb(op)];

/** Instructions, each as its bytes. */
export const op = {
  get: (i: number): number[] => [0x20, ...uleb(i)],
  set: (i: number): number[] => [0x21, ...uleb(i)],
  i32: (n: number): number[] => [0x41, ...sleb(n)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  shl: [0x74],
  geS: [0x4e],
  gtS: [0x4a],
  ltS: [0x48],
  brIf: (depth: number): number[] => [0x0d, ...uleb(depth)],
  br: (depth: number): number[] => [0x0c, ...uleb(depth)],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  f32Load: (offset: number): number[] => [0x2a, 2, ...uleb(offset)],
  f32Store: (offset: number): number[] => [0x38, 2, ...uleb(offset)],
  f32Add: [0x92],
  v128Load: (offset: number): number[] => [...simd(0x00), 2, ...uleb(offset)],
  v128Store: (offset: number): number[] => [...simd(0x0b), 2, ...uleb(offset)],
  v128Zero: [...simd(0x0c), ...new Array<number>(16).fill(0)],
  v128And: simd(0x4e),
  f32x4Splat: simd(0x13),
  f32x4Lane: (lane: number): number[] => [...simd(0x1f), lane],
  f32x4Gt: simd(0x44),
  f32x4Sqrt: simd(0xe3),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  /** pmax(a, b) = a < b ? b : a (pmax(floor, x) is ReLU for floor 0, the identity for floor -Infinity). */
  f32x4Pmax: simd(0xeb),
  /** Relaxed SIMD proposal: a * b + c, fused or not as the hardware does it (x64 with FMA3 and arm64: fused). */
  f32x4RelaxedMadd: simd(0x105),
};

/** One function under construction: named parameters and locals, and its body's bytes. */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly names = new Map<string, number>();
  private readonly localTypes: ValType[] = [];

  constructor(readonly name: string, readonly params: ReadonlyArray<readonly [string, ValType]>) {
    params.forEach(([n], i) => this.names.set(n, i));
  }

  /** Index of a parameter or local, declaring a local of `type` on first use. */
  v(name: string, type: ValType = I32): number {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    const index = this.params.length + this.localTypes.length;
    this.names.set(name, index);
    this.localTypes.push(type);
    return index;
  }

  emit(...parts: Array<number | number[]>): void {
    for (const p of parts) {
      if (typeof p === 'number') this.code.push(p);
      else for (const b of p) this.code.push(b);
    }
  }

  /** `name = value` for the bytes that leave one value on the stack. */
  let(name: string, value: number[], type: ValType = I32): void {
    this.emit(value, op.set(this.v(name, type)));
  }

  /** for (counter = start; !(exit condition); counter += step) body, with `exit` leaving an i32 on the stack. */
  loop(counter: string, start: number[], exit: number[], step: number[], body: () => void): void {
    this.let(counter, start);
    this.emit(op.block, op.loop, exit, op.brIf(1));
    body();
    this.emit(op.get(this.v(counter)), step, op.add, op.set(this.v(counter)), op.br(0), op.end, op.end);
  }

  /** The function's entry in the code section: local declarations, body, end. */
  encode(): number[] {
    const groups: Array<[number, ValType]> = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...uleb(groups.length), ...groups.flatMap(([n, t]) => [...uleb(n), t]), ...this.code, ...op.end];
    return [...uleb(body.length), ...body];
  }
}

function section(id: number, items: number[][]): number[] {
  const content = [...uleb(items.length), ...items.flat()];
  return [id, ...uleb(content.length), ...content];
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...uleb(bytes.length), ...bytes];
}

/**
 * A module importing env.memory (at least `minPages` pages; a shared memory of at most `sharedMaxPages` when
 * given, for threads) and exporting each function by its name.
 */
export function encodeModule(functions: readonly FunctionBuilder[], minPages = 1, sharedMaxPages?: number): Uint8Array {
  const types = functions.map((f) => [0x60, ...uleb(f.params.length), ...f.params.map(([, t]) => t), 0]);
  const limits = sharedMaxPages === undefined ? [0x00, ...uleb(minPages)] : [0x03, ...uleb(minPages), ...uleb(sharedMaxPages)];
  const imports = [[...name('env'), ...name('memory'), 0x02, ...limits]];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, functions.map((_, i) => uleb(i))),
    ...section(7, functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])),
    ...section(10, functions.map((f) => f.encode())),
  ];
  return Uint8Array.from(bytes);
}
