import { parentPort } from 'node:worker_threads';
import { loadHighs, primalOf, type HighsPrimal } from './highs';

/**
 * HiGHS in a worker thread (dist/optimizer/milp/highs-worker.js, started by highs-thread.ts): solves the LP text it
 * is sent, one request after another, with the options it is sent, and posts HiGHS's answer's primal values (primalOf).
 */
export type HighsRequest = { id: number; lp: string; options: Record<string, unknown> };
export type HighsReply = { id: number; answer: HighsPrimal; wallMs: number } | { id: number; error: { name: string; message: string } };

if (parentPort !== null) {
  const port = parentPort;
  // Loaded (and its WebAssembly compiled) at once, while the caller is still busy before its first solve.
  const highs = loadHighs();
  port.on('message', (request: HighsRequest) => {
    highs
      .then((h) => {
        const start = performance.now();
        const answer = h.solve(request.lp, request.options);
        const wallMs = performance.now() - start;
        port.postMessage({ id: request.id, answer: primalOf(answer), wallMs } satisfies HighsReply);
      })
      .catch((error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        port.postMessage({ id: request.id, error: { name: e.name, message: e.message } } satisfies HighsReply);
      });
  });
}
