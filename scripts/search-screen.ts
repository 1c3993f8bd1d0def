/**
 * Screening of search settings (issue 17): the RL row of the search study alone (optionally random search at the
 * same number of episodes), for several `--search-settings` lists in one run, so the default is measured beside
 * them. Same chip, budget and oracle as scripts/search-study.ts.
 *
 *   node dist/scripts/search-screen.js --networks resnet18,resnet50 --seeds 1,2,3 \
 *        --configs 'default;repairCost=1;repairCost=1,smoothRank=0.1' [--episodes 600] [--random] [--out screen.md]
 *
 * Prints one markdown row per network and setting: img/s per seed and the mean.
 */
import { CandidateEvaluator } from '../optimizer/search/evaluator';
import { defaultSearchSettings, rlSearch } from '../optimizer/search/rl-search';
import { randomSearch } from '../optimizer/search/random-search';
import { parseSearchSettings } from '../optimizer/search/settings';
import { writeFileAtomic } from '../io';
import { setup } from './search-study';

function option(name: string): string | undefined {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? process.argv[k + 1] : undefined;
}

async function main(): Promise<void> {
  const networks = (option('networks') ?? 'resnet18,resnet50,mobilenetv2').split(',');
  const seeds = (option('seeds') ?? '1,2,3,4,5').split(',').map(Number);
  const configs = (option('configs') ?? 'default').split(';').map((c) => c.trim());
  const withRandom = process.argv.includes('--random');
  const episodesOption = option('episodes');
  const episodes = episodesOption === undefined ? {} : { episodes: Number(episodesOption) };
  const lines = ['| network | setting | search | img/s per seed | mean img/s |', '|---|---|---|---|---|'];
  for (const name of networks) {
    const p = setup(name);
    for (const config of configs) {
      const overrides = config === 'default' ? {} : parseSearchSettings(config).overrides;
      const rl: number[] = [];
      const rnd: number[] = [];
      for (const seed of seeds) {
        const settings = defaultSearchSettings(p.net, { ...overrides, ...episodes, seed });
        const evaluatorSettings = { ...p.settings, repairCost: settings.repairCost, repairPressure: settings.repairPressure };
        const res = await rlSearch(p.net, new CandidateEvaluator(p.ctx, p.oracle, evaluatorSettings), settings);
        rl.push(res.best ? p.baseImagesPerS / res.best.cost : 0);
        if (withRandom) {
          const r = await randomSearch(p.net, new CandidateEvaluator(p.ctx, p.oracle, evaluatorSettings), settings);
          rnd.push(r.best ? p.baseImagesPerS / r.best.cost : 0);
        }
        process.stderr.write(`${name} ${config} seed ${seed}: RL ${(rl.at(-1) ?? 0).toFixed(1)}${withRandom ? ` random ${(rnd.at(-1) ?? 0).toFixed(1)}` : ''} img/s\n`);
      }
      const row = (kind: string, v: number[]): string => `| ${name} | ${config} | ${kind} | ${v.map((x) => x.toFixed(1)).join(' ')} | ${(v.reduce((a, x) => a + x, 0) / v.length).toFixed(1)} |`;
      lines.push(row('RL', rl));
      if (withRandom) lines.push(row('random', rnd));
      process.stderr.write(`${lines.at(-1) ?? ''}\n`);
    }
  }
  const text = `${lines.join('\n')}\n`;
  const out = option('out');
  if (out !== undefined) await writeFileAtomic(out, text);
  process.stdout.write(text);
}

void main();
