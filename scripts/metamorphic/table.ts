/** The metamorphic suite's result as a Markdown table: one row per preset, side and network, then per preset. */
import type { Check } from './suite';

function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;
}

interface Row {
  checks: number;
  ok: number;
  withinSpread: number;
  trades: number;
  violations: number;
  /** Lowest throughput change and highest latency change over the row's checks that ran. */
  worstThroughput: number;
  worstLatency: number;
  /** Largest combined spread of a simulated check. */
  maxSpread: number;
  /** Simulated checks with a run whose interval did not settle (and confirm) by the settle rule (sim/settle.ts). */
  unsettled: number;
  /** Simulated: the shortest and longest stream (images) a check's figures come from ('' for the model). */
  images: string;
}

/** The images of the run a simulated figure comes from (undefined: the model, or a record without runs). */
function lastRun(f: Check['before']): number | undefined {
  return f.runs?.[f.runs.length - 1];
}

function tally(checks: readonly Check[]): Row {
  const ran = checks.filter((c) => c.error === undefined);
  return {
    checks: checks.length,
    ok: checks.filter((c) => c.verdict === 'ok').length,
    withinSpread: checks.filter((c) => c.verdict === 'within-spread').length,
    trades: checks.filter((c) => c.verdict === 'trade').length,
    violations: checks.filter((c) => c.verdict === 'violation').length,
    worstThroughput: Math.min(0, ...ran.map((c) => c.throughputChange)),
    worstLatency: Math.max(0, ...ran.map((c) => c.latencyChange)),
    maxSpread: Math.max(0, ...ran.map((c) => (c.before.spread ?? 0) + (c.after.spread ?? 0))),
    unsettled: ran.filter((c) => c.before.settled === false || c.after.settled === false).length,
    images: imageRange(ran.flatMap((c) => [lastRun(c.before), lastRun(c.after)]).filter((n): n is number => n !== undefined)),
  };
}

function imageRange(images: readonly number[]): string {
  if (images.length === 0) return '';
  const lo = Math.min(...images);
  const hi = Math.max(...images);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

function groupBy(checks: readonly Check[], key: (c: Check) => string): Map<string, Check[]> {
  const groups = new Map<string, Check[]>();
  for (const c of checks) {
    const k = key(c);
    const list = groups.get(k);
    if (list) list.push(c);
    else groups.set(k, [c]);
  }
  return groups;
}

function line(label: string[], row: Row): string {
  return `| ${[...label, row.checks, row.violations, row.trades, row.withinSpread, pct(row.worstThroughput), pct(row.worstLatency), `${(row.maxSpread * 100).toFixed(2)}%`, row.unsettled, row.images].join(' | ')} |`;
}

/** Per network, then a total per preset and side (worst changes include trades and drops within the spread). */
export function summaryTable(checks: readonly Check[]): string {
  const head = '| preset | side | network | checks | violations | trades kept | within spread | worst throughput | worst latency | max spread | a run not settled | images per stream |';
  const rule = '|---|---|---|---|---|---|---|---|---|---|---|---|';
  const rows: string[] = [];
  for (const [key, group] of groupBy(checks, (c) => `${c.preset}\t${c.side}\t${c.network}`)) rows.push(line(key.split('\t'), tally(group)));
  for (const [key, group] of groupBy(checks, (c) => `${c.preset}\t${c.side}`)) rows.push(line([...key.split('\t'), '**all**'], tally(group)));
  rows.push(line(['**all**', '', ''], tally(checks)));
  return [head, rule, ...rows].join('\n');
}
