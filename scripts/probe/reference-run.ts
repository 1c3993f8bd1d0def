import { CandidateEvaluator } from '../../optimizer/search/evaluator';
import { referenceSearch } from '../../optimizer/search/reference';
import { defaultSearchSettings } from '../../optimizer/search/rl-search';
import { setup } from '../search-study';

/**
 * The reference search alone (issue 17's best-known yardstick) for one or more networks, as the search study runs
 * it (seed 1, 5 starts): its best img/s, the best sample's, evaluations, wall and CPU seconds.
 * Usage: node dist/scripts/probe/reference-run.js resnet18,resnet50 [samples] [relink 0|1]
 */
const [names = 'resnet18', samples = '5000', relink = '1', steps = '', polishEvals = ''] = process.argv.slice(2);

async function main(): Promise<void> {
  for (const name of names.split(',')) {
    const p = setup(name);
    const fixedLayers = defaultSearchSettings(p.net).fixedLayers;
    const img = (cost: number | undefined): string => (cost === undefined ? '-' : (p.baseImagesPerS / cost).toFixed(1));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const ref = await referenceSearch(p.net, new CandidateEvaluator(p.ctx, p.oracle, p.settings), {
      seed: 1,
      samples: Number(samples),
      starts: 5,
      fixedLayers,
      relink: relink !== '0',
      ...(steps !== '' ? { relinkSteps: Number(steps) } : {}),
      ...(polishEvals !== '' ? { relinkPolish: Number(polishEvals) } : {}),
      onWalk: (i, j, walk, refined) => {
        const at = walk.steps.findIndex((s) => s.plan === walk.best);
        console.error(
          `  walk ${i}->${j}: ${walk.steps.length} steps, ${walk.evaluations} evaluations, best ${img(walk.best?.cost)} at step ${at + 1}, refined ${img(refined?.cost)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
        );
      },
    });
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    console.log(
      `${name}: reference ${img(ref.best?.cost)} img/s (best sample ${img(ref.bestSample?.cost)}, local optima ${ref.optima.map((o) => img(o.cost)).join(' ')}, ` +
        `relinked ${img(ref.relinked?.cost)}), ${ref.evaluations} evaluations, wall ${wallS.toFixed(1)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
    );
    if (ref.best) console.log(`  w ${ref.best.wbits.join(' ')}\n  a ${ref.best.abits.join(' ')}\n  drop ${ref.best.dropPct.toFixed(3)} bottleneck ${ref.best.bottleneckCycles.toFixed(1)} cores ${ref.best.coresUsed}`);
  }
}

void main();
