import * as fs from 'node:fs';
import * as path from 'node:path';
import { presetArch } from '../arch/presets';
import { zooNetwork } from '../workloads/zoo';
import { confirmCandidates } from '../optimizer/confirm/pool';
import type { ConfirmJob } from '../optimizer/confirm/worker';
import { optimize } from '../optimizer/lrmp';
import { proxyOracle } from '../optimizer/accuracy/proxy';
import { resolveNetwork } from '../workloads/shapes';

const distWorker = path.join(__dirname, '..', 'dist', 'optimizer', 'confirm', 'worker.js');

describe('confirmation in the simulator', () => {
  // Workers load compiled JS; `npx tsc -p .` (npm test does it first) builds dist/.
  beforeAll(() => {
    if (!fs.existsSync(distWorker)) throw new Error(`${distWorker} is missing: run 'npm test' (it compiles dist/ first)`);
  });

  test('same results in-process, with 1 worker and with 2 workers, in job order', async () => {
    const arch = presetArch('puma');
    const network = zooNetwork('resnet20');
    const n = network.layers.filter((l) => l.kind === 'conv' || l.kind === 'fc').length;
    const jobs: ConfirmJob[] = [1, 2, 3].map((r) => ({
      arch,
      network,
      images: 1,
      choices: { wbits: new Array(n).fill(8), abits: new Array(n).fill(r === 3 ? 4 : 8), replicas: new Array(n).fill(r === 2 ? 2 : 1) },
    }));
    const inProcess = await confirmCandidates(jobs, 0);
    const one = await confirmCandidates(jobs, 1);
    const two = await confirmCandidates(jobs, 2);
    expect(one).toEqual(inProcess);
    expect(two).toEqual(inProcess);
    for (const o of inProcess) {
      expect(o.error).toBeUndefined();
      expect(o.latencyCycles).toBeGreaterThan(0);
    }
  }, 60000);

  test('the whole optimize flow gives the same table and plan with 1 worker and with 2 (same seed)', async () => {
    const arch = presetArch('puma');
    const net = resolveNetwork(zooNetwork('resnet20'));
    const run = (workers: number) =>
      optimize(arch, net, proxyOracle(net), {
        objective: 'throughput', accuracyBudgetPct: 1, episodes: 4, seed: 7, milp: 'jslp', topK: 2, workers, confirmImages: 2,
        search: { warmupEpisodes: 2 },
      });
    const [one, two] = [await run(1), await run(2)];
    const strip = (r: Awaited<ReturnType<typeof run>>) => ({ rows: r.rows, plan: r.plan, chosen: r.chosen, confirmation: r.confirmation });
    expect(strip(two)).toEqual(strip(one));
    expect(one.rows.find((r) => r.variant === 'LRMP (RL)')?.simulated).toBeDefined();
  }, 120000);
});
