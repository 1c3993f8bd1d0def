import { median, probeSearch } from './search-run';

/**
 * Which CEM-RL members carry the search (issue 17, s108)? Runs the RL search with `--search-settings`-style SETTINGS
 * ('default' for none) and prints, per window of 100 search episodes, the median img/s of the episodes' plans (0 for
 * an infeasible one), with cemPop > 1 split into the gradient half of each generation (its first floor(size / 2)
 * members, cem-rl.ts) and the sampled half, the window's distinct plans, the best plan and the process CPU time.
 * Usage: node dist/scripts/probe/cem-members.js resnet18 1 'cemPop=10,cemSteps=32,paramActionNoise=0.5'
 */
const [netName = 'resnet18', seedText = '1', config = 'default'] = process.argv.slice(2);

async function main(): Promise<void> {
  const { p, settings, res, cpu } = await probeSearch(netName, Number(seedText), config);
  const pop = settings.cemPop;
  // A generation's first floor(size / 2) members take the gradient steps; the last generation is smaller when cemPop
  // does not divide the episodes (CemSearch.before).
  const gradientMember = (e: number): boolean => pop > 1 && e % pop < Math.floor(Math.min(pop, settings.episodes - (e - (e % pop))) / 2);
  const search = res.history.slice(settings.warmupEpisodes).map((h, e) => ({
    imagesPerS: h.feasible ? p.baseImagesPerS / h.cost : 0,
    gradient: gradientMember(e),
    key: `${h.wbits}|${h.abits}`,
  }));
  const best = res.best ? p.baseImagesPerS / res.best.cost : 0;
  process.stdout.write(`${netName} seed ${seedText} ${config}: best ${best.toFixed(1)} img/s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s\n`);
  for (let w = 0; w < search.length; w += 100) {
    const win = search.slice(w, w + 100);
    const split = pop > 1 ? ` gradient ${median(win.filter((x) => x.gradient).map((x) => x.imagesPerS))} sampled ${median(win.filter((x) => !x.gradient).map((x) => x.imagesPerS))}` : '';
    process.stdout.write(`  ${w}-${w + win.length - 1}: median ${median(win.map((x) => x.imagesPerS))}${split} distinct ${new Set(win.map((x) => x.key)).size}\n`);
  }
}

void main();
