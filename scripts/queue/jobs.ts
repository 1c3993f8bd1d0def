/**
 * What travels through the queue. A job carries everything that determines its result, by value (the network as
 * its JSON layer graph when it came from a file, the architecture fully resolved, the plan's content), so a
 * worker on another machine needs none of the submitter's files. Its id is a hash of that content and of the
 * lrmp build (scripts/queue/version.ts): submitting a study twice adds nothing, and a result is reused by any
 * study of the same build that asks for the same point.
 */
import { createHash } from 'node:crypto';
import type { ArchSpec } from '../../arch/types';
import type { Plan } from '../../arch/plan';
import type { SweepMode, SweepOutcome } from '../sweep/point';
import type { SweepOptimizeSettings } from '../sweep/optimize-point';

/** The one BullMQ queue every lrmp study and worker uses (jobs of all kinds and studies share it). */
export const QUEUE_NAME = 'lrmp-jobs';
/** Prefix of lrmp's own keys beside BullMQ's (collector locks, refusal notices). */
export const KEY_PREFIX = 'lrmp';

/** Where a worker leaves why it refused jobs of a build (`version`: the build that made them), for their collectors. */
export function refusalKey(version: string, why: 'version' | 'accuracy-cmd'): string {
  return why === 'version' ? `${KEY_PREFIX}:refused:${version}` : `${KEY_PREFIX}:refused:${version}:accuracy-cmd`;
}

export type JobKind = 'sweep-point' | 'reproduce-network';
export const JOB_KINDS: readonly JobKind[] = ['sweep-point', 'reproduce-network'];

/** A network by value: a zoo name, or the JSON layer graph of the user's file (`label` names it in messages). */
export type PortableNetwork = { zoo: string } | { json: string; label: string };

export interface SweepPointJob {
  lrmpVersion: string;
  network: PortableNetwork;
  /** The user's architecture with their override files and --set applied. */
  arch: ArchSpec;
  /** The point's own `path=value` assignments, applied over `arch` by the worker (a cross-field failure is the row's error). */
  set: string[];
  plan?: Plan;
  /** The plan file's name as the user gave it (for messages). */
  planLabel?: string;
  wbits?: number;
  abits?: number;
  replicas?: number;
  mode: SweepMode;
  /** Images per simulation; absent: the settle rule of sim/settle.ts. */
  images?: number;
  optimize: SweepOptimizeSettings;
}

/** A sweep job's result: the row's cells without the point index (the collector knows which points asked). */
export type SweepPointResult = Omit<SweepOutcome, 'index'>;

export { lrmpVersion } from './version';

/** JSON with object keys sorted at every level, so equal content always hashes equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** `kind-<sha256 of kind, version and payload>` (BullMQ ids may not contain ':'). */
export function jobId(kind: JobKind, payload: { lrmpVersion: string }): string {
  return `${kind}-${createHash('sha256').update(canonicalJson({ kind, payload })).digest('hex').slice(0, 40)}`;
}

/** A study's id: its kind and the ordered job ids of its points (two runs of one study share it). */
export function studyId(kind: JobKind, ids: readonly string[], extra = ''): string {
  return createHash('sha256').update(`${kind}\n${extra}\n${ids.join('\n')}`).digest('hex').slice(0, 24);
}
