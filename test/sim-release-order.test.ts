import * as path from 'node:path';
import { loadInputs } from '../scripts/commands/inputs';
import { Engine } from '../sim/engine';
import { buildTopology } from '../sim/topology';

/*
 * A replica's step without pixels of its own (143 conv1 replicas for 112-pixel rows) is let go as soon as the
 * crossbars are free, while its previous job is still in shift-and-add. Input rows used to be released from a
 * per-unit cursor, so that early last step reset the cursor and the late job then set it past the next image's
 * rows: 6 replicas per tile never let image 1's rows go and the input stalled on a full eDRAM (`npm start`'s RL plans
 * for ResNet-18 on PUMA all deadlocked at cycle 231,812). Each step now lets go of its own range of rows.
 */
describe('simulator: input rows let go in any order of step completions', () => {
  test('ResNet-18 on PUMA with 143 conv1 replicas streams 4 images; every row of every channel is released exactly once', () => {
    const inputs = loadInputs({ network: 'resnet18', plan: path.join(__dirname, 'fixtures', 'resnet18-puma-zero-pixel-rows-plan.json') });
    const engine = new Engine(buildTopology(inputs.arch, inputs.net, inputs.choices), { images: 4 });
    engine.start();
    engine.env.run(Infinity, 1e8);
    engine.checkDeadlock();
    expect(engine.imagesDone).toBe(4);
    let rows = 0;
    for (const ch of engine.channels.values()) {
      // Every image retired (all its rows freed) and no reader count went below zero (a row released twice).
      expect(ch.lo).toBe(ch.hi);
      for (let q = 0; q < ch.refs.length; q++) expect(ch.refs[q]).toBeGreaterThanOrEqual(0);
      rows += ch.rows;
    }
    expect(rows).toBeGreaterThan(0);
  }, 60_000);
});
