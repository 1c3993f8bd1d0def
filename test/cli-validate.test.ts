import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './helpers/run-cli';

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
  // the transformers run on their own preset unless named.
  test('on a named non-transformer chip, the default list leaves out the transformers and says so', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-validate-'));
    try {
      const run = runCli(['validate', '--arch', 'puma', '--images', '2', '--out', path.join(dir, 'v.csv')]);
      expect(run.status).toBe(0);
      expect(run.stderr).toContain('not run on this chip: vit-b16, deit-tiny, deit-s, bert-base, gpt2');
      expect(run.stdout).toMatch(/^resnet18\s+baseline\s+preset\s+ok/m);
      expect(run.stdout).not.toMatch(/^vit-b16/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
