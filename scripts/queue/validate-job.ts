/**
 * A worker treats a job as untrusted input, like a file a user hands it: every field is checked with the same
 * validators as the architecture, network and plan files (unknown keys refused, sizes bounded), and a bad job is
 * rejected with one paragraph naming the job and the field.
 */
import { ValidationError } from '../../errors';
import { LIMITS, checkNumber } from '../../limits';
import { applySetOverrides } from '../../arch/overrides';
import { uniformPlan, validatePlan, type Plan } from '../../arch/plan';
import { validateArchSpec } from '../../arch/validate';
import { parseNetworkJson } from '../../workloads/json';
import { loadNetwork } from '../../workloads/load';
import { resolveNetwork } from '../../workloads/shapes';
import type { ResolvedNetwork } from '../../workloads/types';
import { checkKeys, describeValue, expectArray, expectObject, readEnum, readFiniteNumber, readInt, readString, type JsonObject } from '../../workloads/json-fields';
import { withPlan, type LoadedInputs } from '../commands/inputs';
import { SWEEP_MODES } from '../sweep/point';
import type { PortableNetwork, SweepPointJob } from './jobs';

/** Largest network JSON a job may carry (a ResNet-152 layer graph is well under 1 MB). */
const MAX_NETWORK_JSON_CHARS = 32 * 1024 * 1024;
const MAX_SETS = 1000;
const MAX_TEXT_CHARS = 10_000;
const MAX_COUNT = 10_000_000;

function boundedText(source: string, path: string, v: unknown, maxChars = MAX_TEXT_CHARS): string {
  const text = readString(source, path, v);
  if (text.length > maxChars) throw new ValidationError(source, path, `a string of ${text.length} characters`, `at most ${maxChars} characters`);
  return text;
}

function boundedInt(source: string, path: string, v: unknown, min: number): number {
  const n = readInt(source, path, v, min);
  if (n > MAX_COUNT) throw new ValidationError(source, path, String(n), `an integer from ${min} to ${MAX_COUNT}`);
  return n;
}

export function validatePortableNetwork(source: string, v: unknown): PortableNetwork {
  const obj = expectObject(source, 'network', v);
  if ('zoo' in obj) {
    checkKeys(source, 'network', obj, ['zoo']);
    const name = boundedText(source, 'network.zoo', obj['zoo'], 200);
    if (/[/\\.]/.test(name)) throw new ValidationError(source, 'network.zoo', describeValue(name), 'a zoo network name (no path: a worker never reads files named by a job)');
    return { zoo: name };
  }
  checkKeys(source, 'network', obj, ['json', 'label']);
  return { json: boundedText(source, 'network.json', obj['json'], MAX_NETWORK_JSON_CHARS), label: boundedText(source, 'network.label', obj['label'], 1000) };
}

/**
 * The network of a job, parsed and resolved (a JSON layer graph goes through the file format's own validator).
 * Messages name it as the user did (the file's path), so a row's error reads as it would in a local sweep.
 */
export function loadPortableNetwork(network: PortableNetwork): ResolvedNetwork {
  if ('zoo' in network) return resolveNetwork(loadNetwork(network.zoo), network.zoo);
  return resolveNetwork(parseNetworkJson(network.json, network.label), network.label);
}

function optionalInt(source: string, obj: JsonObject, key: string): { [k: string]: number } {
  return obj[key] === undefined ? {} : { [key]: boundedInt(source, key, obj[key], 1) };
}

/** Checks a sweep-point job's payload. @throws ValidationError naming `source` (the job) and the field */
export function validateSweepPointJob(raw: unknown, source: string): SweepPointJob {
  const obj = expectObject(source, '(job data)', raw);
  checkKeys(source, '', obj, ['lrmpVersion', 'network', 'arch', 'set', 'plan', 'planLabel', 'wbits', 'abits', 'replicas', 'mode', 'images', 'optimize']);
  const sets = expectArray(source, 'set', obj['set']);
  if (sets.length > MAX_SETS) throw new ValidationError(source, 'set', `${sets.length} assignments`, `at most ${MAX_SETS}`);
  const optimize = expectObject(source, 'optimize', obj['optimize']);
  checkKeys(source, 'optimize', optimize, ['episodes', 'seed', 'accuracyBudgetPct', 'accuracyCmd', 'accuracyTimeoutS']);
  const plan: Plan | undefined = obj['plan'] === undefined ? undefined : validatePlan(obj['plan'], `${source}, field 'plan'`);
  return {
    lrmpVersion: boundedText(source, 'lrmpVersion', obj['lrmpVersion'], 100),
    network: validatePortableNetwork(source, obj['network']),
    arch: validateArchSpec(obj['arch'], `${source}, field 'arch'`),
    set: sets.map((s, i) => boundedText(source, `set[${i}]`, s)),
    ...(plan !== undefined ? { plan, planLabel: boundedText(source, 'planLabel', obj['planLabel'], 1000) } : {}),
    ...optionalInt(source, obj, 'wbits'),
    ...optionalInt(source, obj, 'abits'),
    ...optionalInt(source, obj, 'replicas'),
    mode: readEnum(source, 'mode', obj['mode'], SWEEP_MODES),
    ...optionalInt(source, obj, 'images'),
    optimize: {
      episodes: boundedInt(source, 'optimize.episodes', optimize['episodes'], 1),
      seed: readFiniteNumber(source, 'optimize.seed', optimize['seed'], -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      accuracyBudgetPct: readFiniteNumber(source, 'optimize.accuracyBudgetPct', optimize['accuracyBudgetPct'], 0, 100),
      ...(optimize['accuracyCmd'] !== undefined ? { accuracyCmd: boundedText(source, 'optimize.accuracyCmd', optimize['accuracyCmd']) } : {}),
      ...(optimize['accuracyTimeoutS'] !== undefined ? { accuracyTimeoutS: checkNumber(optimize['accuracyTimeoutS'], LIMITS.accuracyTimeoutS, source, 'optimize.accuracyTimeoutS') } : {}),
    },
  };
}

/**
 * The point's inputs, as loadInputs builds them from the command line: the architecture with the point's
 * assignments applied (a cross-field failure here is the point's error, as in a local sweep), the network, the plan.
 */
export function loadSweepJobInputs(job: SweepPointJob): LoadedInputs {
  const arch = applySetOverrides(job.arch, job.set, '--set');
  const net = loadPortableNetwork(job.network);
  if (job.plan !== undefined) return withPlan(arch, net, job.plan, job.planLabel ?? 'the plan', job);
  return withPlan(arch, net, uniformPlan(net.network.name, arch.name, { wbits: 8, abits: 8, replicas: 1 }), 'the uniform plan from --wbits/--abits/--replicas', job);
}
