import { CandidateEvaluator } from '../../optimizer/search/evaluator';
import { learnedReward } from '../../optimizer/search/reward';
import { defaultSearchSettings, rlSearch, type Rollout } from '../../optimizer/search/rl-search';
import { parseSearchSettings } from '../../optimizer/search/settings';
import { setup } from '../search-study';
import { spearman } from './spearman';

/**
 * Does the critic rank an episode's candidates as the model does (critScreen, issue 17)? Runs the RL search at
 * critScreen=K, keeps every screened episode's candidates, then evaluates all of them with a separate evaluator (the
 * search's own evaluation count is untouched) and prints per window of 100 search episodes: the Spearman rank
 * correlation between the critic's score and the learned reward over each episode's K candidates (mean over the
 * episodes), for the mean of the per-step values (the screen's score) and for the last step's value alone; and the
 * true reward of the chosen candidate, of the candidates' mean (an unscreened pick) and of their best; and the RMS
 * distance of the chosen candidate's actions from the actor's own (its exploration noise) against the K candidates' mean.
 * With a bonus (critScreenBonus): also the correlation of the score used (value plus bonus) and the spread over the
 * candidates of the value and of the bonus term.
 * SETTINGS: further `--search-settings` keys (e.g. 'td3=1'), applied under critScreen and the bonus.
 * Usage: node dist/scripts/probe/critic-screen.js resnet50 1 16 [bonus] [SETTINGS]
 */
const [netName = 'resnet50', seedText = '1', kText = '16', bonusText = '0', config = 'default'] = process.argv.slice(2);

async function main(): Promise<void> {
  const p = setup(netName);
  const overrides = config === 'default' ? {} : parseSearchSettings(config).overrides;
  const settings = defaultSearchSettings(p.net, { ...overrides, seed: Number(seedText), critScreen: Number(kText), critScreenBonus: Number(bonusText) });
  const screened: Array<{ episode: number; chosen: number; plans: Rollout[]; mean: number[]; last: number[]; noise: number[]; score: number[] }> = [];
  settings.onScreen = (episode, candidates, chosen) => {
    screened.push({
      episode,
      chosen,
      plans: candidates.map((c) => c.plan),
      mean: candidates.map((c) => c.stepValues.reduce((a, v) => a + v, 0) / Math.max(1, c.stepValues.length)),
      last: candidates.map((c) => c.stepValues[c.stepValues.length - 1] ?? 0),
      score: candidates.map((c) => c.score),
      // RMS distance of the candidate's actions from the actor's own at the same states: its exploration noise.
      noise: candidates.map((c) => {
        let sum = 0;
        c.plan.actions.forEach((a, t) => a.forEach((v, k) => (sum += (v - (c.actorActions[t]?.[k] ?? 0)) ** 2)));
        return Math.sqrt(sum / Math.max(1, 2 * c.plan.actions.length));
      }),
    });
  };
  const res = await rlSearch(p.net, new CandidateEvaluator(p.ctx, p.oracle, p.settings), settings);
  console.log(`${netName} seed ${seedText} critScreen=${kText} ${config}: RL ${res.best ? (p.baseImagesPerS / res.best.cost).toFixed(1) : '-'} img/s, ${res.evaluations} evaluations`);
  const side = new CandidateEvaluator(p.ctx, p.oracle, p.settings);
  const shaping = { smoothShaping: settings.smoothShaping, bitShaping: settings.bitShaping, smoothRank: settings.smoothRank };
  const windows = new Map<number, { rhoMean: number[]; rhoLast: number[]; chosen: number[]; avg: number[]; best: number[]; lastPick: number[]; noiseChosen: number[]; noiseAll: number[]; rhoScore: number[]; sdValue: number[]; sdBonus: number[] }>();
  for (const s of screened) {
    const truth: number[] = [];
    for (const plan of s.plans) {
      const c = await side.evaluate(plan.wbits, plan.abits, plan.productBits.length > 0 ? plan.productBits : undefined);
      truth.push(learnedReward(c, shaping));
    }
    const w = Math.floor((s.episode - settings.warmupEpisodes) / 100);
    const row = windows.get(w) ?? { rhoMean: [], rhoLast: [], chosen: [], avg: [], best: [], lastPick: [], noiseChosen: [], noiseAll: [], rhoScore: [], sdValue: [], sdBonus: [] };
    row.rhoMean.push(spearman(s.mean, truth));
    row.rhoLast.push(spearman(s.last, truth));
    row.chosen.push(truth[s.chosen] ?? NaN);
    row.avg.push(truth.reduce((a, b) => a + b, 0) / truth.length);
    row.best.push(Math.max(...truth));
    row.lastPick.push(truth[s.last.indexOf(Math.max(...s.last))] ?? NaN);
    row.noiseChosen.push(s.noise[s.chosen] ?? NaN);
    row.noiseAll.push(s.noise.reduce((a, b) => a + b, 0) / s.noise.length);
    const sd = (v: number[]): number => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    };
    row.rhoScore.push(spearman(s.score, truth));
    row.sdValue.push(sd(s.mean));
    row.sdBonus.push(sd(s.score.map((x, k) => x - (s.mean[k] ?? 0))));
    windows.set(w, row);
  }
  const mean = (v: number[]): string => (v.reduce((a, b) => a + b, 0) / v.length).toFixed(3);
  // Rewards are -log(cost relative to the 8-bit baseline): exp(reward) is the speed-up over it.
  const speed = (v: number[]): string => (v.reduce((a, b) => a + Math.exp(b), 0) / v.length).toFixed(3);
  console.log('| search episodes | rho (mean score) | rho (last step) | speed-up chosen | unscreened (mean of K) | best of K | last-step pick | RMS noise chosen | RMS noise, mean of K | rho (score used) | sd of value | sd of bonus term |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [w, r] of [...windows].sort((a, b) => a[0] - b[0])) {
    console.log(`| ${w * 100}-${w * 100 + 99} | ${mean(r.rhoMean)} | ${mean(r.rhoLast)} | ${speed(r.chosen)} | ${speed(r.avg)} | ${speed(r.best)} | ${speed(r.lastPick)} | ${mean(r.noiseChosen)} | ${mean(r.noiseAll)} | ${mean(r.rhoScore)} | ${mean(r.sdValue)} | ${mean(r.sdBonus)} |`);
  }
}

void main();
