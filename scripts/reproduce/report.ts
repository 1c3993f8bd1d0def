/**
 * The reproduction's outputs: rows per (network, variant) as CSV, and a Markdown report with the per-network
 * summary beside the published LRMP ranges, the full variant table, and the relaxation bound.
 */
import { stringify } from 'csv-stringify/sync';
import { CSV_CAST } from '../../csv-number';
import { formatNumber, timeUnitFor } from '../format/table';

export const PUBLISHED = {
  latency: { min: 2.6, max: 9.3 },
  throughput: { min: 8, max: 18 },
  accuracyDropPct: 1,
  source: 'Nallathambi et al., Frontiers in AI 7, 2024',
} as const;

export interface ReproduceRow {
  network: string;
  arch: string;
  /** Tiles of the chip used (the preset's, or more when the 8-bit baseline needs them). */
  chipTiles: number;
  variant: string;
  method: string;
  meanWbits: number;
  meanAbits: number;
  totalReplicas: number;
  bottleneckCycles: number;
  throughputImagesPerS: number;
  throughputGain: number;
  latencyMs: number;
  latencyGain: number;
  accuracyDropPct: number;
  areaMm2: number;
  tilesUsed: number;
  simThroughputImagesPerS?: number;
  simThroughputGain?: number;
  simLatencyGain?: number;
  /** Why there is no simulated figure (e.g. a deadlock report), if there is none. */
  simNote?: string;
  /** Continuous-relaxation bound of the bottleneck at this row's precisions and budget (replication rows). */
  relaxedBottleneckCycles?: number;
}

/** Per-network notes (a chip enlarged to hold the baseline, a network that failed). */
export interface NetworkNote {
  network: string;
  note: string;
}

export const CSV_COLUMNS: ReadonlyArray<keyof ReproduceRow> = [
  'network', 'arch', 'chipTiles', 'variant', 'method', 'meanWbits', 'meanAbits', 'totalReplicas', 'bottleneckCycles',
  'throughputImagesPerS', 'throughputGain', 'latencyMs', 'latencyGain', 'accuracyDropPct', 'areaMm2', 'tilesUsed',
  'simThroughputImagesPerS', 'simThroughputGain', 'simLatencyGain', 'simNote', 'relaxedBottleneckCycles',
];

export function resultsCsv(rows: readonly ReproduceRow[]): string {
  return stringify(
    rows.map((r) => CSV_COLUMNS.map((c) => {
      const v = r[c];
      return v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? '' : v;
    })),
    { header: true, columns: CSV_COLUMNS as string[], cast: CSV_CAST },
  );
}

const x = (v: number | undefined): string => (v === undefined ? '-' : `${v.toFixed(2)}x`);
const inRange = (v: number | undefined, r: { min: number; max: number }): string =>
  v === undefined ? '' : v < r.min ? ' (below)' : v > r.max ? ' (above)' : ' (inside)';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(header: readonly string[], body: ReadonlyArray<readonly string[]>): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

/** The row the optimizer chose as LRMP for a network (its simulated-confirmed choice). */
export function lrmpRow(rows: readonly ReproduceRow[], network: string, chosen: string): ReproduceRow | undefined {
  return rows.find((r) => r.network === network && r.variant === chosen) ?? rows.find((r) => r.network === network && r.variant.startsWith('LRMP'));
}

export interface ReportInput {
  rows: readonly ReproduceRow[];
  /** Network -> the variant the optimizer chose. */
  chosen: ReadonlyMap<string, string>;
  notes: readonly NetworkNote[];
  settings: string;
  wallS: number;
}

