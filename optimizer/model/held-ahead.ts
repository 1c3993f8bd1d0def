/**
 * The rows a unit has made or is making while a send waits: the waiting row's and the one read ahead (rule 5), so
 * row i starts once row i - 2 is sent (a digital unit also reads its next job while its ops run, sim/engine.ts
 * digitalOps; a lower bound there). Its own module (s88) so that modules beyond the lone-image grants (lone-grants.ts)
 * may share it without an import cycle.
 */
export const HELD_AHEAD_ROWS = 2;
