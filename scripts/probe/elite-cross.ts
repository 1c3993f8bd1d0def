import { median, probeSearch } from './search-run';

/**
 * What do the crossover episodes (eliteCross, issue 17, s111) contribute? Runs the RL search with `--search-settings`-
 * style SETTINGS and prints, per phase of the search episodes (search: the actor's, cross, local): the count, the
 * median img/s of their plans (0 for an infeasible one), how many repeat a plan evaluated before (the evaluator's
 * cache serves them: no new information), and how many set a new best plan; then the best plan.
 * Usage: node dist/scripts/probe/elite-cross.js resnet50 1 'eliteCross=0.25'
 */
const [netName = 'resnet50', seedText = '1', config = 'eliteCross=0.25'] = process.argv.slice(2);

async function main(): Promise<void> {
  const { p, res } = await probeSearch(netName, Number(seedText), config);
  const seen = new Set<string>();
  const phases = new Map<string, { imagesPerS: number[]; repeats: number; newBest: number }>();
  let best = Infinity;
  for (const h of res.history) {
    const key = `${h.wbits}|${h.abits}`;
    const row = phases.get(h.phase) ?? { imagesPerS: [], repeats: 0, newBest: 0 };
    phases.set(h.phase, row);
    row.imagesPerS.push(h.feasible ? p.baseImagesPerS / h.cost : 0);
    if (seen.has(key)) row.repeats++;
    if (h.feasible && h.cost < best * (1 - 1e-12) && h.phase !== 'warmup') row.newBest++;
    if (h.feasible) best = Math.min(best, h.cost);
    seen.add(key);
  }
  const found = res.best ? p.baseImagesPerS / res.best.cost : 0;
  const parts = [...phases].filter(([phase]) => phase !== 'warmup').map(([phase, r]) => `${phase} ${r.imagesPerS.length} (median ${median(r.imagesPerS)}, repeats ${r.repeats}, new best ${r.newBest})`);
  process.stdout.write(`${netName} seed ${seedText} ${config}: best ${found.toFixed(1)} img/s; ${parts.join('; ')}\n`);
}

void main();
