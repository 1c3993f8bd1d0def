import { DdpgAgent } from '../../optimizer/search/ddpg';
import { CandidateEvaluator } from '../../optimizer/search/evaluator';
import { defaultSearchSettings, rlSearch } from '../../optimizer/search/rl-search';
import { parseSearchSettings } from '../../optimizer/search/settings';
import { setup } from '../search-study';
import { spearman } from './spearman';

/**
 * Does the critic rank the plans the search plays (issue 17, s102)? Runs the RL search with `--search-settings`-style
 * SETTINGS ('default' for none) and, for every search episode, reads the critic's value of the episode just played
 * before any update learns from it (DdpgAgent.episodeValue, and the first step's Q(s0, a0) alone) beside the plan's
 * true reward (-log cost, the history's reward). Prints per window of 100 search episodes the Spearman correlation of
 * each with the true reward over the window's episodes. The search itself is unchanged (the reads are forward passes
 * of the critic only; the printed img/s matches search-screen's).
 * Usage: node dist/scripts/probe/critic-rank.js resnet50 1 'td3=1'
 */
const [netName = 'resnet50', seedText = '1', config = 'default'] = process.argv.slice(2);

async function main(): Promise<void> {
  const p = setup(netName);
  const overrides = config === 'default' ? {} : parseSearchSettings(config).overrides;
  const settings = defaultSearchSettings(p.net, { ...overrides, seed: Number(seedText) });
  // The episode being replayed (remember calls), read at the first update after it, before the critic moves.
  let states: Float64Array[] = [];
  let actions: number[][] = [];
  let read: { value: number; first: number } | undefined;
  const rows: Array<{ episode: number; value: number; first: number; reward: number }> = [];
  const remember = DdpgAgent.prototype.remember;
  const update = DdpgAgent.prototype.update;
  DdpgAgent.prototype.remember = function (this: DdpgAgent, ...args: Parameters<DdpgAgent['remember']>) {
    states.push(Float64Array.from(args[0]));
    actions.push([...args[1]]);
    remember.apply(this, args);
  };
  DdpgAgent.prototype.update = function (this: DdpgAgent) {
    if (read === undefined && states.length > 0) {
      const values = this.stepValues(states, actions, settings.bootstrap);
      read = { value: values.reduce((a, v) => a + v, 0) / values.length, first: values[0] ?? 0 };
    }
    update.apply(this);
  };
  settings.onEpisode = (row) => {
    if (row.phase === 'search' && read !== undefined) rows.push({ episode: row.episode - settings.warmupEpisodes, ...read, reward: row.reward });
    states = [];
    actions = [];
    read = undefined;
  };
  const evaluatorSettings = { ...p.settings, repairCost: settings.repairCost, repairPressure: settings.repairPressure };
  const res = await rlSearch(p.net, new CandidateEvaluator(p.ctx, p.oracle, evaluatorSettings), settings);
  DdpgAgent.prototype.remember = remember;
  DdpgAgent.prototype.update = update;
  const windows = new Map<number, typeof rows>();
  for (const r of rows) windows.set(Math.floor(r.episode / 100), [...(windows.get(Math.floor(r.episode / 100)) ?? []), r]);
  const late = rows.filter((r) => r.episode >= 300);
  const rho = (v: typeof rows, key: 'value' | 'first'): string =>
    spearman(
      v.map((r) => r[key]),
      v.map((r) => r.reward),
    ).toFixed(3);
  const cells = [...windows].sort((a, b) => a[0] - b[0]).map(([, v]) => `${rho(v, 'value')} / ${rho(v, 'first')}`);
  console.log(`| ${netName} | ${seedText} | ${config} | ${res.best ? (p.baseImagesPerS / res.best.cost).toFixed(1) : '-'} | ${cells.join(' | ')} | ${rho(late, 'value')} / ${rho(late, 'first')} |`);
}

void main();
