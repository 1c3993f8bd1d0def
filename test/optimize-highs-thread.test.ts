import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { proxyOracle } from '../optimizer/accuracy/proxy';
import { optimize } from '../optimizer/lrmp';
import { highsBackend } from '../optimizer/milp/highs';
import { HIGHS_PROCESS_EXEC_ARGV, highsThreadBackend } from '../optimizer/milp/highs-thread';
import { spawnSync } from 'node:child_process';
import type { MilpProblem } from '../optimizer/milp/problem';

// HiGHS in a process of its own (optimizer/milp/highs-thread.ts, its WebAssembly Liftoff only) while optimize goes on
// with its searches: the same LP text and options as in this thread, so the same answers, and optimize's result must
// not depend on it.
// A small knapsack: max 5a + 4b + 3c + 3d, 2a + 2b + c + d <= 4. By hand the optimum is a + c + d = 11 (4 units;
// a + b = 9, b + c + d = 10).
const KNAPSACK: MilpProblem = {
  objective: [['a', -5], ['b', -4], ['c', -3], ['d', -3]],
  constraints: [{ name: 'cap', terms: [['a', 2], ['b', 2], ['c', 1], ['d', 1]], max: 4 }],
  continuous: [],
  integers: [],
  binaries: ['a', 'b', 'c', 'd'],
};

/** max a, a <= 1, a binary: optimum -1 as a minimum. */
const ONE_BINARY: MilpProblem = { objective: [['a', -1]], constraints: [{ name: 'cap', terms: [['a', 1]], max: 1 }], continuous: [], integers: [], binaries: ['a'] };

test('HiGHS in its own process answers as in this thread', async () => {
  const problem = KNAPSACK;
  const thread = highsThreadBackend(true);
  try {
    expect(thread.inWorker).toBe(true);
    const [inWorker, here] = [await thread.solve(problem), await highsBackend.solve(problem)];
    expect({ ...inWorker, wallMs: 0 }).toEqual({ ...here, wallMs: 0 });
    expect(inWorker.objective).toBe(-11);
  } finally {
    await thread.close();
  }
  // A solve after the process has ended is refused, not left waiting, and starts no new process.
  await expect(thread.solve(problem)).rejects.toThrow(/the HiGHS process ended/);
});

test('a HiGHS backend closed before its first solve started no process and refuses later solves', async () => {
  const problem = ONE_BINARY;
  const before = process.listenerCount('exit');
  const thread = highsThreadBackend(true);
  await thread.close();
  await expect(thread.solve(problem)).rejects.toThrow(/closed/);
  expect(process.listenerCount('exit')).toBe(before); // no process: no exit hook registered
});

// A terminal's Ctrl-C reaches the whole process group, the solver's process too; a parent that finishes its work on
// SIGINT (lrmp worker) must still get its answers: the solves then run in this thread, with the same answers.
test('a HiGHS process ended by a signal before close(): solves go on in this thread with the same answers', async () => {
  const problem = KNAPSACK;
  const thread = highsThreadBackend(true);
  try {
    const first = await thread.solve(problem);
    const found = spawnSync('pgrep', ['-P', String(process.pid), '-f', 'highs-worker'], { encoding: 'utf8' });
    const pids = found.stdout.trim().split(/\s+/).filter((x) => x !== '').map(Number);
    expect(pids).toHaveLength(1);
    process.kill(pids[0] as number, 'SIGINT');
    // Ended (SIGINT's default action), so the next solve cannot be the process's.
    for (let k = 0; k < 100 && spawnSync('pgrep', ['-P', String(process.pid), '-f', 'highs-worker']).status === 0; k++) await new Promise((r) => setTimeout(r, 50));
    expect(spawnSync('pgrep', ['-P', String(process.pid), '-f', 'highs-worker']).status).toBe(1);
    const after = await thread.solve(problem);
    expect({ ...after, wallMs: 0 }).toEqual({ ...first, wallMs: 0 });
  } finally {
    await thread.close();
  }
});

test('12 HiGHS processes alive at once add one exit hook, removed when they have ended', async () => {
  const problem = ONE_BINARY;
  const before = process.listenerCount('exit');
  const backends = Array.from({ length: 12 }, () => highsThreadBackend(true));
  try {
    const answers = await Promise.all(backends.map((b) => b.solve(problem)));
    expect(answers.map((a) => a.objective)).toEqual(Array(12).fill(-1));
    expect(process.listenerCount('exit')).toBe(before + 1);
  } finally {
    await Promise.all(backends.map((b) => b.close()));
  }
  expect(process.listenerCount('exit')).toBe(before);
}, 60_000);

// The HiGHS process's V8 flags are V8's own: a Node whose V8 no longer knows one would refuse to start the process
// (every solve would then fail), so this Node must accept them.
test("this Node accepts the HiGHS process's V8 flags", () => {
  const run = spawnSync(process.execPath, [...HIGHS_PROCESS_EXEC_ARGV, '-e', 'process.exit(0)'], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
});

test('optimize gives the same result with HiGHS in its own process or in this thread', async () => {
  const net = resolveNetwork(zooNetwork('lenet5-mnist'));
  const run = (highsWorker: boolean) =>
    optimize(presetArch('puma'), net, proxyOracle(net), { objective: 'throughput', accuracyBudgetPct: 1, episodes: 10, seed: 4, milp: 'highs', topK: 2, workers: -1, highsWorker });
  const [inWorker, inProcess] = [await run(true), await run(false)];
  for (const r of [inWorker, inProcess]) {
    r.wallS = 0;
    r.replicationCheck.milpMs = 0;
  }
  expect(inWorker).toEqual(inProcess);
  expect(inWorker.rows.map((r) => r.variant)).toContain('LRMP (exact joint)');
});
