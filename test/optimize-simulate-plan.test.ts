import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolvePlan, validatePlan } from '../arch/plan';
import type { OptimizeResult } from '../optimizer/lrmp';
import { analyzeCommand } from '../scripts/commands/analyze';
import { optimizeCommand } from '../scripts/commands/optimize';
import { simulateCommand } from '../scripts/commands/simulate';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';

/** Runs `fn` with stdout and stderr captured; returns what it printed on stdout. */
async function captured(fn: () => Promise<void> | void): Promise<string> {
  let text = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await fn();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return text;
}

describe('optimize, then simulate --plan and analyze --plan on the plan it wrote', () => {
  test('print the chosen row of optimize, and the row names the candidate chosen', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-round-trip-'));
    try {
      const file = (name: string): string => path.join(dir, name);
      // Seed 2 on LeNet-5: the chosen plan is random search's (before the read-ahead, rule 5, the simulator preferred
      // RL's third candidate; with the model's port-queue term no longer charging hidden reads, no seed of 1-45 here
      // has an RL candidate beyond the first win). The row's label and the confirmation it names follow the choice.
      const table = await captured(() =>
        optimizeCommand({ network: 'lenet5-mnist', episodes: 6, topK: 5, seed: 2, searchSettings: 'warmupEpisodes=2', out: file('result.json'), planOut: file('plan.json') }),
      );
      const result = JSON.parse(fs.readFileSync(file('result.json'), 'utf8')) as OptimizeResult;
      const chosen = result.rows.find((r) => r.variant === result.chosen);
      if (chosen?.simulated === undefined) throw new Error('the chosen row was not simulated');
      expect(chosen.label).toBe('LRMP (random search)');
      expect(table).toContain(`Chosen plan: ${chosen.label}.`);
      // The candidate the row names is the plan written, with the figures its confirmation measured.
      const net = resolveNetwork(zooNetwork('lenet5-mnist'));
      const plan = validatePlan(JSON.parse(fs.readFileSync(file('plan.json'), 'utf8')), 'plan.json');
      expect(resolvePlan(plan, net, 'plan.json')).toEqual(chosen.choices);
      const rank = /candidate (\d+)/.exec(chosen.label)?.[1];
      const confirmed = result.confirmation.find((c) => c.variant === (rank === undefined ? chosen.variant : `RL top-${rank}`));
      expect(confirmed).toBeDefined();
      expect(confirmed?.simulated.throughputImagesPerS).toBe(chosen.simulated.throughputImagesPerS);
      // LeNet-5's fast plans jitter beyond 1% even at 256 images: the table says so, as simulate does.
      if (confirmed?.simulated.settled === false) expect(table).toContain(`note: ${confirmed.variant}: simulated interval NOT settled after 256 images`);

      await captured(() => simulateCommand({ network: 'lenet5-mnist', plan: file('plan.json'), format: 'json', out: file('sim.json') }));
      const sim = JSON.parse(fs.readFileSync(file('sim.json'), 'utf8')) as { simulated: { throughputImagesPerS: number; latencyCycles: number } };
      expect(sim.simulated.throughputImagesPerS).toBe(chosen.simulated.throughputImagesPerS);
      expect(sim.simulated.latencyCycles).toBe(chosen.simulated.latencyCycles);

      await captured(() => analyzeCommand({ network: 'lenet5-mnist', plan: file('plan.json'), format: 'json', out: file('analyze.json') }));
      const totals = (JSON.parse(fs.readFileSync(file('analyze.json'), 'utf8')) as { totals: Record<string, number> }).totals;
      expect(totals['throughputImagesPerS']).toBe(chosen.throughputImagesPerS);
      expect(totals['latencyCycles']).toBe(chosen.latencyCycles);
      expect(totals['areaMm2']).toBe(chosen.areaMm2);
      expect(totals['tilesUsed']).toBe(chosen.tilesUsed);

      // And as printed: the table's row carries the figures simulate --plan prints.
      const line = table.split('\n').find((l) => l.startsWith(chosen.label)) ?? '';
      expect(line).toContain(` ${sim.simulated.throughputImagesPerS.toFixed(1)} `);
      expect(line).toContain(` ${(totals['throughputImagesPerS'] ?? 0).toFixed(1)} `);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);
});
