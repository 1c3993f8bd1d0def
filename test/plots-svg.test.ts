import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { improvementPlot, stageTimePlot, sweepPlot, timelinePlot, fieldAxisTitle, niceTicks, formatTick, formatTicks } from '../scripts/plots';
import { simulate } from '../sim';
import { resolveNetwork } from '../workloads/shapes';
import { presetArch } from '../arch/presets';
import { twoConvChain, uniformChoices } from './helpers/model-fixtures';
import { InputFileError } from '../errors';

type Node = Record<string, unknown>;

/** All elements named `tag` anywhere under `node` (fast-xml-parser's preserveOrder tree). */
function findAll(nodes: Node[], tag: string): Node[] {
  const found: Node[] = [];
  for (const node of nodes) {
    for (const [key, value] of Object.entries(node)) {
      if (key === ':@') continue;
      if (key === tag) found.push(node);
      if (Array.isArray(value)) found.push(...findAll(value as Node[], tag));
    }
  }
  return found;
}

function textOf(node: Node): string {
  const children = Object.entries(node).find(([k]) => k !== ':@')?.[1];
  return Array.isArray(children) ? children.map((c: Node) => String(c['#text'] ?? '')).join('') : '';
}

function attrs(node: Node): Record<string, string> {
  return (node[':@'] ?? {}) as Record<string, string>;
}

/** Checks an SVG document: well-formed XML, <svg> root with positive width/height, a title, axis titles with units. */
function checkSvg(svg: string): { tree: Node[]; axisTitles: string[] } {
  expect(XMLValidator.validate(svg)).toBe(true);
  const tree = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg) as Node[];
  const roots = tree.filter((n) => !('?xml' in n));
  expect(roots).toHaveLength(1);
  const root = roots[0] as Node;
  expect(Object.keys(root).filter((k) => k !== ':@')).toEqual(['svg']);
  const { width, height, viewBox } = attrs(root);
  expect(Number(width)).toBeGreaterThan(100);
  expect(Number(height)).toBeGreaterThan(100);
  expect(viewBox).toBe(`0 0 ${width} ${height}`);
  expect(textOf(findAll(tree, 'title')[0] ?? {}).length).toBeGreaterThan(5);
  const axisTitles = findAll(tree, 'text').filter((t) => attrs(t)['class'] === 'axis-title').map(textOf);
  expect(axisTitles).toHaveLength(2);
  for (const title of axisTitles) expect(title).toMatch(/\(.*\S.*\)/); // a unit in parentheses
  return { tree, axisTitles };
}

describe('plot primitives', () => {
  test('ticks are 1-2-5 steps covering the data; labels use SI suffixes', () => {
    expect(niceTicks(0, 9.3)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 18)).toEqual([0, 5, 10, 15, 20]);
    expect(niceTicks(40, 192)).toEqual([0, 50, 100, 150, 200]);
    expect(formatTick(12_544_000)).toBe('12.5M');
    expect(formatTick(2.5)).toBe('2.5');
    expect(formatTick(0)).toBe('0');
  });

  test('axis labels resolve a narrow range: ticks never read the same', () => {
    expect(formatTicks([13.4, 13.402, 13.404, 13.406])).toEqual(['13.400', '13.402', '13.404', '13.406']);
    expect(formatTicks([0, 5e6, 10e6, 15e6])).toEqual(['0', '5M', '10M', '15M']);
    expect(formatTicks([1_000_000, 1_000_500, 1_001_000])).toEqual(['1.0000M', '1.0005M', '1.0010M']);
    expect(formatTicks([0, 0.5, 1])).toEqual(['0', '0.5', '1.0']);
    // A sweep whose latency varies by 0.05%: every y tick label is distinct.
    const rows = [1, 2, 3, 4].map((k) => ({ 'noc.flitBits': String(16 * k), latency_ms: String(13.4 + 0.0022 * k), error: '' }));
    const svg = sweepPlot(rows, 'noc.flitBits', { column: 'latency_ms', label: 'latency (ms)' }, []);
    const { tree } = checkSvg(svg);
    const yAxis = findAll(tree, 'g').find((g) => attrs(g)['class'] === 'axis axis-y');
    const labels = findAll([yAxis ?? {}], 'text').filter((t) => attrs(t)['class'] !== 'axis-title').map(textOf);
    expect(labels.length).toBeGreaterThanOrEqual(3);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels.map(Number)).toEqual([13.402, 13.404, 13.406, 13.408, 13.41]);
    expect(svg).toContain(">13.410</text>"); // the parser above reads labels as numbers; the file keeps the digits
  });

  test('field axis titles carry the unit in the field name, counts otherwise', () => {
    expect(fieldAxisTitle('crossbar.rows')).toBe('crossbar.rows (count)');
    expect(fieldAxisTitle('adc.bits')).toBe('adc.bits (bits)');
    expect(fieldAxisTitle('adc.sampleRateGsps')).toBe('adc.sampleRateGsps (GS/s)');
    expect(fieldAxisTitle('tile.edram.capacityKb')).toBe('tile.edram.capacityKb (KB)');
    expect(fieldAxisTitle('noc.routerLatencyCycles')).toBe('noc.routerLatencyCycles (cycles)');
  });
});

