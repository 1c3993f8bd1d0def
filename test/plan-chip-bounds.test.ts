import { validatePlan } from '../arch/plan';
import { ValidationError } from '../errors';

// A plan's chip replaces the architecture's chip.tiles, so it has the same bound: 1e12 tiles once reached an
// allocation ("Invalid typed array length", an internal error) instead of a clear error on the plan file.
describe('plan chip', () => {
  const plan = (tiles: unknown): unknown => ({ network: 'resnet18', arch: 'puma', chip: { tiles, areaBudgetMm2: 40 }, defaults: {}, layers: {} });

  test.each([0, 1.5, 1e12, 2 ** 20 + 1, '25'])('chip.tiles %p is refused naming the field and the range', (tiles) => {
    expect(() => validatePlan(plan(tiles), 'p.json')).toThrow(ValidationError);
    expect(() => validatePlan(plan(tiles), 'p.json')).toThrow(/p\.json: field 'chip\.tiles' .*allowed: an integer from 1 to 2\^20/);
  });

  test('the largest chip is accepted', () => {
    expect(validatePlan(plan(2 ** 20), 'p.json').chip?.tiles).toBe(2 ** 20);
  });
});
