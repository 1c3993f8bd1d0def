import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { presetArch } from '../arch/presets';
import { resolvePlan } from '../arch/plan';
import { optimize } from '../optimizer/lrmp';
import { SIMULATED_TIE_FRACTION } from '../optimizer/choose';
import { proxyOracle } from '../optimizer/accuracy/proxy';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { loadInputs } from '../scripts/commands/inputs';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';

describe('a plan carries the chip it was made for', () => {
  test('analyze --plan reproduces the chosen row of optimize; the row shows the plan actually chosen', async () => {
    const arch = presetArch('puma');
    const net = resolveNetwork(zooNetwork('resnet20'));
    const result = await optimize(arch, net, proxyOracle(net), {
      objective: 'throughput', accuracyBudgetPct: 1, episodes: 4, seed: 7, milp: 'jslp', topK: 3, workers: 0, confirmImages: 2,
      search: { warmupEpisodes: 2 },
    });
    expect(result.plan.chip).toEqual({ tiles: result.budget.tiles, areaBudgetMm2: result.budget.areaMm2 });
    expect(result.budget.tiles).toBeLessThan(arch.chip.tiles);
    const chosen = result.rows.find((r) => r.variant === result.chosen);
    if (chosen === undefined) throw new Error('no chosen row');
    expect(result.chosenLabel).toBe(chosen.label);
    // Never worse (simulated throughput, beyond the tie band) than any row optimize computed, random search and the baseline included.
    for (const r of result.rows) expect(chosen.simulated?.throughputImagesPerS ?? 0).toBeGreaterThanOrEqual((r.simulated?.throughputImagesPerS ?? Infinity) * (1 - SIMULATED_TIE_FRACTION));
    // The chosen row describes the written plan, whichever candidate won.
    expect(resolvePlan(result.plan, net, 'plan')).toEqual(chosen.choices);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-plan-chip-'));
    try {
      const file = path.join(dir, 'plan.json');
      fs.writeFileSync(file, JSON.stringify(result.plan));
      const inputs = loadInputs({ network: 'resnet20', arch: 'puma', plan: file });
      expect(inputs.arch.chip.tiles).toBe(result.budget.tiles);
      const again = evaluateModel(prepareModel(inputs.arch, net), inputs.choices);
      expect(again.throughputImagesPerS).toBe(chosen.throughputImagesPerS);
      expect(again.latencyCycles).toBe(chosen.latencyCycles);
      // The user's chip wins when set explicitly.
      const own = loadInputs({ network: 'resnet20', arch: 'puma', plan: file, set: ['chip.tiles=138'] });
      expect(own.arch.chip.tiles).toBe(138);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120000);
});