describe('SVG plots', () => {
  test('stage time before/after: two bars per layer, log axis, names escaped', () => {
    const svg = stageTimePlot([
      { name: 'conv1', beforeCycles: 12_544_000, afterCycles: 784_000 },
      { name: 'fc<&>', beforeCycles: 21_000, afterCycles: 14_000 },
    ]);
    const { tree, axisTitles } = checkSvg(svg);
    expect(axisTitles.join(' ')).toMatch(/cycles/);
    const bars = findAll(tree, 'rect').filter((r) => findAll([r], 'title').length > 0);
    expect(bars).toHaveLength(4);
    // On a log axis the 16x shorter stage (12 544 000 / 784 000) is log10(16) decades lower: ratio of heights
    // above the 10k floor = log10(784000/1e4) / log10(12544000/1e4).
    const heights = bars.map((b) => Number(attrs(b)['height']));
    const ratio = (heights[2] ?? 0) / (heights[0] ?? 1); // series by series: conv1 before, fc before, conv1 after, ...
    expect(ratio).toBeCloseTo(Math.log10(78.4) / Math.log10(1254.4), 2);
    expect(svg).toContain('fc&lt;&amp;&gt;');
  });

  test('improvement per benchmark: grouped latency/throughput bars with the published ranges', () => {
    const svg = improvementPlot([
      { network: 'resnet18', latencyImprovement: 3.2, throughputImprovement: 11.5 },
      { network: 'vgg16', latencyImprovement: 5, throughputImprovement: 14 },
    ]);
    const { tree, axisTitles } = checkSvg(svg);
    expect(axisTitles[0]).toMatch(/\(x/);
    expect(svg).toContain('2.6-9.3x');
    expect(svg).toContain('8-18x');
    expect(findAll(tree, 'rect').filter((r) => attrs(r)['class'] === 'band')).toHaveLength(2);
  });

  test('sweep metric vs a varied parameter: one line per other value, error rows left out', () => {
    const rows = [
      { 'crossbar.rows': '64', 'adc.bits': '6', throughput_images_per_s: '40', error: '' },
      { 'crossbar.rows': '128', 'adc.bits': '6', throughput_images_per_s: '80', error: '' },
      { 'crossbar.rows': '64', 'adc.bits': '8', throughput_images_per_s: '30', error: '' },
      { 'crossbar.rows': '128', 'adc.bits': '8', throughput_images_per_s: '', error: 'MappingError: does not fit' },
    ];
    const svg = sweepPlot(rows, 'crossbar.rows', { column: 'throughput_images_per_s', label: 'throughput (images/s)' }, ['adc.bits']);
    const { tree, axisTitles } = checkSvg(svg);
    expect(axisTitles).toEqual(['throughput (images/s)', 'crossbar.rows (count)']);
    expect(findAll(tree, 'circle')).toHaveLength(3);
    expect(findAll(tree, 'path')).toHaveLength(1); // adc.bits=8 has one point left: no line
  });

  test('pipeline timeline from a simulator trace: one lane per layer in pipeline order, bars within the run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-plot-'));
    try {
      const net = resolveNetwork(twoConvChain());
      const trace = path.join(dir, 'trace.csv');
      await simulate(presetArch('puma'), net, uniformChoices(net), { images: 2, traceFile: trace });
      const svg = await timelinePlot(trace);
      const { tree, axisTitles } = checkSvg(svg);
      expect(axisTitles).toEqual(['layer (by first start)', 'time (cycles)']);
      const labels = findAll(tree, 'text').map(textOf);
      expect(labels.indexOf('a')).toBeGreaterThanOrEqual(0);
      expect(labels.indexOf('a')).toBeLessThan(labels.indexOf('b'));
      expect(labels).toEqual(expect.arrayContaining(['image 0', 'image 1']));
      const marks = findAll(tree, 'g').find((g) => attrs(g)['class'] === 'marks') as Node;
      expect(findAll([marks], 'rect').length).toBeGreaterThanOrEqual(4); // 2 layers x 2 images at least
      await expect(timelinePlot(path.join(dir, 'missing.csv'))).rejects.toThrow(InputFileError);
      fs.writeFileSync(path.join(dir, 'other.csv'), 'a,b\n1,2\n');
      await expect(timelinePlot(path.join(dir, 'other.csv'))).rejects.toThrow(/not a simulator trace/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
