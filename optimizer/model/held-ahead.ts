/**
 * The rows a unit has made or is making while a send waits: the waiting row's and the one read ahead (rule 5), so
 * row i starts once row i - 2 is sent (a lower bound for a digital layer, whose unit reads none ahead). Its own module
 * so that the credit-loop term (credit-loop-tables.ts) and the lone-image grants (lone-grants.ts) share it without an
 * import cycle.
 */
export const HELD_AHEAD_ROWS = 2;
