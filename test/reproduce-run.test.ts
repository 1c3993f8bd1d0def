import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { XMLValidator } from 'fast-xml-parser';
import { relaxedBottleneckCycles } from '../optimizer/replication/relaxation';
import { archForBaseline, reproduceCommand } from '../scripts/commands/reproduce';
import { presetArch } from '../arch/presets';
import { applySetOverride } from '../arch/overrides';
import { prepareModel, evaluateModel } from '../optimizer/model';
import type { LayerTable, ReplicationTables } from '../optimizer/replication';
import { MappingError } from '../errors';
import { zoo, uniformChoices } from './helpers/model-fixtures';

function layer(name: string, pixels: number, perMvmCycles: number, crossbarsPerReplica: number, floorCycles = 0): LayerTable {
  return { pos: 0, name, isFc: false, pixels, perMvmCycles, crossbarsPerReplica, floorCycles, latencyWeight: 0 };
}

describe('continuous-relaxation bound of replication', () => {
  test('two layers by hand: fractional replicas within 4 one-core replicas', () => {
    // A: 100 pixels x 10 cycles = 1000 cycles of work, B: 100; one core each per replica (16 crossbars / 16).
    // Cores at bottleneck T >= 100: 1000/T + 1 <= 4  =>  T = 1000/3 = 333.3 cycles.
    const tables: ReplicationTables = { layers: [layer('A', 100, 10, 16), layer('B', 10, 10, 16)], globalFloorCycles: 0, crossbarsPerCore: 16 };
    expect(relaxedBottleneckCycles(tables, 4)).toBeCloseTo(1000 / 3, 6);
    // The best integer answer, r_A = 3: ceil(100/3) x 10 = 340 >= the bound.
    expect(Math.ceil(100 / 3) * 10).toBeGreaterThanOrEqual(relaxedBottleneckCycles(tables, 4) ?? Infinity);
    // A data-movement floor above the relaxed optimum is the answer; a budget below r = 1 has none.
    expect(relaxedBottleneckCycles({ ...tables, layers: [layer('A', 100, 10, 16, 500), layer('B', 10, 10, 16)] }, 4)).toBe(500);
    expect(relaxedBottleneckCycles(tables, 1.5)).toBeUndefined();
  });
});

describe('lrmp reproduce', () => {
  test('a network whose 8-bit baseline does not fit gets just enough tiles (VGG-16 on PUMA)', () => {
    const arch = presetArch('puma');
    const net = zoo('vgg16');
    const base = uniformChoices(net);
    expect(() => evaluateModel(prepareModel(arch, net), base)).toThrow(MappingError);
    const sized = archForBaseline(arch, net);
    const tiles = sized.arch.chip.tiles;
    expect(tiles).toBeGreaterThan(arch.chip.tiles);
    expect(sized.note).toContain(`${tiles} tiles`);
    expect(evaluateModel(prepareModel(sized.arch, net), base).tilesUsed).toBe(tiles);
    // Minimal: one tile fewer does not hold it.
    const smaller = applySetOverride(arch, `chip.tiles=${tiles - 1}`);
    expect(() => evaluateModel(prepareModel(smaller, net), base)).toThrow(MappingError);
    // A network that fits keeps the preset untouched.
    expect(archForBaseline(arch, zoo('resnet18')).arch).toBe(arch);
  });

  test('writes results.csv and results.md: every variant at iso-area within the accuracy budget, published ranges beside', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-reproduce-'));
    try {
      const summary = await reproduceCommand({ networks: 'resnet20', episodes: 4, workers: 0, images: 1, out: dir, plots: path.join(dir, 'plots'), log: () => undefined });
      const rows = parse(fs.readFileSync(path.join(dir, 'results.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
      expect(rows.map((r) => r['variant'])).toEqual(expect.arrayContaining(['baseline', 'replication only', 'mixed precision only', 'LRMP (RL)']));
      expect(rows).toHaveLength(summary.rows.length);
      const base = rows.find((r) => r['variant'] === 'baseline') as Record<string, string>;
      expect(Number(base['throughputGain'])).toBe(1);
      expect(Number(base['latencyGain'])).toBe(1);
      for (const r of rows) {
        expect(Number(r['tilesUsed'])).toBeLessThanOrEqual(Number(base['tilesUsed'])); // iso-area
        expect(Number(r['accuracyDropPct'])).toBeLessThanOrEqual(1 + 1e-9);
        // Gains are ratios of the same row's figures to the baseline's: check them from the CSV itself.
        expect(Number(r['throughputGain'])).toBeCloseTo(Number(r['throughputImagesPerS']) / Number(base['throughputImagesPerS']), 6);
        if (r['relaxedBottleneckCycles'] !== '') expect(Number(r['relaxedBottleneckCycles'])).toBeLessThanOrEqual(Number(r['bottleneckCycles']) * (1 + 1e-9));
      }
      const md = fs.readFileSync(path.join(dir, 'results.md'), 'utf8');
      expect(md).toContain('2.6-9.3x');
      expect(md).toContain('8-18x');
      expect(md).toMatch(/\| resnet20 \| LRMP/);
      const svgs = summary.files.filter((f) => f.endsWith('.svg'));
      expect(svgs.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['resnet20-stage-times.svg', 'resnet20-variants.svg', 'improvement.svg']));
      for (const f of svgs) expect(XMLValidator.validate(fs.readFileSync(f, 'utf8'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('an unknown network fails before any work', async () => {
    await expect(reproduceCommand({ networks: 'resnet18,resnt50', out: os.tmpdir(), log: () => undefined })).rejects.toThrow(/resnt50/);
  });
});
