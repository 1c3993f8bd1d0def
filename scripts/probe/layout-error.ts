/**
 * Probe (s98): the analytical model's throughput error on the plans the layout step (optimizer/layout) lays out,
 * against the same plans without their layout. PUMA at iso-area as scripts/search-study.ts sets it up; each plan
 * is run through the layout step as `optimize` runs it, and both the plan and (when the step changed it) its layout
 * are simulated by the settle rule of `lrmp simulate` (sim/settle.ts: 16, 64, 256 images until the interval
 * settles). Prints one line per simulated plan (model and simulated interval, error = simulated / model - 1 of the
 * interval, so positive = the model is optimistic; the busiest eDRAM port and NoC link of the plan as a share of the
 * model's interval) and the error distribution per group.
 *
 *   node dist/scripts/probe/layout-error.js NET[,NET...] SOURCE[,SOURCE...] [--model-only] [--laid-only] [--out plans/]
 *
 * SOURCE: rand:A-B (seeded random bits, seeds A..B, replicated by the exact replication as the searches evaluate
 * them), rl:SEED (the RL search's plan, 600 episodes), plan:FILE (a plan file, e.g. one `optimize` wrote; its
 * skipCores are dropped and the layout step run on it), opt:FILE (an `optimize` result JSON: its search rows' plans,
 * without their layouts). --model-only: the layout step alone (which plans it changes).
 * --laid-only: simulate only plans the step changed (and their plans without the layout). --out DIR: writes each
 * changed plan and its layout as plan files (`lrmp simulate --plan` reproduces them).
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import seedrandom from 'seedrandom';
import { planFromChoices, resolvePlan, validatePlan, type PlanChoices } from '../../arch/plan';
import { evaluateModel } from '../../optimizer/model';
import type { ModelResult } from '../../optimizer/model/types';
import { CandidateEvaluator, MAX_SEARCH_BITS, MIN_SEARCH_BITS } from '../../optimizer/search/evaluator';
import { defaultSearchSettings, rlSearch } from '../../optimizer/search/rl-search';
import { atLoopEdge, layoutStep, LOOP_EDGE_SHARE } from '../../optimizer/layout/layout-step';
import { simulateSettled } from '../../sim/settle';
import { writeFileAtomic } from '../../io';
import { setup } from '../search-study';

type Study = ReturnType<typeof setup>;

interface Sample {
  /** 'unlaid' (the plan as the search left it) or 'laid' (the layout step's layout of it). */
  group: 'unlaid' | 'laid';
  /** Whether the layout step changed this plan (for an unlaid sample: it has a laid twin). */
  changed: boolean;
  errorPct: number;
  /** Whether the model's largest credit-loop or line-buffer term is at the edge of its interval (atLoopEdge). */
  loopNear: boolean;
}

/** A credit-loop or line-buffer term within LOOP_EDGE_SHARE of the interval counts as at the edge (s98, s99). */
const LOOP_NEAR = 1 - LOOP_EDGE_SHARE;

function option(name: string): string | undefined {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? process.argv[k + 1] : undefined;
}

function choicesOf(c: { wbits: number[]; abits: number[]; replicas: number[]; productBits?: number[] }): PlanChoices {
  return { wbits: c.wbits, abits: c.abits, replicas: c.replicas, ...(c.productBits ? { productBits: c.productBits } : {}) };
}

