/**
 * The README's transformer table (ViT-B/16 and BERT-base: LRMP against the 8-bit baseline at iso-area, and where
 * time, area and energy go), for MAC-array and rewritten-crossbar attention, made from the current code:
 *   node dist/scripts/transformer-table.js            print the section from the stored plans (docs/plans/)
 *   node dist/scripts/transformer-table.js --search   rerun `optimize` for each case first and store its plan
 *   node dist/scripts/transformer-table.js --write    replace the README's section (between its markers)
 *   (--root DIR: the repository, when the script runs from a build elsewhere)
 * The plans are the search's output; every figure in the table is computed from them by the analytical model and
 * the accuracy proxy, so test/readme-transformer-table.test.ts fails when the README and the code disagree.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applySetOverride } from '../arch/overrides';
import { baselineChoices, resolvePlan, validatePlan, type Plan, type PlanChoices } from '../arch/plan';
import { presetArch } from '../arch/presets';
import type { ArchSpec } from '../arch/types';
import { readJsonFile, writeFileAtomic } from '../io';
import { toJson } from './commands/output';
import { proxyOracle } from '../optimizer/accuracy';
import { optimize } from '../optimizer/lrmp';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { resolveNetwork } from '../workloads/shapes';
import type { ResolvedNetwork } from '../workloads/types';
import { zooNetwork } from '../workloads/zoo';
import { formatShares, transformerShares } from './transformer-shares';

export interface TableCase {
  network: 'vit-b16' | 'bert-base';
  unit: 'digital' | 'crossbar';
}

export const TABLE_CASES: readonly TableCase[] = [
  { network: 'vit-b16', unit: 'digital' },
  { network: 'vit-b16', unit: 'crossbar' },
  { network: 'bert-base', unit: 'digital' },
  { network: 'bert-base', unit: 'crossbar' },
];

/** The search behind the stored plans (README names it). */
export const TABLE_SEARCH = { episodes: 30, seed: 1, accuracyBudgetPct: 1 } as const;

export const BEGIN_MARKER = '<!-- transformer-table: begin (node dist/scripts/transformer-table.js --write) -->';
export const END_MARKER = '<!-- transformer-table: end -->';

const NETWORK_TITLE: Record<TableCase['network'], string> = { 'vit-b16': 'ViT-B/16', 'bert-base': 'BERT-base' };
const UNIT_TITLE: Record<TableCase['unit'], string> = { digital: 'MAC arrays', crossbar: 'rewritten crossbars' };

export function caseArch(c: TableCase): ArchSpec {
  const arch = presetArch('xformer');
  return c.unit === 'crossbar' ? applySetOverride(arch, 'attention.unit=crossbar') : arch;
}

/** The stored plan of a case, relative to the repository root. */
export function planFile(root: string, c: TableCase): string {
  return path.join(root, 'docs', 'plans', `${c.network}-${c.unit === 'digital' ? 'mac' : 'crossbar'}.json`);
}

function withTiles(arch: ArchSpec, tiles: number): ArchSpec {
  return { ...arch, chip: { ...arch.chip, tiles } };
}

/** Runs `optimize` for a case (no confirming simulation) and returns its plan. */
export async function searchPlan(c: TableCase): Promise<Plan> {
  const net = resolveNetwork(zooNetwork(c.network));
  const result = await optimize(caseArch(c), net, proxyOracle(net), {
    objective: 'throughput',
    accuracyBudgetPct: TABLE_SEARCH.accuracyBudgetPct,
    episodes: TABLE_SEARCH.episodes,
    seed: TABLE_SEARCH.seed,
    milp: 'jslp',
    topK: 5,
    workers: -1,
  });
  return result.plan;
}

interface CaseFigures {
  title: string;
  baseImgS: number;
  lrmpImgS: number;
  baseLatencyMs: number;
  lrmpLatencyMs: number;
  dropPts: number;
  baseTiles: number;
  lrmpTiles: number;
  baseAreaMm2: number;
  lrmpAreaMm2: number;
  shares: { baseline: string[]; lrmp: string[] };
}

