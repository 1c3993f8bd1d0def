/**
 * Each hardware rule both the analytical model and the simulator apply lives once in arch/. Two kinds of check:
 * - behaviour: on uniform r = 1 plans the model and the simulator count the same NoC flit-hops, eDRAM accesses,
 *   digital ops and off-chip bits, so their count-based energies agree exactly; changing the parameter a rule reads
 *   (header flits, eDRAM access width, mesh concentration, energy per unit) moves both sides by the same amount;
 *   the shift-and-add cycles each side uses equal the arch function's;
 * - source: both sides import the rule from its arch module, and no file of sim/ or optimizer/ holds its formula.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { presetArch } from '../arch/presets';
import { edramEnergyPj, nocEnergyPj, type EnergyBreakdownPj } from '../arch/energy';
import { flitsOfBits, xyRouteLinks, meshLinkId } from '../arch/routing';
import { accumulatesRows, stepsPerImage } from '../arch/steps';
import { edramAccesses, shiftAddCyclesPerMvm, shiftAddDrainCycles } from '../arch/timing';
import type { ArchSpec } from '../arch/types';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { simulate } from '../sim';
import { Engine } from '../sim/engine';
import { buildTopology } from '../sim/topology';
import type { PoolLayer } from '../workloads/types';
import { uniformChoices, zoo } from './helpers/model-fixtures';

const ROOT = path.join(__dirname, '..');
const COUNTED: ReadonlyArray<keyof EnergyBreakdownPj> = ['edram', 'noc', 'digital', 'offChip'];

/** Per-image count-based energies of the model and of a 2-image simulation. */
async function countedEnergies(arch: ArchSpec, name: string): Promise<{ model: EnergyBreakdownPj; sim: EnergyBreakdownPj; simFlitHops: number }> {
  const net = zoo(name);
  const choices = uniformChoices(net);
  const model = evaluateModel(prepareModel(arch, net), choices).energyBreakdownPj;
  const run = await simulate(arch, net, choices, { images: 2 });
  const sim = { ...run.energyPj };
  for (const k of COUNTED) sim[k] /= 2;
  return { model, sim, simFlitHops: run.noc.flitHops / 2 };
}

function withNoc(arch: ArchSpec, noc: Partial<ArchSpec['noc']>): ArchSpec {
  return { ...arch, noc: { ...arch.noc, ...noc } };
}

