/**
 * A second thread for the MLP's large kernels (mlp-kernels.ts): each network's memory is shared, and a call big
 * enough to pay for the hand-over is cut into a few chunks that this thread and a helper thread claim one at a
 * time from a shared ticket (compare-and-swap), so a helper the OS has not scheduled costs nothing: this thread
 * then claims every chunk itself. Chunks never cut a sum: products split by samples (forward, input gradients)
 * or by bands of input rows (weight gradients, each summed over all samples in order), Adam and the soft update
 * by parameter ranges, so every float is computed by the same instructions in the same order whoever runs it:
 * outputs are identical with or without the helper, on any number of cores. The helper spins briefly for the next
 * call before sleeping in Atomics.wait (waking a sleeping thread costs tens of microseconds, a spin a few).
 */
import { isMainThread, MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { kernelModule, type MlpKernels } from './mlp-kernels';

/**
 * Control block slots (Int32). TICKET = seq << 16 | chunks << 8 | next chunk to claim; DONE counts finished
 * chunks; SLEEPING: the helper waits on TICKET (so a new call must notify it).
 */
const TICKET = 0;
const DONE = 1;
const CMD = 2;
const MEM = 3;
const FAILED = 4;
const READY = 5;
const NARGS = 6;
const SLEEPING = 7;
/** Chunks the helper has run (for tests). */
const HELPED = 8;
/** Each chunk's arguments as float64 (exact for the kernels' i32 pointers and f32 scalars), from this byte. */
const ARGS_BYTE = 64;
const MAX_ARGS = 16;
const MAX_CHUNKS = 8;
const REGISTER = 100;
const RELEASE = 101;
const NAMES = ['affine', 'weightGradient', 'inputGradient', 'adam', 'blend'] as const;
type SplitName = (typeof NAMES)[number];
/** The helper spins this long after its last chunk before sleeping (an update's calls come well within it). */
const SPIN_MS = 0.05;
/** A call splits from this many multiply-adds (or Adam / blend elements x 8): below, the hand-over costs more. */
export const SPLIT_MIN_WORK = 1 << 18;
/** Calls done alone after the helper cost more than it saved, doubling up to the maximum while it keeps doing so. */
const BACKOFF_MIN = 64;
const BACKOFF_MAX = 8192;
/**
 * The helper's share of the chunks, a decaying average (about the last 20 calls): below SHARE_MIN it is not
 * running beside us; above SHARE_GOOD (two free cores: it takes about half) the back-off resets.
 */
const SHARE_DECAY = 0.95;
const SHARE_START = 0.3;
const SHARE_MIN = 0.25;
const SHARE_GOOD = 0.4;
/** Chunks per split call: 8 keeps two threads balanced when one starts late (a sleeping helper wakes in tens of us). */
const CHUNKS = 8;

const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { control, module, port, names, spinMs } = workerData;
const ctrl = new Int32Array(control);
const args = new Float64Array(control, ${ARGS_BYTE}, ${MAX_ARGS * MAX_CHUNKS});
const instances = new Map();
Atomics.store(ctrl, ${READY}, 1);
let idleSince = performance.now();
for (let t = 0; ; t++) {
  const ticket = Atomics.load(ctrl, ${TICKET});
  const next = ticket & 255;
  if (next < ((ticket >> 8) & 255)) {
    if (Atomics.compareExchange(ctrl, ${TICKET}, ticket, ticket + 1) !== ticket) continue;
    try {
      const cmd = ctrl[${CMD}];
      const id = ctrl[${MEM}];
      if (cmd === ${REGISTER}) {
        instances.set(id, new WebAssembly.Instance(module, { env: { memory: receiveMessageOnPort(port).message } }).exports);
      } else if (cmd === ${RELEASE}) {
        instances.delete(id);
      } else {
        const a = [];
        for (let j = 0; j < ctrl[${NARGS}]; j++) a.push(args[next * ${MAX_ARGS} + j]);
        instances.get(id)[names[cmd]](...a);
      }
    } catch {
      Atomics.store(ctrl, ${FAILED}, 1);
    }
    Atomics.add(ctrl, ${HELPED}, 1);
    Atomics.add(ctrl, ${DONE}, 1);
    idleSince = performance.now();
  } else if ((t & 1023) === 0 && performance.now() - idleSince > spinMs) {
    Atomics.store(ctrl, ${SLEEPING}, 1);
    Atomics.wait(ctrl, ${TICKET}, ticket);
    Atomics.store(ctrl, ${SLEEPING}, 0);
    idleSince = performance.now();
  }
}
`;

class Helper {
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly port: MessagePort;
  readonly worker: Worker;
  private seq = 0;
  private nextId = 0;
  /** Calls to leave to this thread alone, after the helper made it wait longer than its own share took. */
  private skip = 0;
  private backoff = BACKOFF_MIN;
  private share = SHARE_START;
  broken = false;

  constructor() {
    const control = new SharedArrayBuffer(ARGS_BYTE + 8 * MAX_ARGS * MAX_CHUNKS);
    this.ctrl = new Int32Array(control);
    this.args = new Float64Array(control, ARGS_BYTE, MAX_ARGS * MAX_CHUNKS);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const worker = (this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { control, module: kernelModule(), port: port2, names: NAMES, spinMs: SPIN_MS },
      transferList: [port2],
    }));
    worker.on('error', () => (this.broken = true));
    worker.on('exit', () => (this.broken = true));
    // Neither keeps the process alive: the helper only ever works while this thread waits for it.
    worker.unref();
    port1.unref();
  }

  /** Whether the helper has started (until then, and if it failed, this thread does all the work). */
  get ready(): boolean {
    return !this.broken && Atomics.load(this.ctrl, READY) === 1;
  }

  /**
   * Whether to split the next call: not while backing off. On a loaded machine the OS may stop the helper in a
   * chunk, and waiting for it (a time slice) costs far more than the chunk: when the helper's running balance of
   * time saved goes negative, this thread works alone for a while (BACKOFF_MIN calls, doubling while it keeps
   * happening), which changes no result.
   */
  get usable(): boolean {
    if (this.skip === 0) return this.ready;
    this.skip--;
    return false;
  }

  /** Chunks the helper has run so far. */
  get helped(): number {
    return Atomics.load(this.ctrl, HELPED);
  }

  /** Makes `memory` known to the helper (a one-chunk call only it runs: this thread waits for it). */
  register(memory: WebAssembly.Memory): number {
    const id = this.nextId++;
    this.port.postMessage(memory);
    this.publish(REGISTER, id, 0, 1);
    this.waitDone(1);
    return id;
  }

  release(id: number): void {
    if (!this.ready) return;
    this.publish(RELEASE, id, 0, 1);
    this.waitDone(1);
  }

  /**
   * Runs `kernel` on each chunk's arguments, this thread and the helper each claiming chunks until none is left;
   * returns when all are done.
   */
  run(cmd: number, id: number, chunks: readonly (readonly number[])[], kernel: (...a: number[]) => void): void {
    const count = chunks.length;
    chunks.forEach((args, c) => args.forEach((a, j) => (this.args[c * MAX_ARGS + j] = a)));
    this.publish(cmd, id, chunks[0]?.length ?? 0, count);
    const start = performance.now();
    let mine = 0;
    for (;;) {
      const ticket = Atomics.load(this.ctrl, TICKET);
      const next = ticket & 255;
      if (next >= count) break;
      if (Atomics.compareExchange(this.ctrl, TICKET, ticket, ticket + 1) !== ticket) continue;
      kernel(...(chunks[next] ?? []));
      Atomics.add(this.ctrl, DONE, 1);
      mine++;
    }
    const worked = performance.now();
    this.waitDone(count);
    // Two signs the OS is not running the helper beside us (a loaded machine, or one CPU share for the whole
    // process): it takes few chunks (a decaying average of its share), or waiting for it takes longer than our
    // own chunks did. Then this thread goes alone for a while: the helper's spinning would only slow it.
    const waited = performance.now() - worked;
    this.share = SHARE_DECAY * this.share + (1 - SHARE_DECAY) * ((count - mine) / count);
    if (this.share < SHARE_MIN || (mine > 0 && waited > worked - start)) {
      this.skip = this.backoff;
      this.backoff = Math.min(BACKOFF_MAX, 2 * this.backoff);
      this.share = SHARE_START;
    } else if (this.share > SHARE_GOOD) {
      this.backoff = BACKOFF_MIN;
    }
  }

  private publish(cmd: number, id: number, nargs: number, count: number): void {
    this.ctrl[CMD] = cmd;
    this.ctrl[MEM] = id;
    this.ctrl[NARGS] = nargs;
    Atomics.store(this.ctrl, DONE, 0);
    this.seq = (this.seq + 1) & 0x7fff;
    Atomics.store(this.ctrl, TICKET, (this.seq << 16) | (count << 8));
    if (Atomics.load(this.ctrl, SLEEPING) === 1) Atomics.notify(this.ctrl, TICKET);
  }

  /** Waits for chunks the helper claimed: it is running them, so spin, then sleep in short waits. */
  private waitDone(count: number): void {
    const start = performance.now();
    for (let t = 1; Atomics.load(this.ctrl, DONE) < count; t++) {
      if ((t & 1023) === 0 && performance.now() - start > SPIN_MS) Atomics.wait(this.ctrl, DONE, Atomics.load(this.ctrl, DONE), 1);
    }
    if (Atomics.load(this.ctrl, FAILED) !== 0) throw new Error('the MLP helper thread failed in a kernel');
  }
}

let helper: Helper | undefined;
let enabled = process.env.LRMP_MLP_THREADS !== '0';

/** Allows or forbids the helper from now on (the bench's one-core figures; LRMP_MLP_THREADS=0 starts it off). */
export function useMlpHelper(on: boolean): void {
  enabled = on;
}

/**
 * The process's helper thread, started on first use, when there is a second core and this is the main thread
 * (a search inside a worker, e.g. a sweep's, shares the cores with the other workers already).
 */
function sharedHelper(): Helper | undefined {
  if (!enabled || !isMainThread) return undefined;
  if (helper === undefined && availableParallelism() >= 2) helper = new Helper();
  return helper?.ready === true ? helper : undefined;
}

/**
 * Starts the helper (if there is a second core) and resolves once it is ready, with the chunks it has run so far
 * (tests: to know a threaded run really used it); undefined without a helper.
 */
export async function mlpHelperChunks(): Promise<number | undefined> {
  sharedHelper();
  for (let t = 0; helper !== undefined && !helper.ready && !helper.broken && t < 500; t++) await new Promise((r) => setTimeout(r, 10));
  return helper?.ready === true ? helper.helped : undefined;
}

/** Stops the helper thread (tests; the next large call starts a new one). */
export async function stopMlpHelper(): Promise<void> {
  const h = helper;
  helper = undefined;
  if (h !== undefined) await h.worker.terminate();
}

const released = new FinalizationRegistry<{ h: Helper; id: number }>(({ h, id }) => {
  if (h === helper) h.release(id);
});

/** [start, length] of up to CHUNKS parts of [0, n), each starting at a multiple of 4 (the kernels' blocks). */
function cuts(n: number): Array<[number, number]> {
  const groups = Math.ceil(n / 4);
  const parts = Math.max(1, Math.min(CHUNKS, groups));
  const at = (c: number): number => Math.min(n, 4 * Math.floor((groups * c) / parts));
  return Array.from({ length: parts }, (_, c) => [at(c), at(c + 1) - at(c)]);
}

/**
 * The kernels of one network's shared memory, with its large calls split across this thread and the helper.
 * Byte pointers and padded widths as in mlp-kernels.ts.
 */
export class SplitKernels implements MlpKernels {
  private id = -1;
  /** The helper this memory is registered with (a stopped helper's successor needs it again). */
  private owner: Helper | undefined;

  constructor(private readonly memory: WebAssembly.Memory, private readonly k: MlpKernels, private readonly threads: boolean) {}

  /** The helper, with this memory registered, when `work` is worth splitting; else undefined. */
  private helper(work: number): Helper | undefined {
    if (!this.threads || work < SPLIT_MIN_WORK) return undefined;
    const h = sharedHelper();
    if (h === undefined || !h.usable) return undefined;
    if (this.owner !== h) {
      this.id = h.register(this.memory);
      this.owner = h;
      released.register(this, { h, id: this.id });
    }
    return h;
  }

  /** Runs `kernel` over `chunks` with the helper (arguments as the kernel takes them). */
  private split(h: Helper, name: SplitName, chunks: number[][], kernel: (...a: number[]) => void): void {
    h.run(NAMES.indexOf(name), this.id, chunks, kernel);
  }

  affine(x: number, w: number, b: number, y: number, batch: number, nIn: number, nOut: number, floor: number): void {
    const h = this.helper(batch * nIn * nOut);
    if (h === undefined) return this.k.affine(x, w, b, y, batch, nIn, nOut, floor);
    const rows = cuts(batch);
    this.split(h, 'affine', rows.map(([s, n]) => [x + 4 * s * nIn, w, b, y + 4 * s * nOut, n, nIn, nOut, floor]), this.k.affine);
  }

  weightGradient(d: number, x: number, gw: number, batch: number, nIn: number, nOut: number, ldx: number): void {
    const h = this.helper(batch * nIn * nOut);
    if (h === undefined) return this.k.weightGradient(d, x, gw, batch, nIn, nOut, ldx);
    this.split(h, 'weightGradient', cuts(nIn).map(([i, n]) => [d, x + 4 * i, gw + 4 * i * nOut, batch, n, nOut, ldx]), this.k.weightGradient);
  }

  inputGradient(d: number, w: number, dx: number, batch: number, nIn: number, nOut: number): void {
    const h = this.helper(batch * nIn * nOut);
    if (h === undefined) return this.k.inputGradient(d, w, dx, batch, nIn, nOut);
    this.split(h, 'inputGradient', cuts(batch).map(([s, n]) => [d + 4 * s * nOut, w, dx + 4 * s * nIn, n, nIn, nOut]), this.k.inputGradient);
  }

  reluMask(dx: number, x: number, n: number): void {
    this.k.reluMask(dx, x, n);
  }

  biasGradient(d: number, gb: number, batch: number, nOut: number): void {
    this.k.biasGradient(d, gb, batch, nOut);
  }

  adam(p: number, g: number, m: number, v: number, n: number, scale: number, step: number, c2inv: number, beta1: number, beta2: number, eps: number, a1: number, a2: number): void {
    const h = this.helper(8 * n);
    if (h === undefined) return this.k.adam(p, g, m, v, n, scale, step, c2inv, beta1, beta2, eps, a1, a2);
    const rest = [scale, step, c2inv, beta1, beta2, eps, a1, a2];
    this.split(h, 'adam', cuts(n).map(([j, len]) => [p + 4 * j, g + 4 * j, m + 4 * j, v + 4 * j, len, ...rest]), this.k.adam);
  }

  blend(dst: number, src: number, n: number, tau: number, keep: number): void {
    const h = this.helper(8 * n);
    if (h === undefined) return this.k.blend(dst, src, n, tau, keep);
    this.split(h, 'blend', cuts(n).map(([j, len]) => [dst + 4 * j, src + 4 * j, len, tau, keep]), this.k.blend);
  }
}