/** The plans a SOURCE names, with a label each. */
async function plansOf(name: string, source: string, p: Study): Promise<Array<{ label: string; choices: PlanChoices }>> {
  const [kind, arg = ''] = source.split(/:(.*)/s);
  if (kind === 'rand') {
    const [a, b] = arg.split('-').map(Number);
    const out: Array<{ label: string; choices: PlanChoices }> = [];
    const evaluator = new CandidateEvaluator(p.ctx, p.oracle, p.settings);
    const n = p.net.weightedIndices.length;
    for (let seed = a ?? 1; seed <= (b ?? a ?? 1); seed++) {
      const random = seedrandom(`s98:${name}:${seed}`);
      const level = (): number => MIN_SEARCH_BITS + Math.floor(random() * (MAX_SEARCH_BITS - MIN_SEARCH_BITS + 1));
      const wbits = Array.from({ length: n }, level);
      const abits = Array.from({ length: n }, level);
      const c = await evaluator.evaluate(wbits, abits);
      out.push({ label: `rand:${seed}`, choices: choicesOf(c) });
    }
    return out;
  }
  if (kind === 'rl') {
    const seed = Number(arg);
    const settings = defaultSearchSettings(p.net, { seed });
    const evaluatorSettings = { ...p.settings, repairCost: settings.repairCost, repairPressure: settings.repairPressure };
    const c = (await rlSearch(p.net, new CandidateEvaluator(p.ctx, p.oracle, evaluatorSettings), settings)).best;
    if (c === undefined) throw new Error(`${name} ${source}: no plan`);
    return [{ label: source, choices: choicesOf(c) }];
  }
  if (kind === 'plan') {
    const { skipCores: _dropped, ...choices } = resolvePlan(validatePlan(JSON.parse(readFileSync(arg, 'utf8')), arg), p.net, arg);
    return [{ label: source, choices }];
  }
  if (kind === 'opt') {
    // An `optimize` result JSON: each search row's bits, replicated by the exact replication as the searches
    // evaluate them (a laid-out row's replicas are its layout's, so they are not the search's), once per plan.
    const result = JSON.parse(readFileSync(arg, 'utf8')) as { rows: Array<{ variant: string; choices: PlanChoices }> };
    const evaluator = new CandidateEvaluator(p.ctx, p.oracle, p.settings);
    const seen = new Set<string>();
    const out: Array<{ label: string; choices: PlanChoices }> = [];
    for (const r of result.rows) {
      if (!r.variant.startsWith('LRMP')) continue;
      const choices = choicesOf(await evaluator.evaluate(r.choices.wbits, r.choices.abits, r.choices.productBits));
      const key = JSON.stringify(choices);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ label: `opt:${r.variant}`, choices });
    }
    return out;
  }
  throw new Error(`layout-error: source '${source}' is not rand:A-B, rl:SEED, plan:FILE or opt:FILE`);
}

/**
 * The terms nearest the model's interval, as shares of it: the largest credit-loop or line-buffer term (lower bounds
 * of a loop of grants and frees: s98 found the laid-out plans the model is optimistic on among those within 3% of
 * the interval), the busiest eDRAM port and the busiest NoC term (injection, ejection, mesh link) of any layer.
 */
function loads(m: ModelResult): string {
  let loop = 0;
  let port = 0;
  let noc = 0;
  for (const l of m.layers) {
    loop = Math.max(loop, l.creditLoopCycles, l.lineBufferCycles);
    port = Math.max(port, l.edramCycles);
    noc = Math.max(noc, l.nocInCycles, l.nocOutCycles, l.meshLinkCycles);
  }
  const pct = (x: number): string => `${((100 * x) / m.bottleneckCycles).toFixed(1)}%`;
  return `loop ${pct(loop)} port ${pct(port)} noc ${pct(noc)}`;
}

function summary(label: string, s: readonly Sample[]): string {
  if (s.length === 0) return `${label}: none`;
  const abs = s.map((x) => Math.abs(x.errorPct));
  const mean = abs.reduce((a, b) => a + b, 0) / abs.length;
  const signed = s.reduce((a, x) => a + x.errorPct, 0) / s.length;
  const worst = s.reduce((w, x) => (Math.abs(x.errorPct) > Math.abs(w.errorPct) ? x : w));
  const over5 = s.filter((x) => x.errorPct > 5).length;
  return `${label}: n ${s.length}, mean |err| ${mean.toFixed(2)}%, mean err ${signed >= 0 ? '+' : ''}${signed.toFixed(2)}%, worst ${worst.errorPct >= 0 ? '+' : ''}${worst.errorPct.toFixed(2)}%, optimistic by > 5%: ${over5}`;
}

