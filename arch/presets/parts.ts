import type { ComponentCost } from '../types';

/**
 * Sum of named parts that the spec carries as one cost (e.g. an IMA's input and output registers). Keeping the
 * parts named in the preset lets every figure sit next to its citation.
 */
export function sumCosts(parts: Readonly<Record<string, ComponentCost>>): ComponentCost {
  let areaMm2 = 0;
  let powerMw = 0;
  for (const part of Object.values(parts)) {
    areaMm2 += part.areaMm2;
    powerMw += part.powerMw;
  }
  return { areaMm2, powerMw };
}

/** `count` identical instances as one cost. */
export function times(count: number, part: ComponentCost): ComponentCost {
  return { areaMm2: count * part.areaMm2, powerMw: count * part.powerMw };
}

/** Recursively freezes a plain object so a shared preset can never be mutated. */
export function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child as object);
  }
  return Object.freeze(value);
}