async function caseFigures(root: string, c: TableCase): Promise<CaseFigures> {
  const net: ResolvedNetwork = resolveNetwork(zooNetwork(c.network));
  const arch = caseArch(c);
  const file = planFile(root, c);
  const plan = validatePlan(readJsonFile(file), file);
  const choices: PlanChoices = resolvePlan(plan, net, file);
  // The baseline sits on the tiles it needs; the plan on its chip's (optimize's budget: the baseline's, iso-area).
  const baseChoices = baselineChoices(net.weightedIndices.length);
  const baseTiles = evaluateModel(prepareModel(arch, net), baseChoices).tilesUsed;
  const base = transformerShares(withTiles(arch, baseTiles), net, baseChoices);
  const lrmp = transformerShares(withTiles(arch, plan.chip?.tiles ?? baseTiles), net, choices);
  const oracle = proxyOracle(net);
  const dropPts = (await oracle.referenceAccuracyPct()) - (await oracle.accuracyPct(choices));
  const row = (s: typeof base): string[] => [formatShares(s.time), formatShares(s.area), formatShares(s.energy)];
  return {
    title: `${NETWORK_TITLE[c.network]}, ${UNIT_TITLE[c.unit]}`,
    baseImgS: base.model.throughputImagesPerS,
    lrmpImgS: lrmp.model.throughputImagesPerS,
    baseLatencyMs: base.model.latencyS * 1e3,
    lrmpLatencyMs: lrmp.model.latencyS * 1e3,
    dropPts,
    baseTiles: base.model.tilesUsed,
    lrmpTiles: lrmp.model.tilesUsed,
    baseAreaMm2: base.model.areaMm2,
    lrmpAreaMm2: lrmp.model.areaMm2,
    shares: { baseline: row(base), lrmp: row(lrmp) },
  };
}

/** The README section (without its markers) from the stored plans under `root`. */
export async function renderTransformerTable(root: string): Promise<string> {
  const figures: CaseFigures[] = [];
  for (const c of TABLE_CASES) figures.push(await caseFigures(root, c));
  const lines = [
    `LRMP against the 8-bit baseline at iso-area on \`xformer\` (plans: \`lrmp optimize --network N --episodes ${TABLE_SEARCH.episodes} ` +
      `--seed ${TABLE_SEARCH.seed} --no-confirm\`, MAC arrays or \`--set attention.unit=crossbar\`, stored in docs/plans/; analytical figures; ` +
      'accuracy drop by the proxy with its attention-map terms; regenerate with `node dist/scripts/transformer-table.js --search --write`):',
    '',
    '| network, attention | baseline img/s | LRMP img/s | throughput x | latency ms (base -> LRMP) | latency x | drop pts | tiles (base, LRMP) | area mm2 (base, LRMP) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const f of figures) {
    lines.push(
      `| ${f.title} | ${f.baseImgS.toFixed(1)} | ${f.lrmpImgS.toFixed(1)} | ${(f.lrmpImgS / f.baseImgS).toFixed(2)} | ` +
        `${f.baseLatencyMs.toFixed(2)} -> ${f.lrmpLatencyMs.toFixed(2)} | ${(f.baseLatencyMs / f.lrmpLatencyMs).toFixed(2)} | ${f.dropPts.toFixed(2)} | ` +
        `${f.baseTiles}, ${f.lrmpTiles} | ${f.baseAreaMm2.toFixed(1)}, ${f.lrmpAreaMm2.toFixed(1)} |`,
    );
  }
  lines.push(
    '',
    'Where the time, area and energy go, attention / projections / MLP (`node dist/scripts/transformer-shares.js vit-b16 [--crossbar] [--plan p.json]`; ' +
      'time: the layers\' stage cycles; area: the cores a group\'s layers own with their tile share, MAC arrays of the tiles hosting products and ' +
      'rewritten crossbars counted as attention; energy: the layers\' compute energy with the products\' (arch/figures.ts), eDRAM/NoC not attributed):',
    '',
    '| network, attention, plan | time | area | energy |',
    '|---|---|---|---|',
  );
  for (const f of figures) {
    lines.push(`| ${f.title}, baseline | ${f.shares.baseline.join(' | ')} |`);
    lines.push(`| ${f.title}, LRMP | ${f.shares.lrmp.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The README with its section between the markers replaced by `body`. */
export function replaceSection(readme: string, body: string): string {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`README: the transformer table's markers are missing (${BEGIN_MARKER} ... ${END_MARKER})`);
  return `${readme.slice(0, begin + BEGIN_MARKER.length)}\n${body}\n${readme.slice(end)}`;
}

/** The README's current section (between the markers), or undefined when the markers are missing. */
export function readmeSection(readme: string): string | undefined {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin < 0 || end < begin) return undefined;
  return readme.slice(begin + BEGIN_MARKER.length, end).trim();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  // The repository: dist/scripts/.. /.., or --root DIR.
  const rootAt = args.indexOf('--root');
  const root = rootAt >= 0 ? path.resolve(args[rootAt + 1] ?? '.') : path.resolve(__dirname, '..', '..');
  if (args.includes('--search')) {
    for (const c of TABLE_CASES) {
      const started = Date.now();
      const plan = await searchPlan(c);
      await writeFileAtomic(planFile(root, c), toJson(plan));
      process.stderr.write(`${c.network} ${c.unit}: plan written (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    }
  }
  const body = await renderTransformerTable(root);
  if (args.includes('--write')) {
    const readmePath = path.join(root, 'README.md');
    await writeFileAtomic(readmePath, replaceSection(fs.readFileSync(readmePath, 'utf8'), body));
    process.stderr.write('README.md: transformer table written\n');
  } else process.stdout.write(`${body}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
