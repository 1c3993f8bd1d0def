/**
 * The package entry point: `require('lrmp')` resolves through package.json's main to dist/index.js (built by
 * `npm test`'s tsc), and the README's script example runs against it unchanged, in a separate Node process.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

/** The first ```js block of the README's "Use from a script" section. */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use from a script'));
  const match = /```js\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('README.md: no js example under "## Use from a script"');
  return match[1];
}

describe('public API', () => {
  it('package.json main points at the built entry point, which exports what a script needs', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; types: string };
    expect(fs.existsSync(path.join(ROOT, pkg.main))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, pkg.types))).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const api = require(path.join(ROOT, pkg.main)) as Record<string, unknown>;
    for (const name of ['loadNetwork', 'resolveNetwork', 'loadArch', 'presetArch', 'baselineChoices', 'prepareModel', 'evaluateModel', 'simulate', 'optimize', 'proxyOracle', 'isLrmpError']) {
      expect([name, typeof api[name]]).toEqual([name, 'function']);
    }
  });

  it('a script inside the checkout requires the package by its name (package.json exports: self-reference)', () => {
    const code = "const l = require('lrmp'); console.log(typeof l.evaluateModel, require.resolve('lrmp'))";
    const out = execFileSync(process.execPath, ['-e', code], { cwd: ROOT, encoding: 'utf8' }).trim();
    expect(out).toBe(`function ${path.join(ROOT, 'dist', 'index.js')}`);
  });

  it('the README example runs with require(\'lrmp\') and prints the model, simulated and optimized figures', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-api-'));
    try {
      // A project of its own: without this package.json Node's self-reference would take the nearest one above
      // (a stray /tmp/package.json named lrmp made require('lrmp') resolve to /tmp/dist/index.js).
      fs.writeFileSync(path.join(dir, 'package.json'), '{"name": "lrmp-api-example", "private": true}\n');
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'lrmp'), 'dir');
      fs.writeFileSync(path.join(dir, 'example.js'), readmeExample());
      // About 18 CPU s: optimize confirms its rows by simulate's settle rule (16 images, and 64 where a plan does not
      // run at its busiest resource's bound: sim/settle.ts); minutes of wall time on a loaded machine.
      const out = execFileSync(process.execPath, ['example.js'], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
      const model = /^model ([\d.]+) img\/s, (\d+) cycles$/m.exec(out);
      const sim = /^sim ([\d.]+) img\/s$/m.exec(out);
      expect(model).not.toBeNull();
      expect(sim).not.toBeNull();
      const modelRate = Number(model?.[1]);
      const simRate = Number(sim?.[1]);
      expect(modelRate).toBeGreaterThan(0);
      // The simulator and the model agree within 10% on the baseline (the validate tolerance).
      expect(Math.abs(simRate - modelRate) / modelRate).toBeLessThan(0.1);
      expect(out).toMatch(/^chosen: \S.*\{/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 320_000);
});