export function resultsMarkdown(input: ReportInput): string {
  const networks = [...new Set(input.rows.map((r) => r.network))];
  const lines: string[] = [
    '# LRMP reproduction',
    '',
    `Settings: ${input.settings}. Wall time ${input.wallS.toFixed(0)} s.`,
    '',
    `Published (${PUBLISHED.source}): ${PUBLISHED.latency.min}-${PUBLISHED.latency.max}x lower latency, ` +
      `${PUBLISHED.throughput.min}-${PUBLISHED.throughput.max}x higher throughput at iso-area, under ${PUBLISHED.accuracyDropPct}% accuracy loss.`,
    '',
    '## LRMP against the uniform 8-bit baseline (same area)',
    '',
  ];
  const summary = networks.map((n) => {
    const r = lrmpRow(input.rows, n, input.chosen.get(n) ?? '');
    const base = input.rows.find((b) => b.network === n && b.variant === 'baseline');
    if (r === undefined || base === undefined) return [n, '-', '-', '-', '-', '-', '-', '-'];
    return [
      n,
      r.variant,
      `${x(r.latencyGain)}${inRange(r.latencyGain, PUBLISHED.latency)}`,
      `${x(r.throughputGain)}${inRange(r.throughputGain, PUBLISHED.throughput)}`,
      `${x(r.simLatencyGain)} / ${x(r.simThroughputGain)}`,
      `${r.accuracyDropPct.toFixed(2)}${r.accuracyDropPct <= PUBLISHED.accuracyDropPct ? '' : ' (over budget)'}`,
      `${r.areaMm2.toFixed(1)} (baseline ${base.areaMm2.toFixed(1)})`,
      r.relaxedBottleneckCycles !== undefined ? `${((r.relaxedBottleneckCycles / r.bottleneckCycles) * 100).toFixed(1)}%` : '-',
    ];
  });
  lines.push(
    ...table(
      ['network', 'LRMP plan', 'latency gain (analytical)', 'throughput gain (analytical)', 'simulated latency / throughput gain', 'accuracy drop (pts, proxy)', 'area mm2', 'relaxation bound / bottleneck'],
      summary,
    ),
    '',
    `Published range: latency ${PUBLISHED.latency.min}-${PUBLISHED.latency.max}x, throughput ${PUBLISHED.throughput.min}-${PUBLISHED.throughput.max}x, accuracy drop < ${PUBLISHED.accuracyDropPct} pt. ` +
      '"relaxation bound / bottleneck" is the continuous-relaxation bound of the bottleneck stage time (fractional replicas, same bits and core budget) ' +
      'over the plan\'s bottleneck: 100% means no integer replication can do better. The bound keeps the replication tables\' data-movement floors ' +
      'but relaxes whole cores, whole replicas and the placement\'s eDRAM line-buffer space, so where tiles are filled for eDRAM rather than crossbars it is loose.',
    '',
    '## All variants',
    '',
  );
  const time = timeUnitFor(input.rows.map((r) => r.latencyMs / 1e3));
  const body = input.rows.map((r) => [
    r.network,
    r.variant,
    r.method,
    `${r.meanWbits.toFixed(2)}/${r.meanAbits.toFixed(2)}`,
    String(r.totalReplicas),
    r.throughputImagesPerS.toFixed(1),
    x(r.throughputGain),
    formatNumber((r.latencyMs / 1e3) * time.scale, 4),
    x(r.latencyGain),
    r.simThroughputImagesPerS !== undefined ? r.simThroughputImagesPerS.toFixed(1) : '-',
    `${x(r.simLatencyGain)} / ${x(r.simThroughputGain)}`,
    r.accuracyDropPct.toFixed(3),
    r.areaMm2.toFixed(1),
    String(r.tilesUsed),
    r.relaxedBottleneckCycles !== undefined ? `${((r.relaxedBottleneckCycles / r.bottleneckCycles) * 100).toFixed(1)}%` : '',
  ]);
  lines.push(
    ...table(
      ['network', 'variant', 'method', 'mean w/a bits', 'replicas', 'img/s', 'throughput gain', `latency ${time.unit}`, 'latency gain', 'sim img/s', 'sim latency / throughput gain', 'drop pts', 'area mm2', 'tiles', 'bound / bottleneck'],
      body,
    ),
  );
  const simNotes = input.rows.filter((r) => r.simNote !== undefined);
  if (input.notes.length > 0 || simNotes.length > 0) {
    lines.push('', '## Notes', '');
    for (const n of input.notes) lines.push(`- ${n.network}: ${n.note}`);
    for (const r of simNotes) lines.push(`- ${r.network} ${r.variant}: no simulated figure: ${(r.simNote ?? '').slice(0, 400)}`);
  }
  return `${lines.join('\n')}\n`;
}
