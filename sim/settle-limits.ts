/**
 * The longest stream the settle rule (sim/settle.ts) runs by default: a module of its own, without imports, so the
 * analytical model can read it (optimizer/model/credit-loop.ts inputHoldImages) without an import cycle (sim/ imports
 * the model).
 */
export const AUTO_MAX_IMAGES = 256;