describe('shared rules: the model and the simulator count alike', () => {
  const puma = presetArch('puma');
  const variants: Array<[string, ArchSpec]> = [
    ['PUMA', puma],
    ['3 header flits, 128-bit packets', withNoc(puma, { headerFlits: 3, packetPayloadBits: 128 })],
    ['one tile per router', withNoc(puma, { concentration: 1 })],
    ['64-bit eDRAM accesses', { ...puma, tile: { ...puma.tile, edram: { ...puma.tile.edram, accessBits: 64 } } }],
  ];

  it.each(['lenet5-mnist', 'resnet20'])('%s: NoC, eDRAM, digital and off-chip energy agree under every rule variant', async (name) => {
    const base = await countedEnergies(puma, name);
    for (const [label, arch] of variants) {
      const { model, sim, simFlitHops } = await countedEnergies(arch, name);
      for (const k of COUNTED) {
        expect([label, k, sim[k]]).toEqual([label, k, expect.closeTo(model[k], 6)]);
      }
      // The simulator's NoC energy is the arch rule applied to its own flit-hop count.
      expect(sim.noc).toBeCloseTo(nocEnergyPj(arch, simFlitHops), 6);
    }
    // Each variant moved the figure its rule governs (on both sides, by the agreement above).
    const noc = (await countedEnergies(variants[1]![1], name)).model.noc;
    expect(noc).toBeGreaterThan(base.model.noc);
    const edram = (await countedEnergies(variants[3]![1], name)).model.edram;
    expect(edram).toBeGreaterThan(base.model.edram);
  });

  it('energy per unit: scaling each energy parameter scales the component on both sides', async () => {
    const arch: ArchSpec = {
      ...puma,
      tile: { ...puma.tile, edram: { ...puma.tile.edram, energyPjPerAccess: puma.tile.edram.energyPjPerAccess * 2 }, digital: { ...puma.tile.digital, energyPjPerOp: puma.tile.digital.energyPjPerOp * 2 } },
      noc: { ...puma.noc, router: { ...puma.noc.router, energyPjPerFlit: puma.noc.router.energyPjPerFlit * 2 } },
      offChip: { ...puma.offChip, energyPjPerBit: puma.offChip.energyPjPerBit * 2 },
    };
    const base = await countedEnergies(puma, 'lenet5-mnist');
    const doubled = await countedEnergies(arch, 'lenet5-mnist');
    for (const k of COUNTED) {
      expect(doubled.model[k]).toBeCloseTo(2 * base.model[k], 6);
      expect(doubled.sim[k]).toBeCloseTo(2 * base.sim[k], 6);
    }
    expect(edramEnergyPj(arch, 10)).toBe(20 * puma.tile.edram.energyPjPerAccess);
  });

  it('shift-and-add: the simulator\'s units and the model\'s stage term use the arch rule', () => {
    const arch: ArchSpec = { ...puma, shiftAdd: { ...puma.shiftAdd, addsPerCycle: 0.25 } };
    const net = zoo('resnet20');
    const choices = uniformChoices(net);
    const topo = buildTopology(arch, net, choices);
    const engine = new Engine(topo, { images: 1 });
    const model = evaluateModel(prepareModel(arch, net), choices);
    let replicas = 0;
    for (const u of engine.units) {
      if (u.kind !== 'replica') continue;
      const m = u.layer.mapping;
      if (m === undefined) throw new Error('a replica without a mapping');
      replicas++;
      // The replica's shift-and-add units take S steps of shiftAddCyclesPerMvm / S each per MVM.
      expect(u.compute.shiftAdd.stepCycles * u.compute.steps).toBeCloseTo(shiftAddCyclesPerMvm(arch, m), 9);
      const stage = model.layers.find((s) => s.name === u.layer.name);
      const mvms = u.layer.kind === 'fc' ? 1 : m.outputPixels;
      expect(stage?.shiftAddCycles).toBe(mvms * shiftAddCyclesPerMvm(arch, m));
    }
    expect(replicas).toBe(net.weightedIndices.length);
    // By hand: 1152 adds over 2 crossbars x 1 unit x 0.25 adds/cycle = 2304 cycles; the last of 8 streamed bits, 288.
    const m = { crossbarsPerReplica: 2, reductionAddsPerMvm: 1152, abits: 8 };
    const oneUnit: ArchSpec = { ...arch, shiftAdd: { ...arch.shiftAdd, perCrossbar: 1 }, dac: { ...arch.dac, bits: 1 } };
    expect(shiftAddCyclesPerMvm(oneUnit, m)).toBe(2304);
    expect(shiftAddDrainCycles(oneUnit, m)).toBe(288);
  });

  it('by hand: flits, XY links, whole eDRAM accesses and global-pool steps', () => {
    const arch = withNoc(puma, { flitBits: 32, packetPayloadBits: 512, headerFlits: 1 });
    expect(flitsOfBits(arch, 0)).toBe(0);
    expect(flitsOfBits(arch, 32)).toBe(2); // 1 payload + 1 header
    expect(flitsOfBits(arch, 1000)).toBe(32 + 2); // ceil(1000/32) = 32 payload, 2 packets
    const links: number[] = [];
    // Router (0,0) to (2,1) on a 3-wide mesh: +x twice from routers 0 and 1, then +y from router 2.
    expect(xyRouteLinks(3, 0, 0, 2, 1, links, 0)).toBe(3);
    expect(links).toEqual([meshLinkId(3, 0, 0, 0), meshLinkId(3, 1, 0, 0), meshLinkId(3, 2, 0, 2)]);
    expect(links).toEqual([0, 4, 10]);
    expect(edramAccesses(puma, puma.tile.edram.accessBits + 1)).toBe(2);
    const globalPool: PoolLayer = { kind: 'pool', name: 'gap', inputs: [], op: 'avg', kernel: [8, 8], stride: [1, 1], pad: [0, 0, 0, 0], global: true, ceilMode: false };
    expect(accumulatesRows(globalPool)).toBe(true);
    expect(stepsPerImage(globalPool, 1, 8)).toBe(8);
    expect(stepsPerImage({ ...globalPool, global: false }, 1, 8)).toBe(1);
  });
});

