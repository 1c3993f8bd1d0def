import { presetArch } from '../arch/presets';
import { checkNetwork, describeViolation, RELATIONS } from '../scripts/metamorphic/suite';
import { zoo } from './helpers/model-fixtures';

/*
 * A representative subset of the metamorphic suite (`npm run metamorphic` runs the whole zoo on both presets, model
 * and simulator): more of any resource never lowers throughput or raises latency by more than 0.5%.
 */
describe('metamorphic: more of a resource never makes a plan slower', () => {
  test.each([
    ['isaac', 'resnet18'], // replicated plan: 2x eDRAM packed layers onto one tile's digital unit, -17.6% before load-aware packing
    ['isaac', 'vgg16'], // -33.3% with 2x eDRAM before
    ['isaac', 'deit-s'], // -14.5% with 2x eDRAM (attention packed onto fewer digital units) before capacity-capped packings
    ['isaac', 'mobilenetv2'], // replicated plan -3.7% with 2x eDRAM before; +2.27% latency before packings were compared
    ['puma', 'mobilenetv2'],
    ['puma', 'resnet20'],
    ['puma', 'deit-tiny'], // 2x digital ops packed 100 tiles into 38 (-24.9%) before digital layers' port reads counted in packing
  ] as const)('model, %s %s: baseline and replicated plans, every relation', async (preset, name) => {
    const result = await checkNetwork(presetArch(preset), zoo(name), { sides: ['model'] });
    expect(result.checks).toBe(2 * RELATIONS.length);
    // No known exceptions: ISAAC MobileNetV2's replicated plan (+2.27% latency with 2x eDRAM) is held to the same
    // 0.5% since packings are compared by latency too (arch/packing-choice.ts).
    expect(result.violations.map(describeViolation)).toEqual([]);
  }, 30_000);

  test('simulator, ISAAC LeNet-5: baseline and replicated plans, every relation', async () => {
    const result = await checkNetwork(presetArch('isaac'), zoo('lenet5-mnist'), { sides: ['simulator'], images: 8 });
    expect(result.violations.map(describeViolation)).toEqual([]);
  }, 60_000);
});
