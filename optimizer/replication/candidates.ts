import { coresFor, stageCycles, type LayerTable, type ReplicationTables } from './tables';

/** One useful replica count of a layer: its stage time and cores. */
export interface Candidate {
  replicas: number;
  stageCycles: number;
  cores: number;
}

/**
 * Useful replica counts of one layer, by increasing cores and strictly decreasing stage time. Only the break
 * points of ceil(P / r) can be optimal (the smallest r reaching each value of ceil(P / r)); among counts with
 * equal cores the largest r wins; counts past the floor (compute no longer binds) or past `maxCores` are dropped.
 */
export function layerCandidates(t: LayerTable, maxCores: number, crossbarsPerCore: number): Candidate[] {
  const out: Candidate[] = [];
  const push = (r: number): boolean => {
    const cores = coresFor(t, r, crossbarsPerCore);
    if (cores > maxCores) return false;
    const time = stageCycles(t, r);
    const last = out[out.length - 1];
    if (last !== undefined) {
      if (time >= last.stageCycles) return true;
      if (cores === last.cores) out.pop();
    }
    out.push({ replicas: r, stageCycles: time, cores });
    return true;
  };
  if (t.serial) {
    // Step t of a recurrent layer needs step t-1's hidden state: replicas cannot run steps side by side.
    push(1);
    return out;
  }
  if (t.isFc) {
    // fc: T = perMvm / r; past perMvm / floor more replicas gain nothing.
    const rCap = t.floorCycles > 0 ? Math.ceil(t.perMvmCycles / t.floorCycles) : Number.MAX_SAFE_INTEGER;
    const rMaxByCores = Math.floor((maxCores * crossbarsPerCore) / t.crossbarsPerReplica);
    const rMax = Math.max(1, Math.min(rCap, rMaxByCores));
    for (let r = 1; r <= rMax; r++) {
      if (!push(r)) break;
      if (stageCycles(t, r) <= t.floorCycles) break;
    }
    return out;
  }
  let r = 1;
  for (;;) {
    if (!push(r)) break;
    const q = Math.ceil(t.pixels / r);
    if (q <= 1 || q * t.perMvmCycles <= t.floorCycles) break;
    r = Math.ceil(t.pixels / (q - 1));
  }
  return out;
}

/** Per layer, the fewest cores (most replicas for them) whose compute stage is at most `cycles`; undefined if none. */
export function replicasReaching(steps: readonly (readonly Candidate[])[], cycles: number): number[] | undefined {
  const out: number[] = [];
  for (const s of steps) {
    const c = s.find((x) => x.stageCycles <= cycles);
    if (c === undefined) return undefined;
    out.push(c.replicas);
  }
  return out;
}

/** The largest compute stage time below `cycles` any layer reaches with more replicas, or undefined. */
export function nextStageBelow(steps: readonly (readonly Candidate[])[], cycles: number): number | undefined {
  let next: number | undefined;
  for (const s of steps) {
    for (const c of s) if (c.stageCycles < cycles * (1 - 1e-12) && (next === undefined || c.stageCycles > next)) next = c.stageCycles;
  }
  return next;
}

/** Cores of every layer at r = 1 (the least any plan uses). */
export function minimumCores(tables: ReplicationTables): number {
  let sum = 0;
  for (const t of tables.layers) sum += coresFor(t, 1, tables.crossbarsPerCore);
  return sum;
}

/** Candidates of every layer under a total core budget (each layer may take what the others' minimum leaves). */
export function allCandidates(tables: ReplicationTables, budgetCores: number): Candidate[][] {
  const base = minimumCores(tables);
  return tables.layers.map((t) => {
    const own = coresFor(t, 1, tables.crossbarsPerCore);
    return layerCandidates(t, Math.max(own, budgetCores - (base - own)), tables.crossbarsPerCore);
  });
}