describe('shared rules: one implementation, imported by both sides', () => {
  const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
  const sources = (dir: string): string[] =>
    fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));

  /** rule, its arch module, the names each side must import from it, and the files that must import them. */
  const RULES: Array<{ rule: string; module: string; users: Array<[string, string]>; formula: RegExp }> = [
    { rule: 'flits per transfer', module: 'arch/routing', users: [['sim/transfers.ts', 'flitsOfBits'], ['optimizer/model/traffic.ts', 'flitsOfBits'], ['optimizer/model/latency-terms.ts', 'flitsOfBits']], formula: /packetPayloadBits/ },
    { rule: 'XY routing and link ids', module: 'arch/routing', users: [['sim/noc.ts', 'xyRouteLinks'], ['optimizer/model/traffic.ts', 'xyRouteLinks']], formula: /[xy] \+= t[xy] > [xy] \? 1 : -1/ },
    { rule: 'shift-and-add cycles', module: 'arch/timing', users: [['sim/compute.ts', 'shiftAddCyclesPerMvm'], ['optimizer/model/stages.ts', 'shiftAddCyclesPerMvm'], ['optimizer/model/latency-terms.ts', 'shiftAddDrainCycles'], ['optimizer/replication/tables.ts', 'shiftAddCyclesPerMvm']], formula: /shiftAdd\.(addsPerCycle|perCrossbar)/ },
    { rule: 'whole eDRAM accesses', module: 'arch/timing', users: [['sim/units.ts', 'edramAccesses'], ['optimizer/model/tile-times.ts', 'edramAccesses'], ['optimizer/model/traffic.ts', 'edramAccesses']], formula: /Math\.ceil\([^;]*accessBits\)/ },
    { rule: 'global-pool steps', module: 'arch/steps', users: [['sim/topology.ts', 'layerStepsPerImage'], ['optimizer/model/tile-times.ts', 'layerStepsPerImage'], ['arch/digital-port-load.ts', 'layerStepsPerImage']], formula: /kind === 'pool' && [^;]*\.global/ },
    { rule: 'count-based energy', module: 'arch/energy', users: [['sim/results.ts', 'edramEnergyPj'], ['sim/results.ts', 'nocEnergyPj'], ['sim/results.ts', 'digitalEnergyPj'], ['sim/results.ts', 'offChipEnergyPj'], ['optimizer/model/energy.ts', 'edramEnergyPj'], ['optimizer/model/energy.ts', 'nocEnergyPj'], ['optimizer/model/energy.ts', 'digitalEnergyPj'], ['optimizer/model/energy.ts', 'offChipEnergyPj']], formula: /energyPjPer(Access|Flit|Op|Bit)\b/ },
  ];

  it.each(RULES.map((r) => [r.rule, r] as const))('%s: imported from arch by the simulator and the model, written nowhere else', (_rule, r) => {
    for (const [file, name] of r.users) {
      const text = read(file);
      const rel = path.relative(path.dirname(path.join(ROOT, file)), path.join(ROOT, r.module)).split(path.sep).join('/');
      const imports = new RegExp(`import \\{[^}]*\\b${name}\\b[^}]*\\} from '${rel.startsWith('.') ? rel : `./${rel}`}'`);
      expect([file, name, imports.test(text)]).toEqual([file, name, true]);
    }
    const copies = [...sources('sim'), ...sources('optimizer')].filter((f) => r.formula.test(read(f)));
    expect(copies).toEqual([]);
    expect(r.formula.test(read(`${r.module}.ts`))).toBe(true);
  });
});
