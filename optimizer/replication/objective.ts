import { UnknownNameError, ValidationError } from '../../errors';

export type ObjectiveKind = 'throughput' | 'latency' | 'mix';
export const OBJECTIVES: readonly ObjectiveKind[] = ['throughput', 'latency', 'mix'];

/**
 * What replication (and the search) minimises. On the tables:
 *   throughput: z = max(global floor, max_l T_l)                       (the bottleneck)
 *   latency:    L = z + sum_l w_l * T_l, w_l = min(1, K_h / H_out)    (linear proxy of the row recurrence:
 *               a pipelined image takes about one bottleneck pass plus, per layer, the rows it lags behind its
 *               producer, each a T_l / H_out row interval; fc layers wait for the whole input, w = 1)
 *   mix:        (1 - m) * z / z_ref + m * L / L_ref,  m = mixWeight
 * z_ref and L_ref normalise by a reference plan (the baseline) so the mix weighs comparable numbers.
 * The proxy only steers replication; reported latency always comes from the full model's row recurrence.
 */
export interface ObjectiveSpec {
  kind: ObjectiveKind;
  /** Weight of latency in the mix. @default 0.5 */
  mixWeight: number;
  refBottleneckCycles: number;
  refLatencyProxyCycles: number;
}

export function parseObjective(name: string): ObjectiveKind {
  if ((OBJECTIVES as readonly string[]).includes(name)) return name as ObjectiveKind;
  throw new UnknownNameError('objective (--objective)', name, [...OBJECTIVES]);
}

export function checkMixWeight(value: number): number {
  if (!(value >= 0 && value <= 1)) throw new ValidationError('--mix-weight', 'mixWeight', String(value), 'a number from 0 to 1');
  return value;
}

/** Coefficients: cost = a * z + b * sum_l w_l T_l. */
export function objectiveCoefficients(spec: ObjectiveSpec): { a: number; b: number } {
  const zRef = Math.max(1, spec.refBottleneckCycles);
  const lRef = Math.max(1, spec.refLatencyProxyCycles);
  switch (spec.kind) {
    case 'throughput':
      return { a: 1 / zRef, b: 0 };
    case 'latency':
      return { a: 1 / lRef, b: 1 / lRef };
    case 'mix':
      return { a: (1 - spec.mixWeight) / zRef + spec.mixWeight / lRef, b: spec.mixWeight / lRef };
  }
}

/** Cost of a table solution under the objective (lower is better). */
export function objectiveCost(spec: ObjectiveSpec, bottleneckCycles: number, latencyProxyCycles: number): number {
  const { a, b } = objectiveCoefficients(spec);
  return a * bottleneckCycles + b * (latencyProxyCycles - bottleneckCycles);
}
