/**
 * A plan carries the architecture it was made for: without --arch it runs on that preset (with its chip), with
 * another architecture it is refused (its replicas and chip tiles were sized for the other chip's crossbars and
 * area), and editing the plan's "arch" is the explicit way to apply its bits and replicas elsewhere.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PlanError } from '../errors';
import { presetArch } from '../arch/presets';
import { loadInputs, withPlan } from '../scripts/commands/inputs';
import { runCli } from './helpers/run-cli';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-plan-arch-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function planFile(arch: string, chip?: { tiles: number; areaBudgetMm2: number }): string {
  const file = path.join(dir, `${arch}-${chip?.tiles ?? 0}.plan.json`);
  const plan = { network: 'lenet5-mnist', arch, ...(chip ? { chip } : {}), defaults: { wbits: 8, abits: 8, replicas: 1 }, layers: { conv1: { replicas: 12 } } };
  fs.writeFileSync(file, JSON.stringify(plan));
  return file;
}

describe('a plan and the architecture it was made for', () => {
  test('an ISAAC plan with --arch puma is refused, naming both and the ways forward', () => {
    const plan = planFile('isaac', { tiles: 3, areaBudgetMm2: 60 });
    expect(() => loadInputs({ network: 'lenet5-mnist', arch: 'puma', plan })).toThrow(PlanError);
    expect(() => loadInputs({ network: 'lenet5-mnist', arch: 'puma', plan })).toThrow(
      /made for architecture 'isaac', not 'puma'.*--arch isaac.*set the plan's "arch" to "puma"/s,
    );
    // A queued sweep point goes through the same check.
    const loaded = loadInputs({ network: 'lenet5-mnist', arch: 'isaac', plan });
    expect(() => withPlan(presetArch('puma'), loaded.net, loaded.plan, 'job plan', {})).toThrow(/made for architecture 'isaac', not 'puma'/);
    const run = runCli(['simulate', '--network', 'lenet5-mnist', '--arch', 'puma', '--plan', plan, '--images', '1']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/made for architecture 'isaac'/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  test('without --arch the plan runs on its own preset and chip; --arch isaac is the same', () => {
    const plan = planFile('isaac', { tiles: 3, areaBudgetMm2: 60 });
    const implicit = loadInputs({ network: 'lenet5-mnist', plan });
    expect(implicit.arch.name).toBe('isaac');
    expect(implicit.arch.chip.tiles).toBe(3);
    expect(implicit.choices.replicas[0]).toBe(12);
    const explicit = loadInputs({ network: 'lenet5-mnist', arch: 'isaac', plan });
    expect(explicit.arch).toEqual(implicit.arch);
  });

  test("a plan made for an architecture file names it as one (not as a preset to pass to --arch)", () => {
    expect(() => loadInputs({ network: 'lenet5-mnist', arch: 'puma', plan: planFile('my-chip') })).toThrow(
      /made for architecture 'my-chip', not 'puma'.*Run it with --arch and the architecture file whose name is 'my-chip'/s,
    );
    // Without --arch there is no preset to take: the default architecture, and the same refusal.
    expect(() => loadInputs({ network: 'lenet5-mnist', plan: planFile('my-chip') })).toThrow(/made for architecture 'my-chip', not 'puma'/);
  });

  test('a plan edited to name puma applies its bits and replicas to puma', () => {
    const inputs = loadInputs({ network: 'lenet5-mnist', arch: 'puma', plan: planFile('puma') });
    expect(inputs.arch.name).toBe('puma');
    expect(inputs.choices.replicas[0]).toBe(12);
  });
});
