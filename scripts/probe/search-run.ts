import { CandidateEvaluator } from '../../optimizer/search/evaluator';
import { defaultSearchSettings, rlSearch, type SearchResult, type SearchSettings } from '../../optimizer/search/rl-search';
import { parseSearchSettings } from '../../optimizer/search/settings';
import { setup } from '../search-study';

/** One RL search as the search study runs it (same chip, budget and oracle), for the probes: SETTINGS 'default' for none. */
export async function probeSearch(netName: string, seed: number, config: string): Promise<{ p: ReturnType<typeof setup>; settings: SearchSettings; res: SearchResult; cpu: NodeJS.CpuUsage }> {
  const p = setup(netName);
  const overrides = config === 'default' ? {} : parseSearchSettings(config).overrides;
  const settings = defaultSearchSettings(p.net, { ...overrides, seed });
  const evaluator = new CandidateEvaluator(p.ctx, p.oracle, { ...p.settings, repairCost: settings.repairCost, repairPressure: settings.repairPressure });
  const start = process.cpuUsage();
  const res = await rlSearch(p.net, evaluator, settings);
  return { p, settings, res, cpu: process.cpuUsage(start) };
}

/** The median, to whole img/s ('-' for none). */
export function median(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? '-' : (sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(0);
}
