/**
 * The metamorphic script takes hours on the whole zoo, so its command line is checked before anything runs: a typo
 * or --help must not start the suite.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const SCRIPT = path.join(__dirname, '..', 'dist', 'scripts', 'metamorphic.js');
const run = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 20000 });

describe('metamorphic command line', () => {
  test('--help prints the usage and runs nothing', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^npm run metamorphic -- \[options\]/);
    expect(r.stdout).not.toMatch(/checks,/);
  });

  test.each([
    [['--network=resnet18'], /^metamorphic: unknown option '--network=resnet18'; allowed: .*--networks=\.\.\./],
    [['--networks=resnet18,resnet99'], /^metamorphic: --networks: 'resnet99' is not one of resnet18, /],
    [['--presets=isac'], /^metamorphic: --presets: 'isac' is not one of isaac, puma, xformer/],
    [['--plans=replicated'], /^metamorphic: --plans: 'replicated' is not one of baseline, replication only/],
    [['--relations=3,99'], /^metamorphic: --relations: '99' is not an index into the \d+ relations/],
    [['--out'], /^metamorphic: '--out' needs a value/],
    [['--model-only', '--from=/nonexistent/checks.jsonl'], /^metamorphic: --from: cannot read '\/nonexistent\/checks.jsonl'/],
  ])('%j: one line, exit 2, nothing run', (args, message) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
