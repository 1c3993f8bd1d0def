/**
 * The README's transformer table (ViT-B/16 and BERT-base, LRMP against the 8-bit baseline at iso-area, shares of
 * time, area and energy, MAC-array and rewritten-crossbar attention) is what scripts/transformer-table.ts computes
 * from the stored plans (docs/plans/) with the current code. When the model, the placement, the figures or the
 * proxy change, this fails: regenerate with `node dist/scripts/transformer-table.js --write` (and `--search` for
 * new plans).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readmeSection, renderTransformerTable, replaceSection, TABLE_CASES, planFile } from '../scripts/transformer-table';
import { readJsonFile } from '../io';
import { validatePlan } from '../arch/plan';

const root = path.resolve(__dirname, '..');

describe('README transformer table', () => {
  test('equals what the current code computes from the stored plans', async () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const section = readmeSection(readme);
    expect(section).toBeDefined();
    const body = await renderTransformerTable(root);
    expect(section).toBe(body.trim());
    // Writing it back changes nothing.
    expect(replaceSection(readme, body)).toBe(readme);
  }, 120_000);

  test('every stored plan is iso-area: made for the 8-bit baseline\'s chip', () => {
    for (const c of TABLE_CASES) {
      const file = planFile(root, c);
      const plan = validatePlan(readJsonFile(file), file);
      expect(plan.network).toBe(c.network);
      expect(plan.chip?.tiles).toBeGreaterThan(0);
    }
  });
});
