/**
 * Engine event kinds: the second argument of every engine event (the first is a unit or transfer id). The
 * transitions between them are tabled at the dispatcher (Engine.dispatch in sim/engine.ts).
 */
/** Unit: try to start its next job. */
export const EV_START = 0;
/** Replica: the crossbars are free for the next job's MVMs. */
export const EV_COMPUTE_DONE = 1;
/** Replica or digital layer: the oldest job's row is computed. */
export const EV_ROW_DONE = 2;
/** Digital layer: the job's input read is done, its ops go to the tile's digital unit. */
export const EV_DIGITAL_OPS = 3;
/** Transfer: eDRAM space at the destination granted. */
export const EV_GRANTED = 4;
/** Transfer: the head of the packet train reaches its next link. */
export const EV_HOP = 5;
/** Transfer: the train left the last link, the piece is written through the destination's eDRAM port. */
export const EV_WRITE = 6;
/** Transfer: the piece is in the destination's eDRAM. */
export const EV_ARRIVE = 7;
/** Source: a row crossed the off-chip link. */
export const EV_OFF_CHIP_DONE = 8;
/** Replica: the oldest row's fused activations are done. */
export const EV_FUSED_DONE = 9;
/** Digital layer with a product of two activations: its step left the MAC array (or rewritten crossbars). */
export const EV_PRODUCT_DONE = 10;
/** Source: every piece of the row that crossed the off-chip link has started on its first NoC link (router 0 is free). */
export const EV_ROUTER_TAKEN = 11;
/** Replica whose crossbars share ADCs: its newest job's MVMs start now (they book the shared ADCs in that order). */
export const EV_MVM_START = 12;
