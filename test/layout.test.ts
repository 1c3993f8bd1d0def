import { applySetOverrides } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { flitsOfBits } from '../arch/routing';
import { planFromChoices, resolvePlan, validatePlan, type PlanChoices } from '../arch/plan';
import { ValidationError } from '../errors';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { computeTraffic } from '../optimizer/model/traffic';
import { layoutStep } from '../optimizer/layout/layout-step';
import { simulate } from '../sim';
import { buildTopology } from '../sim/topology';
import { resolveNetwork } from '../workloads/shapes';
import type { Network } from '../workloads/types';
import { zoo } from './helpers/model-fixtures';
import { RESNET50_RL1 } from './helpers/resnet50-rl1-plan';
import { thrown } from './helpers/thrown';
import { runCli } from './helpers/run-cli';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A residual block worked out by hand: 1x1 convs a -> b -> c (8 channels, 4x4) and y = c + a (the add fused into c,
 * rule 5), each conv on one core, on tiles of 2 cores, one tile per router.
 */
function residualToy(): Network {
  const conv = (name: string, input: string) => ({
    kind: 'conv' as const, name, inputs: [input], outChannels: 8, kernel: [1, 1] as [number, number], stride: [1, 1] as [number, number],
    pad: [0, 0, 0, 0] as [number, number, number, number], dilation: [1, 1] as [number, number], groups: 1, bias: false,
  });
  return {
    name: 'residual-toy',
    input: { channels: 8, height: 4, width: 4 },
    layers: [conv('a', 'input'), conv('b', 'a'), conv('c', 'b'), { kind: 'eltwise', op: 'add', name: 'y', inputs: ['c', 'a'] }],
  };
}

const toyArch = applySetOverrides(presetArch('puma'), ['tile.cores=2', 'noc.concentration=1', 'chip.tiles=4']);
const toyNet = resolveNetwork(residualToy());
const toyChoices: PlanChoices = { wbits: [8, 8, 8], abits: [8, 8, 8], replicas: [1, 1, 1] };

