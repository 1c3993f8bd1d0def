import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultDistRoot } from '../confirm/pool';
import { highsBackend, highsOptions, highsSolution, toLpFormat } from './highs';
import type { HighsReply, HighsRequest } from './highs-worker';
import type { MilpBackend, MilpProblem, MilpSolution, MilpSolveOptions } from './problem';

/** A MILP backend that holds a helper process: close() ends it. */
export interface ClosableMilpBackend extends MilpBackend {
  /** Whether the solves run outside this thread (false: in this one, highsBackend). */
  readonly inWorker: boolean;
  close(): Promise<void>;
}

/**
 * V8 flags of the HiGHS process: its WebAssembly runs as Liftoff (V8's baseline compiler) code only, without the
 * optimizing tier-up. The tier-up compiles ~400 of HiGHS's functions with TurboFan, which on optimize's few short
 * solves costs more CPU than it saves (ResNet-50's five MILPs alone: 2.2 CPU s tiered, 0.75 Liftoff only; ViT-B/16's,
 * the zoo's largest at 1.4-1.9 s each: 5.1 against 4.5 CPU s; optimizer/README.md). A solve is the same arithmetic in
 * either tier (WebAssembly is deterministic), so the answers are the same. In a process of its own because V8's
 * flags are per process: this one's model code and DDPG kernels keep their tier-up.
 */
export const HIGHS_PROCESS_EXEC_ARGV: readonly string[] = ['--liftoff-only'];

/** NODE_OPTIONS without the inspector's flags: a second debugger target (--inspect-brk: waiting for one) would stall the solves. */
function withoutInspector(options: string | undefined): string | undefined {
  // Only those flags (and the value of a space-separated --inspect-port/--debug-port/--inspect-publish-uid) are cut:
  // the rest is kept byte for byte (a quoted --require path may hold runs of spaces). (r114)
  return options?.replace(/(?<=^|\s)--(?:inspect(?:-brk|-wait)?(?:=\S*)?|(?:inspect-port|inspect-publish-uid|debug-port)(?:=\S*|\s+[^\s-]\S*)?)(?=\s|$)/g, '');
}

/** The helper process and its bookkeeping, started by the first solve (a run whose MILPs all go elsewhere forks none). */
interface HighsProcess {
  send(request: HighsRequest, waiter: Waiter): void;
  close(): Promise<void>;
}
/** fallback: the same solve in this thread, for a process that ended before close() (same build, LP text, options). */
type Waiter = { resolve: (s: MilpSolution) => void; reject: (e: Error) => void; fallback: () => Promise<MilpSolution> };

/** The HiGHS processes alive in this process, ended by one exit hook (one hook each would pass Node's listener limit at 11 optimize calls at once). */
const liveChildren = new Set<ChildProcess>();
function killLiveChildren(): void {
  for (const child of liveChildren) child.kill();
}

function startHighsProcess(filename: string): HighsProcess {
  // 'advanced': the reply's Float64Array of primal values crosses as it is (HighsPrimal). stdout not inherited: the
  // solver writes nothing there, and an inherited pipe would stay open after this process ends, until the child does.
  const child = fork(filename, [], {
    execArgv: [...HIGHS_PROCESS_EXEC_ARGV],
    env: { ...process.env, NODE_OPTIONS: withoutInspector(process.env.NODE_OPTIONS) },
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  // Only while a solve is waiting does the child keep this process alive.
  const hold = (on: boolean): void => {
    if (on) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  };
  hold(false);
  const waiting = new Map<number, Waiter>();
  let ended: Error | undefined;
  let closing = false;
  // Settled when the process has ended, or never started (a spawn error emits no 'exit').
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => {
      if (child.pid === undefined) resolve();
    });
  });
  // This process ending (process.exit on SIGINT/SIGTERM, interrupt.ts) ends the solver at once, not after its solve.
  liveChildren.add(child);
  if (liveChildren.size === 1) process.on('exit', killLiveChildren);
  void exited.then(() => {
    liveChildren.delete(child);
    if (liveChildren.size === 0) process.off('exit', killLiveChildren);
  });
  // Closed: the waiting solves fail. Ended otherwise (a terminal's Ctrl-C reaches the whole process group, and a
  // parent that finishes its work on SIGINT, `lrmp worker`, still needs its answers): they, and any later solve, run
  // in this thread instead, with the same answers.
  const failAll = (cause: Error): void => {
    ended ??= new Error(`the HiGHS process ended: ${cause.message}`);
    const error = ended;
    for (const w of waiting.values()) {
      if (closing) w.reject(error);
      else w.fallback().then(w.resolve, w.reject);
    }
    waiting.clear();
    hold(false);
  };
  child.on('message', (reply: HighsReply) => {
    const w = waiting.get(reply.id);
    if (w === undefined) return;
    waiting.delete(reply.id);
    if (waiting.size === 0) hold(false);
    if ('error' in reply) {
      const error = new Error(reply.error.message);
      error.name = reply.error.name;
      w.reject(error);
    } else w.resolve(highsSolution(reply.answer, reply.wallMs));
  });
  child.on('error', failAll);
  child.on('exit', (code, signal) => failAll(new Error(`it exited with ${signal !== null ? `signal ${signal}` : `code ${code ?? 'unknown'}`}`)));
  return {
    send(request, waiter) {
      if (ended !== undefined) {
        if (closing) waiter.reject(ended);
        else waiter.fallback().then(waiter.resolve, waiter.reject);
        return;
      }
      waiting.set(request.id, waiter);
      hold(true);
      child.send(request, (error: Error | null) => {
        if (error !== null) failAll(error);
      });
    },
    close: async () => {
      closing = true;
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        // Held until it has exited, so its exit is seen (and the process reaped) before close() returns.
        child.ref();
        child.kill();
      }
      await exited;
    },
  };
}

/**
 * HiGHS in a child process, so a caller can go on with other work while a MILP is solved: optimize's exact MILPs
 * (the replication cross-check, "mixed precision only", the joint floor rounds). The same LP text, options and
 * solver build as highsBackend, one solve after another, so the same answers. In this thread instead when dist/
 * holds no worker script (TypeScript run from source) or `useWorker` is false. The process starts with the first solve.
 */
export function highsThreadBackend(useWorker = true, distRoot = defaultDistRoot()): ClosableMilpBackend {
  const filename = path.join(distRoot, 'optimizer', 'milp', 'highs-worker.js');
  if (!useWorker || !fs.existsSync(filename)) return { name: 'highs', inWorker: false, solve: (p, o) => highsBackend.solve(p, o), close: () => Promise.resolve() };
  let helper: HighsProcess | undefined;
  let closed = false;
  let next = 0;
  return {
    name: 'highs',
    inWorker: true,
    solve(problem: MilpProblem, options: MilpSolveOptions = {}): Promise<MilpSolution> {
      // After close(), no new process: a late solve (a side search still running) fails as it did with the process ended.
      if (closed) return Promise.reject(new Error('the HiGHS process ended: the backend was closed'));
      const request: HighsRequest = { id: next++, lp: toLpFormat(problem), options: highsOptions(options) };
      helper ??= startHighsProcess(filename);
      const started = helper;
      return new Promise<MilpSolution>((resolve, reject) => started.send(request, { resolve, reject, fallback: () => highsBackend.solve(problem, options) }));
    },
    close: () => {
      closed = true;
      return helper?.close() ?? Promise.resolve();
    },
  };
}
