/**
 * The part of the WebAssembly JavaScript API the MLP kernels use (mlp-kernels.ts). Node has had it since v8, but
 * this project's @types/node (20) does not declare it and lib 'dom' would bring in the browser's globals.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(deltaPages: number): number;
  }
  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}
