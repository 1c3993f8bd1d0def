import { loadHighs, primalOf, type HighsPrimal } from './highs';

/**
 * HiGHS in a child process (dist/optimizer/milp/highs-worker.js, started by highs-thread.ts with its V8 flags): solves
 * the LP text it is sent, one request after another, with the options it is sent, and sends back HiGHS's answer's
 * primal values (primalOf). Ends when its parent closes the channel (or ends itself).
 */
export type HighsRequest = { id: number; lp: string; options: Record<string, unknown> };
export type HighsReply = { id: number; answer: HighsPrimal; wallMs: number } | { id: number; error: { name: string; message: string } };

const send = process.send?.bind(process);
if (send !== undefined) {
  const reply = (message: HighsReply): void => {
    // The parent gone mid-solve (ended by a signal with no handler, so no exit hook killed this process): end
    // quietly, not with an unhandled EPIPE trace on the terminal. (r114)
    send(message, undefined, undefined, (error: Error | null) => {
      if (error !== null) process.exit(0);
    });
  };
  // Loaded (and its WebAssembly compiled) at once: the first request is usually already on its way.
  const highs = loadHighs();
  process.on('message', (request: HighsRequest) => {
    highs
      .then((h) => {
        const start = performance.now();
        const answer = h.solve(request.lp, request.options);
        const wallMs = performance.now() - start;
        reply({ id: request.id, answer: primalOf(answer), wallMs });
      })
      .catch((error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        reply({ id: request.id, error: { name: e.name, message: e.message } });
      });
  });
  process.on('disconnect', () => process.exit(0));
}