async function main(): Promise<void> {
  const nets = (process.argv[2] ?? 'mobilenetv2').split(',');
  const sources = (process.argv[3] ?? 'rand:1-10').split(',');
  const modelOnly = process.argv.includes('--model-only');
  const laidOnly = process.argv.includes('--laid-only');
  const outDir = option('out');
  const samples: Sample[] = [];
  for (const name of nets) {
    const p = setup(name);
    const { ctx } = p;
    const simInterval = async (choices: PlanChoices): Promise<{ cycles: number; note: string }> => {
      const { sim, runs } = await simulateSettled(ctx.arch, p.net, choices, { loneLatency: false });
      return { cycles: sim.steadyState.intervalCycles, note: `${runs[runs.length - 1] ?? 0} images${sim.steadyState.settled ? '' : ', not settled'}` };
    };
    for (const source of sources) {
      for (const { label, choices } of await plansOf(name, source, p)) {
        const model = evaluateModel(ctx, choices);
        const laid = layoutStep(ctx, choices, model, p.settings.budgetCores, p.settings.spec, p.settings.refLatencyCycles);
        const changed = laid.targetCycles !== undefined;
        const head = `${name} ${label}`;
        process.stdout.write(
          `${head}: model ${model.bottleneckCycles.toFixed(0)} (${model.throughputImagesPerS.toFixed(1)} img/s, ${model.bottleneckLayer}, ${loads(model)})` +
            (changed ? ` -> laid ${laid.model.bottleneckCycles.toFixed(0)} (${laid.model.bottleneckLayer}, ${loads(laid.model)}; target ${laid.targetCycles ?? 0}, ${laid.movedLayers} moved)` : ', layout unchanged') +
            (laid.refusedAtLoopEdge > 0 ? `; refused at the loop edge: ${laid.refusedAtLoopEdge}` : '') +
            '\n',
        );
        if (outDir !== undefined && changed) {
          const chip = { tiles: ctx.arch.chip.tiles, areaBudgetMm2: 0 };
          const file = join(outDir, `${name}-${label.replace(/[:/]/g, '_')}`);
          await writeFileAtomic(`${file}.json`, `${JSON.stringify(planFromChoices(name, 'puma', p.net, choices, chip), null, 2)}\n`);
          await writeFileAtomic(`${file}-layout.json`, `${JSON.stringify(planFromChoices(name, 'puma', p.net, laid.choices, chip), null, 2)}\n`);
        }
        if (modelOnly || (laidOnly && !changed)) continue;
        const plain = await simInterval(choices);
        const ePlain = (100 * plain.cycles) / model.bottleneckCycles - 100;
        samples.push({ group: 'unlaid', changed, errorPct: ePlain, loopNear: atLoopEdge(model) });
        let line = `${head}: unlaid model ${model.bottleneckCycles.toFixed(0)} sim ${plain.cycles.toFixed(0)} (${plain.note}) err ${ePlain >= 0 ? '+' : ''}${ePlain.toFixed(2)}%`;
        if (changed) {
          const s = await simInterval(laid.choices);
          const e = (100 * s.cycles) / laid.model.bottleneckCycles - 100;
          samples.push({ group: 'laid', changed, errorPct: e, loopNear: atLoopEdge(laid.model) });
          line += `; laid model ${laid.model.bottleneckCycles.toFixed(0)} sim ${s.cycles.toFixed(0)} (${s.note}) err ${e >= 0 ? '+' : ''}${e.toFixed(2)}%; simulated gain ${((100 * plain.cycles) / s.cycles - 100).toFixed(1)}%`;
        }
        process.stdout.write(`${line}\n`);
      }
    }
  }
  if (modelOnly) return;
  process.stdout.write(
    [
      'error = simulated interval / model interval - 1 (positive: the model is optimistic)',
      summary('unlaid, all', samples.filter((s) => s.group === 'unlaid')),
      summary('unlaid, of plans the step changed', samples.filter((s) => s.group === 'unlaid' && s.changed)),
      summary('laid out', samples.filter((s) => s.group === 'laid')),
      summary(`laid out, a loop term >= ${LOOP_NEAR} of the interval`, samples.filter((s) => s.group === 'laid' && s.loopNear)),
      summary(`laid out, every loop term below ${LOOP_NEAR} of it`, samples.filter((s) => s.group === 'laid' && !s.loopNear)),
    ].join('\n') + '\n',
  );
}

void main();