describe('layout (PlanChoices.skipCores)', () => {
  it('starting b a core later removes a copy from tile 0 (counted by hand)', () => {
    const ctx = prepareModel(toyArch, toyNet);
    const names = toyNet.layers.map((l) => l.layer.name);
    // One 4x8 row at 8 bits: 256 bits; 4 rows a tensor.
    const copyFlits = 4 * flitsOfBits(toyArch, 4 * 8 * 8);
    const packed = evaluateModel(ctx, toyChoices);
    // Packed: a core 0 and b core 1 on tile 0, c core 2 on tile 1. a's tensor goes to b (tile 0) and to y on c's
    // tile 1, b's to c on tile 1: two copies leave tile 0.
    expect(packed.placement.weighted.map((w) => w.firstCore)).toEqual([0, 1, 2]);
    expect(packed.placement.layerTiles[names.indexOf('y')]).toEqual([1]);
    expect(computeTraffic(ctx, packed.placement, toyChoices.abits).injectFlits[0]).toBe(2 * copyFlits);
    // b one core later: a core 0 on tile 0, b core 2 and c core 3 on tile 1. a's one copy to tile 1 serves b and y;
    // b's tensor stays on tile 1: one copy leaves tile 0, none tile 1.
    const laid = evaluateModel(ctx, { ...toyChoices, skipCores: [0, 1, 0] });
    expect(laid.placement.weighted.map((w) => w.firstCore)).toEqual([0, 2, 3]);
    const traffic = computeTraffic(ctx, laid.placement, toyChoices.abits);
    expect(traffic.injectFlits[0]).toBe(copyFlits);
    expect(traffic.injectFlits[1]).toBe(0);
  });

  it('a plan file carries the layout, and the simulator places the plan where the model does', () => {
    const choices: PlanChoices = { ...toyChoices, skipCores: [0, 1, 0] };
    const text = JSON.stringify(planFromChoices('residual-toy', 'puma', toyNet, choices, { tiles: 4, areaBudgetMm2: 0 }));
    expect(JSON.parse(text).layers.b).toEqual({ skipCores: 1 });
    const back = resolvePlan(validatePlan(JSON.parse(text), 'toy.json'), toyNet, 'toy.json');
    expect(back.skipCores).toEqual([0, 1, 0]);
    const model = evaluateModel(prepareModel(toyArch, toyNet), back);
    const sim = buildTopology(toyArch, toyNet, back);
    expect(sim.placement.weighted.map((w) => w.firstCore)).toEqual(model.placement.weighted.map((w) => w.firstCore));
    expect(sim.placement.layerTiles).toEqual(model.placement.layerTiles);
    // No layout: no skipCores in the file or the choices.
    const plain = resolvePlan(validatePlan(JSON.parse(JSON.stringify(planFromChoices('residual-toy', 'puma', toyNet, toyChoices))), 'p.json'), toyNet, 'p.json');
    expect(plain.skipCores).toBeUndefined();
  });

  it('simulate --plan runs a plan file with a layout at the model figures of that layout; a bad skipCores exits 2', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-layout-'));
    const netFile = path.join(dir, 'toy.json');
    fs.writeFileSync(netFile, JSON.stringify(residualToy()));
    const choices: PlanChoices = { ...toyChoices, skipCores: [0, 1, 0] };
    const planFile = path.join(dir, 'plan.json');
    fs.writeFileSync(planFile, JSON.stringify(planFromChoices('residual-toy', 'puma', toyNet, choices, { tiles: 4, areaBudgetMm2: 0 })));
    const sets = ['--set', 'tile.cores=2', '--set', 'noc.concentration=1'];
    const run = runCli(['simulate', '-n', netFile, '-a', 'puma', ...sets, '--plan', planFile, '--images', '4', '-f', 'json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as { analytical: { bottleneckCycles: number; latencyCycles: number } };
    const model = evaluateModel(prepareModel(toyArch, toyNet), choices);
    expect(out.analytical.bottleneckCycles).toBe(model.bottleneckCycles);
    expect(out.analytical.latencyCycles).toBe(model.latencyCycles);
    const badFile = path.join(dir, 'bad.json');
    fs.writeFileSync(badFile, JSON.stringify({ network: 'residual-toy', arch: 'puma', layers: { b: { skipCores: -1 } } }));
    const bad = runCli(['simulate', '-n', netFile, '-a', 'puma', ...sets, '--plan', badFile, '--images', '4']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/layers\.b\.skipCores/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a skipCores that is not a whole number of cores', () => {
    const doc = { network: 'residual-toy', arch: 'puma', layers: { b: { skipCores: -1 } } };
    expect(thrown(() => validatePlan(doc, 'bad.json'))).toBeInstanceOf(ValidationError);
    expect(thrown(() => validatePlan({ ...doc, layers: { b: { skipCores: 1.5 } } }, 'bad.json')).message).toMatch(/layers\.b\.skipCores/);
  });

  it('the API refuses a skipCores that is not one whole number of cores >= 0 per weighted layer (model and simulator)', () => {
    const ctx = prepareModel(toyArch, toyNet);
    const cases: Array<[number[], RegExp]> = [
      [[0, -1, 0], /field 'skipCores\[1\]' is -1/],
      [[0, 0.5, 0], /field 'skipCores\[1\]' is 0\.5/],
      [[0, 0, NaN], /field 'skipCores\[2\]' is NaN/],
      [[0, 1], /field 'skipCores' is a list of 2 entries; allowed: one entry per weighted layer \(3\)/],
    ];
    for (const [skipCores, message] of cases) {
      const choices = { ...toyChoices, skipCores };
      const e = thrown(() => evaluateModel(ctx, choices));
      expect(e).toBeInstanceOf(ValidationError);
      expect(e.message).toMatch(message);
      expect(thrown(() => buildTopology(toyArch, toyNet, choices))).toBeInstanceOf(ValidationError);
    }
  });

  it('a layout past the chip names and counts the cores it leaves empty', () => {
    const ctx = prepareModel(toyArch, toyNet);
    // a core 0, b core 1 (frontier 2); 7 cores left empty: c on core 9, tile 4 of a 4-tile chip: 5 tiles of 2 cores.
    // The same 7 cores split 3 + 4 before b and c: b on core 4, c on 4 + 1 + 4 = 9.
    for (const skipCores of [[0, 0, 7], [0, 3, 4]]) {
      const e = thrown(() => evaluateModel(ctx, { ...toyChoices, skipCores }));
      expect(e.message).toMatch(/needs 5 tiles \(3 cores of 2 per tile and 7 cores the plan's layout leaves empty before its layers \(skipCores\),/);
      expect(e.message).toMatch(/Leave fewer cores empty \(skipCores\), lower the precision/);
    }
    // Without a layout the message is as before.
    const oneTile = prepareModel(applySetOverrides(toyArch, ['chip.tiles=1']), toyNet);
    const e = thrown(() => evaluateModel(oneTile, toyChoices));
    expect(e.message).toMatch(/needs 2 tiles \(3 cores of 2 per tile, /);
    expect(e.message).not.toMatch(/skipCores/);
  });

  it('the layout step is deterministic, never worse by the full model, and the simulator runs its layout at the model figure', async () => {
    // ResNet-50's RL seed 1 plan of the search study (PUMA at iso-area: 63 tiles, 504 cores; docs/validation.md s91).
    const net = zoo('resnet50');
    const arch = { ...presetArch('puma'), chip: { ...presetArch('puma').chip, tiles: 63 } };
    const ctx = prepareModel(arch, net);
    const plan = resolvePlan(validatePlan(RESNET50_RL1, 'rl1'), net, 'rl1');
    const model = evaluateModel(ctx, plan);
    // Simulated 196,000 too (docs/validation.md s91).
    expect(model.bottleneckCycles).toBe(196000);
    const spec = { kind: 'throughput' as const, mixWeight: 0.5, refBottleneckCycles: 1, refLatencyProxyCycles: 1 };
    const a = layoutStep(ctx, plan, model, 504, spec, 1);
    const b = layoutStep(ctx, plan, model, 504, spec, 1);
    expect(b.choices).toEqual(a.choices);
    expect(a.model.bottleneckCycles).toBeLessThanOrEqual(model.bottleneckCycles);
    // The layout kept runs at its compute target by the model (compute-bound), on no more cores than the budget.
    expect(a.targetCycles).toBeDefined();
    expect(a.model.bottleneckCycles).toBeCloseTo(a.targetCycles ?? NaN, 6);
    expect(a.model.coresUsed).toBeLessThanOrEqual(504);
    // A second method: the simulator places the layout as the model does and runs it at the model's interval
    // (docs/validation.md s91: 157,204 simulated against 157,200).
    const sim = await simulate(arch, net, a.choices, { images: 16, loneLatency: false });
    expect(Math.abs(sim.intervalCycles / a.model.bottleneckCycles - 1)).toBeLessThan(0.005);
    expect(sim.intervalCycles).toBeLessThan(model.bottleneckCycles * 0.85);
  });
});
