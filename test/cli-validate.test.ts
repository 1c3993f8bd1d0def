import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './helpers/run-cli';
import { fileInputShapes } from '../scripts/commands/file-input-shapes';
import { validateNetworkList } from '../scripts/commands/validate';
import { zooNames } from '../workloads/zoo';

// `lrmp validate` once printed nothing at all: --out has a default, so the terminal table was never reached.
describe('lrmp validate', () => {
  test('prints the table on the terminal and writes the CSV', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-validate-'));
    try {
      const out = path.join(dir, 'v.csv');
      const run = runCli(['validate', '--networks', 'lenet5-mnist', '--out', out]);
      expect(run.status).toBe(0);
      const lines = run.stdout.split('\n').filter((l) => l.startsWith('lenet5-mnist'));
      expect(lines.map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
        ['lenet5-mnist', 'baseline', 'preset', 'ok'],
        ['lenet5-mnist', 'replicated-mixed', 'preset', 'ok'],
      ]);
      expect(run.stderr).toContain(`written: ${out}`);
      const csv = fs.readFileSync(out, 'utf8').trim().split('\n');
      expect(csv).toHaveLength(3);
      expect(csv[0]).toMatch(/^network,plan,settings,status,/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // The whole zoo on a named chip once stopped at ViT-B/16 (its line buffers exceed PUMA's 64 KB tiles, exit 2):
  // the transformers run on their own preset unless named. (The list is checked here, not by validating the whole
  // CNN zoo on PUMA through the CLI: that run cost ~20 CPU s of the suite; the CLI path runs in the tests around.)
  test('on a named non-transformer chip, the default list leaves out the transformers and says so', () => {
    const transformers = ['vit-b16', 'deit-tiny', 'deit-s', 'bert-base', 'gpt2'];
    const puma = validateNetworkList({ arch: 'puma' });
    expect(puma.notice).toContain(`not run on this chip: ${transformers.join(', ')}`);
    expect(puma.names).toEqual(zooNames().filter((n) => !transformers.includes(n)));
    expect(puma.names).toContain('resnet18');
    expect(validateNetworkList({ arch: 'puma', networks: 'all' })).toEqual(puma);
    expect(validateNetworkList({ archFile: ['my-chip.json'] }).names).not.toContain('vit-b16');
    // Their own preset, no chip named, or networks named: nothing left out.
    expect(validateNetworkList({ arch: 'xformer' })).toEqual({ names: zooNames() });
    expect(validateNetworkList({})).toEqual({ names: zooNames() });
    expect(validateNetworkList({ arch: 'puma', networks: 'vit-b16, resnet18' })).toEqual({ names: ['vit-b16', 'resnet18'] });
  });
});

// `validate --networks a,a` ran `a` twice (session 18's fuzz notes); reproduce too. Refused before any work.
describe('a network named twice in --networks', () => {
  test('is refused with exit 2 by validate and reproduce, a file under two spellings too', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-twice-'));
    try {
      const twice = runCli(['validate', '--networks', 'lenet5-mnist,lenet5-mnist', '--out', path.join(dir, 'v.csv')]);
      expect(twice.status).toBe(2);
      expect(twice.stderr.trim()).toBe("lrmp: --networks is 'lenet5-mnist' twice; allowed: each network once.");
      expect(fs.existsSync(path.join(dir, 'v.csv'))).toBe(false);
      fs.copyFileSync(path.join(__dirname, 'fixtures', 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), path.join(dir, 'c.onnx'));
      const file = runCli(['validate', '--networks', 'c.onnx,./c.onnx', '--input-shape', '1x3x48x192', '--out', 'v.csv'], { cwd: dir });
      expect(file.status).toBe(2);
      expect(file.stderr).toContain("'c.onnx' and './c.onnx', the same file");
      const rep = runCli(['reproduce', '--networks', 'resnet20,resnet20', '--out', path.join(dir, 'rep')]);
      expect(rep.status).toBe(2);
      expect(rep.stderr).toContain("'resnet20' twice");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// One --input-shape cannot serve several ONNX files that need different shapes: FILE.onnx@entry scopes an entry.
describe('lrmp validate with several ONNX files', () => {
  const cls = path.join(__dirname, 'fixtures', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
  const mel = path.join(__dirname, 'fixtures', 'oww_melspectrogram.onnx');

  test('scoped entries go to their own file, unscoped ones to every file; unknown scopes are errors', () => {
    const s = fileInputShapes('sr:16000 ch_ppocr_mobile_v2.0_cls_infer.onnx@1x3x48x192 ' + `${mel}@1x1280`, [cls, mel]);
    expect(s.forFile(cls)).toBe('sr:16000 1x3x48x192');
    expect(s.forFile(mel)).toBe('sr:16000 1x1280');
    expect(s.unscoped).toBe(true);
    expect(fileInputShapes(undefined, [cls]).forFile(cls)).toBeUndefined();
    expect(() => fileInputShapes('other.onnx@1x3', [cls, mel])).toThrow(/'other.onnx@1x3', but 'other.onnx' is not an ONNX file of --networks.*FILE.onnx@entry/);
  });

  test('two files with their own shapes run; one shape for both stops with how to scope it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-validate-'));
    try {
      const out = path.join(dir, 'v.csv');
      const ok = runCli(['validate', '--networks', `${cls},${mel}`, '--input-shape', `${path.basename(cls)}@1x3x48x192 ${path.basename(mel)}@1x1280`, '--images', '2', '--out', out]);
      expect(ok.status).toBe(0);
      expect(fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split(',').slice(0, 4).join(','))).toEqual([
        'network,plan,settings,status',
        'ch_ppocr_mobile_v2.0_cls_infer,baseline,preset,ok',
        'ch_ppocr_mobile_v2.0_cls_infer,replicated-mixed,preset,ok',
        'oww_melspectrogram,baseline,preset,ok',
        'oww_melspectrogram,replicated-mixed,preset,ok',
      ]);
      const bad = runCli(['validate', '--networks', `${cls},${mel}`, '--input-shape', '1x3x48x192', '--images', '2', '--out', path.join(dir, 'w.csv')]);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain(mel);
      expect(bad.stderr).toContain('with several ONNX files, FILE.onnx@entry scopes an entry to one of several files');
      expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(fs.existsSync(path.join(dir, 'w.csv'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
