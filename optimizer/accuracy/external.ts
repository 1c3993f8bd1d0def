import { bitsAt } from '../../arch/plan';
import { spawn } from 'node:child_process';
import type { ResolvedNetwork } from '../../workloads/types';
import { ExternalToolError } from '../../errors';
import type { AccuracyOracle, PrecisionChoice } from './types';

export interface ExternalOracleOptions {
  /** Milliseconds one run may take before it is killed. @default 600000 */
  timeoutMs?: number;
}

/** What the command reads on stdin. */
export interface ExternalCandidate {
  network: string;
  layers: Array<{ name: string; wbits: number; abits: number }>;
}

function runOnce(command: string, input: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new ExternalToolError(`--accuracy-cmd '${command}' could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      if (timedOut) reject(new ExternalToolError(`--accuracy-cmd '${command}' took longer than ${timeoutMs} ms and was killed.`));
      else if (code !== 0) {
        reject(new ExternalToolError(`--accuracy-cmd '${command}' exited with ${code === null ? `signal ${String(signal)}` : `code ${code}`}${tail ? `: ${tail}` : ''}.`));
      } else resolve(stdout);
    });
    // A command that does not read its stdin closes the pipe early; that is not an error by itself.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Parses `{"accuracyPct": number}` (the last non-empty line of stdout, so a program may log before it). */
export function parseAccuracyOutput(command: string, stdout: string): number {
  const lines = stdout.trim().split('\n').filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1] ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(last) as unknown;
  } catch {
    throw new ExternalToolError(`--accuracy-cmd '${command}' printed ${JSON.stringify(last.slice(0, 120))}, not JSON; expected {"accuracyPct": number} on its last line.`);
  }
  const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['accuracyPct'] : undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new ExternalToolError(`--accuracy-cmd '${command}' printed ${JSON.stringify(last.slice(0, 120))}; expected {"accuracyPct": number from 0 to 100}.`);
  }
  return value;
}

/**
 * An external program as the accuracy oracle: it reads the candidate as JSON on stdin (ExternalCandidate) and
 * prints {"accuracyPct": number}. Results are cached per candidate; the reference is the all-8-bit candidate.
 */
export function externalOracle(command: string, net: ResolvedNetwork, options: ExternalOracleOptions = {}): AccuracyOracle & { calls(): number } {
  const timeoutMs = options.timeoutMs ?? 600_000;
  const names = net.weightedIndices.map((i) => net.layers[i]?.layer.name ?? '');
  const cache = new Map<string, Promise<number>>();
  let calls = 0;
  const accuracyPct = (choice: PrecisionChoice): Promise<number> => {
    const key = `${choice.wbits.join(',')}|${choice.abits.join(',')}`;
    let pending = cache.get(key);
    if (pending === undefined) {
      const candidate: ExternalCandidate = {
        network: net.network.name,
        layers: names.map((name, i) => ({ name, wbits: bitsAt(choice.wbits, i), abits: bitsAt(choice.abits, i) })),
      };
      calls++;
      pending = runOnce(command, JSON.stringify(candidate), timeoutMs).then((out) => parseAccuracyOutput(command, out));
      // A failed run is not cached as a result: drop it so a retry runs the command again.
      pending.catch(() => cache.delete(key));
      cache.set(key, pending);
    }
    return pending;
  };
  const eight = names.map(() => 8);
  return {
    kind: 'external',
    referenceAccuracyPct: () => accuracyPct({ wbits: eight, abits: eight }),
    accuracyPct,
    calls: () => calls,
  };
}
