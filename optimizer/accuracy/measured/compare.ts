/**
 * Proxy-predicted against measured accuracy drops for the candidates of an optimization run: the check of the
 * separable proxy (calibrated on single-layer measurements) against joint quantization of all layers at once.
 */
import { resolvePlan, type Plan } from '../../../arch/plan';
import type { ResolvedNetwork } from '../../../workloads/types';
import { proxyOracle } from '../proxy';
import type { PrecisionChoice } from '../types';
import type { MeasuredOracle } from './oracle';

export interface LabelledChoice extends PrecisionChoice {
  label: string;
}

export interface DropComparison {
  label: string;
  wbits: number[];
  abits: number[];
  proxyDropPct: number;
  measuredDropPct: number;
}

/** Both drops (points from float) for each candidate; measured ones come from (and fill) the oracle's cache. */
export async function compareDrops(net: ResolvedNetwork, measured: MeasuredOracle, candidates: readonly LabelledChoice[]): Promise<DropComparison[]> {
  const proxy = proxyOracle(net);
  const proxyRef = await proxy.referenceAccuracyPct();
  const measuredRef = await measured.referenceAccuracyPct();
  const out: DropComparison[] = [];
  for (const c of candidates) {
    out.push({
      label: c.label,
      wbits: [...c.wbits],
      abits: [...c.abits],
      proxyDropPct: proxyRef - (await proxy.accuracyPct(c)),
      measuredDropPct: measuredRef - (await measured.accuracyPct(c)),
    });
  }
  return out;
}

/** Distinct precision choices of a search history (`wbits`/`abits` as space-separated bits), best cost first. */
export function topHistoryChoices(
  history: ReadonlyArray<{ cost: number; feasible: boolean; wbits: string; abits: string }>,
  k: number,
): LabelledChoice[] {
  const seen = new Set<string>();
  const parse = (s: string): number[] => s.trim().split(/\s+/).map(Number);
  return [...history]
    .filter((h) => h.feasible && Number.isFinite(h.cost))
    .sort((a, b) => a.cost - b.cost)
    .filter((h) => {
      const key = `${h.wbits}|${h.abits}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, k)
    .map((h, i) => ({ label: `search top-${i + 1}`, wbits: parse(h.wbits), abits: parse(h.abits) }));
}

export function renderDropComparison(rows: readonly DropComparison[], measured: MeasuredOracle, floatPct: number): string {
  const se = measured.standardErrorPct(floatPct);
  const lines = [
    `accuracy: measured on ${measured.heldOutImages} held-out images (float ${floatPct.toFixed(2)}%, standard error ${se.toFixed(2)} pts); ` +
      'proxy = separable model calibrated on single-layer measurements',
    `${'candidate'.padEnd(24)} ${'proxy drop'.padStart(10)} ${'measured'.padStart(9)}  wbits / abits`,
  ];
  for (const r of rows) {
    lines.push(`${r.label.padEnd(24)} ${r.proxyDropPct.toFixed(3).padStart(10)} ${r.measuredDropPct.toFixed(3).padStart(9)}  ${r.wbits.join(' ')} / ${r.abits.join(' ')}`);
  }
  return lines.join('\n');
}

/**
 * The block `lrmp optimize --accuracy measured` prints under its table: every variant row and the search's
 * top-K distinct candidates, proxy drop beside measured drop, and the chosen plan's measured drop against the budget.
 */
export async function measuredAccuracyReport(
  net: ResolvedNetwork,
  measured: MeasuredOracle,
  result: {
    rows: ReadonlyArray<{ variant: string; choices: PrecisionChoice }>;
    history: ReadonlyArray<{ cost: number; feasible: boolean; wbits: string; abits: string }>;
    chosen: string;
    plan: Plan;
    accuracyBudgetPct: number;
  },
  topK: number,
): Promise<string> {
  // The final plan is measured from the plan itself: the simulator may pick an RL top-K candidate over the RL row.
  const planChoices = resolvePlan(result.plan, net, 'optimized plan');
  const candidates: LabelledChoice[] = [
    ...result.rows.map((r) => ({ label: r.variant, wbits: r.choices.wbits, abits: r.choices.abits })),
    ...topHistoryChoices(result.history, topK),
    { label: 'final plan', wbits: planChoices.wbits, abits: planChoices.abits },
  ];
  const rows = await compareDrops(net, measured, candidates);
  const floatPct = await measured.referenceAccuracyPct();
  const chosen = rows.find((r) => r.label === 'final plan');
  const { cached, evaluations } = measured.stats();
  const tail = chosen
    ? `final plan (${result.chosen}): measured drop ${chosen.measuredDropPct.toFixed(3)} pts, budget ${result.accuracyBudgetPct} pts` +
      `${chosen.measuredDropPct <= result.accuracyBudgetPct + 1e-9 ? '' : ' (OVER BUDGET)'}`
    : '';
  return [renderDropComparison(rows, measured, floatPct), tail, `measured-accuracy cache: ${cached} distinct candidates, ${evaluations} forward passes over the held-out split`]
    .filter((s) => s !== '')
    .join('\n');
}
