/**
 * Probe (s91): the layout step (optimizer/layout) on the search study's plans: RL seeds and the known plans, PUMA at
 * iso-area as scripts/search-study.ts sets it up. Prints img/s before and after, the compute target kept, the walks
 * and full evaluations, and CPU time; writes each changed plan to OUT_DIR (`lrmp simulate --plan` reproduces it).
 *
 *   node dist/scripts/probe/layout-search.js NET OUT_DIR SOURCE [SOURCE...]   SOURCE: rl:SEED | known
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { evaluateModel } from '../../optimizer/model';
import { planFromChoices, type PlanChoices } from '../../arch/plan';
import { CandidateEvaluator } from '../../optimizer/search/evaluator';
import { defaultSearchSettings, rlSearch } from '../../optimizer/search/rl-search';
import { layoutStep } from '../../optimizer/layout/layout-step';
import { writeFileAtomic } from '../../io';
import { setup } from '../search-study';
import { KNOWN_PLANS } from '../search-study/known-plans';

type Study = ReturnType<typeof setup>;

async function planOf(name: string, source: string, p: Study): Promise<PlanChoices> {
  if (source === 'known') {
    const k = KNOWN_PLANS[name]?.[0];
    if (k === undefined) throw new Error(`no known plan for ${name}`);
    const c = await new CandidateEvaluator(p.ctx, p.oracle, p.settings).evaluate([...k.wbits], [...k.abits]);
    return { wbits: c.wbits, abits: c.abits, replicas: c.replicas, ...(c.productBits ? { productBits: c.productBits } : {}) };
  }
  const seed = Number(source.split(':')[1]);
  const settings = defaultSearchSettings(p.net, { seed });
  const evaluatorSettings = { ...p.settings, repairCost: settings.repairCost, repairPressure: settings.repairPressure };
  const c = (await rlSearch(p.net, new CandidateEvaluator(p.ctx, p.oracle, evaluatorSettings), settings)).best;
  if (c === undefined) throw new Error(`${name} ${source}: no plan`);
  return { wbits: c.wbits, abits: c.abits, replicas: c.replicas, ...(c.productBits ? { productBits: c.productBits } : {}) };
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'resnet50';
  const outDir = process.argv[3] ?? '.';
  const p = setup(name);
  const { ctx } = p;
  for (const source of process.argv.slice(4)) {
    const choices = await planOf(name, source, p);
    const model = evaluateModel(ctx, choices);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const laid = layoutStep(ctx, choices, model, p.settings.budgetCores, p.settings.spec, p.settings.refLatencyCycles);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    // Full evaluations' CPU time, warm, alternating the plan and its layout (as the bench alternates two plans), for
    // the layout step's cost in full evaluations' worth.
    const cpuF = process.cpuUsage();
    for (let k = 0; k < 100; k++) evaluateModel(ctx, k % 2 === 0 ? choices : laid.choices);
    const cpuFull = process.cpuUsage(cpuF);
    const fullMs = (cpuFull.user + cpuFull.system) / 1000 / 100;
    const before = model.bottleneckCycles;
    const after = laid.model.bottleneckCycles;
    process.stdout.write(
      `${name} ${source}: ${before.toFixed(0)} -> ${after.toFixed(0)} cycles, ${(1e9 / before).toFixed(1)} -> ${(1e9 / after).toFixed(1)} img/s (${((before / after - 1) * 100).toFixed(1)}%)` +
        `${laid.targetCycles !== undefined ? `, target ${laid.targetCycles}, ${laid.movedLayers} layers moved, bound ${laid.model.bottleneckLayer}` : ', unchanged'}; ` +
        `${laid.walks} walks + ${laid.fullEvaluations} full evals, CPU ${cpuMs.toFixed(0)} ms (wall ${wallMs.toFixed(0)} ms) = ${(cpuMs / fullMs).toFixed(0)} full evaluations of ${fullMs.toFixed(2)} CPU ms; latency ${model.latencyCycles.toFixed(0)} -> ${laid.model.latencyCycles.toFixed(0)}\n`,
    );
    const file = join(outDir, `${name}-${source.replace(':', '')}${laid.targetCycles !== undefined ? '-layout' : ''}.json`);
    const chip = { tiles: ctx.arch.chip.tiles, areaBudgetMm2: 0 };
    await writeFileAtomic(file, `${JSON.stringify(planFromChoices(name, 'puma', p.net, laid.choices, chip), null, 2)}\n`);
    if (laid.targetCycles !== undefined) await writeFileAtomic(join(outDir, `${name}-${source.replace(':', '')}.json`), `${JSON.stringify(planFromChoices(name, 'puma', p.net, choices, chip), null, 2)}\n`);
  }
}

void main();
