import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { presetArch } from '../arch/presets';
import type { ArchSpec } from '../arch/types';
import { simulate } from '../sim';
import { Engine } from '../sim/engine';
import { buildTopology } from '../sim/topology';
import { NetworkBuilder } from '../workloads/builder';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { DeadlockError } from '../errors';
import { validateOne } from '../scripts/commands/validate';
import { baselineChoices } from '../arch/plan';
import { uncontendedArch } from '../arch/overrides';
import { replicatedMixedChoices } from '../optimizer/replication/bottleneck-greedy';
import { evaluateModel, prepareModel } from '../optimizer/model';

/** A small chip whose timing is easy to follow by hand. */
function handArch(): ArchSpec {
  const puma = presetArch('puma');
  return {
    ...puma,
    clockGHz: 1,
    crossbar: { ...puma.crossbar, rows: 128, cols: 128, cellBits: 2, differentialWeights: false },
    dac: { ...puma.dac, bits: 1 },
    adc: { ...puma.adc, perCrossbar: 1, sampleRateGsps: 1 },
    shiftAdd: { ...puma.shiftAdd, perCrossbar: 1, addsPerCycle: 1 },
    core: { ...puma.core, crossbars: 16, mvmFillSweeps: 2 },
    tile: { ...puma.tile, cores: 8, edram: { ...puma.tile.edram, capacityKb: 64, accessBits: 256, accessesPerCycle: 1 } },
    noc: { ...puma.noc, concentration: 4, flitBits: 32, linkFlitsPerCycle: 1, routerLatencyCycles: 2, headerFlits: 1, packetPayloadBits: 256 },
    offChip: { ...puma.offChip, bandwidthGBps: 4 }, // 32 bits per cycle at 1 GHz
    chip: { tiles: 4 },
  };
}

function tinyNet() {
  const b = new NetworkBuilder('tiny', { channels: 1, height: 4, width: 4 });
  b.conv('conv', 4, 1);
  return resolveNetwork(b.build());
}

describe('simulator: a network timed by hand', () => {
  it('plays out the rules cycle by cycle (1x1 conv, 4x4 input, 3 images)', async () => {
    // By hand (docs/hardware-model.md): 1x1 conv, Cin 1, Cout 4, 8-bit weights on 2-bit cells -> 16 columns;
    // sweep = 16 conversions at 1 GS/s = 16 cycles; MVM = (8 input bits + 2 fill) x 16 = 160 cycles;
    // shift-add 8 x 16 = 128 adds per MVM on one unit = 128 cycles, working behind the ADCs (faster than the
    // 160-cycle MVM); only the last streamed bit's 128 / 8 = 16 adds drain after the last MVM (rule 5).
    // Input row 0: off-chip 32 bits at 32 b/cycle [0,1], router 0 latency 2 -> ejection link at 3, 2 flits
    // (1 payload + 1 header) [3,5], eDRAM write [5,6]. Row 0 of the conv starts at 6: read 4 MVMs' vectors, one
    // 256-bit access each at 1 access per cycle [6,10], the first in at 7: MVMs [7,647], last shift-add done at
    // 647 + 16 = 663. The replica holds one row job's input ahead (rule 5): it is free for row 1's read when row 0's
    // reads are done and its MVMs have started (max(10, 7) = 10); the input rows stream in every few cycles (64 KB
    // of eDRAM holds them), so row 1's vectors are read [10,14] and its MVMs start when the crossbars free up at 647:
    // the MVMs run back to back, 640 cycles per row, with no read between rows (the old rule read the first vector
    // after the crossbars freed: 641 per row, latency 2586). Row 3: MVMs [7 + 3 x 640, 7 + 4 x 640] = [1927,2567],
    // done 2583 = image 0 latency. Image n ends at 7 + 4(n + 1) x 640 + 16: 5143, 7703; interval 2560 cycles.
    const sim = await simulate(handArch(), tinyNet(), { wbits: [8], abits: [8], replicas: [1] }, { images: 3 });
    expect(sim.latencyCycles).toBe(2583);
    expect(sim.imageDoneCycles).toEqual([2583, 5143, 7703]);
    expect(sim.intervalCycles).toBe(2560);
    expect(sim.throughputImagesPerS).toBeCloseTo(1e9 / 2560, 3);
    const conv = sim.layers[0];
    expect(conv?.busyCycles).toBe(3 * 16 * 160);
    // NoC: 12 input rows x 2 flits, each crossing one router (router 0 hosts tile 0).
    expect(sim.noc.flits).toBe(24);
    expect(sim.noc.flitHops).toBe(24);
    // ADC energy: 48 MVMs x (8 streamed bits x 16 columns) conversions.
    expect(sim.energyPj.adc).toBeCloseTo(48 * 128 * handArch().adc.energyPjPerConversion, 6);
  });

  it('two replicas split the pixels and halve the row time', async () => {
    // Replica k takes pixels p = 4i + j with p mod 2 = k: 2 per row, so each row is 2 x 160 = 320 cycles.
    const sim = await simulate(handArch(), tinyNet(), { wbits: [8], abits: [8], replicas: [2] }, { images: 3 });
    expect(sim.intervalCycles).toBeGreaterThanOrEqual(4 * 320);
    expect(sim.intervalCycles).toBeLessThan(4 * 330);
  });
});

describe('simulator: a replica reads one row job ahead (rule 5)', () => {
  // 1x1 conv, 1 -> 4 channels, on a 2-row, 4-pixel input, 1 image, handArch with a slow eDRAM port: one 256-bit
  // access per 64 cycles (every MVM's 8-bit vector and every 32-bit input row is one access). MVM 160 cycles,
  // shift-and-add drain 16 (as above). Input row 0: off-chip [0,1], router 2, ejection [3,5], written [5,69]; row
  // 1 crosses off chip once row 0 is on its link [3,4], ejection [6,8], and its write, asked for at 8, is served
  // [69,133] before any read asked for at 69. A job's MVMs start when its first vector is in and its crossbars are
  // free; its last MVM ends no sooner than its last read + 160.
  const slowPort = (): ArchSpec => ({ ...handArch(), tile: { ...handArch().tile, edram: { ...handArch().tile.edram, accessesPerCycle: 1 / 64 } } });
  const twoRows = () => {
    const b = new NetworkBuilder('two-rows', { channels: 1, height: 2, width: 4 });
    b.conv('conv', 4, 1);
    return resolveNetwork(b.build());
  };
  const jobs = async (replicas: number): Promise<{ done: number; rows: string[] }> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-ahead-'));
    const file = path.join(dir, 't.csv');
    const sim = await simulate(slowPort(), twoRows(), { wbits: [8], abits: [8], replicas: [replicas] }, { images: 1, traceFile: file });
    const rows = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('mvm,conv,')).map((l) => l.split(',').slice(2, 7).join(','));
    fs.rmSync(dir, { recursive: true, force: true });
    return { done: sim.imageDoneCycles[0] ?? -1, rows: rows.sort() };
  };

  it('one replica: its second job is read while the first computes, and the crossbars never wait for it', async () => {
    // Row 0 (4 MVMs): read [133,389], first vector in at 197, MVMs [197,837], done 853. The replica is free for
    // row 1's read at max(389, 197) = 389 (row 1 is in since 133): read [389,645], first vector at 453, MVMs start
    // when the crossbars free at 837: [837,1477] (>= 645 + 160), done 1493. The old rule read row 1 only at 837:
    // MVMs [901,1541], done 1557, the first vector's 64 cycles exposed.
    const { done, rows } = await jobs(1);
    // replica, image, row, start (the job's read asked for), end (its last addition)
    expect(rows).toEqual(['0,0,0,69,853', '0,0,1,389,1493']);
    expect(done).toBe(1493);
  });

  it('two replicas on one port: the read ahead waits behind the other replica, hidden by its own MVMs', async () => {
    // Each replica has 2 pixels a row (2 accesses, 128 cycles; 2 MVMs, 320 cycles). Row 0: replica 0 reads
    // [133,261] (first at 197), MVMs [197,517], done 533; replica 1 reads behind it [261,389] (first at 325), MVMs
    // [325,645], done 661. Replica 0 asks for row 1 at max(261, 197) = 261 and waits behind replica 1's read: [389,
    // 517], first at 453, its crossbars free at 517: MVMs [517,837], done 853 (128 cycles of waiting, none exposed).
    // Replica 1 asks at max(389, 325) = 389, served [517,645], first at 581, crossbars free at 645: MVMs [645,965],
    // done 981. The old rule: replica 0 reads at 517 [517,645], MVMs [581,901]; replica 1 at 645 [645,773], MVMs
    // [709,1029], done 1045.
    const { done, rows } = await jobs(2);
    expect(rows).toEqual(['0,0,0,69,533', '0,0,1,261,853', '1,0,0,69,661', '1,0,1,389,981']);
    expect(done).toBe(981);
  });
});

describe('simulator: NoC contention', () => {
  it('two row pieces contending for one ejection link serialize (timed by hand)', async () => {
    // One crossbar per core and one core per tile: conv a (1x1, 1 -> 4 channels, 2 replicas) sits on tiles 0 and 1,
    // conv b (1x1, 4 -> 4) on tile 2; all three tiles hang off router 0 (concentration 4), so a's two replicas send
    // their pieces of each row through their own injection links and then through tile 2's one ejection link.
    // Input row 0: off-chip 32 bits [0,1], router latency 2, each copy over its own ejection link (2 flits) [3,5],
    // eDRAM write [5,6]. Each replica has 2 pixels of row 0: read 2 accesses [6,8], MVMs start at 7 (first vector
    // read), 2 x 160 cycles -> 327; the shift-add's last bit drains 128 / 8 = 16 adds -> 343.
    // Piece: 2 px x 4 channels x 8 bits = 64 bits = 2 payload flits + 1 header. Both replicas inject at 343
    // ([343,346] on separate links), reach tile 2's ejection link at 343 + 2 = 345: replica 0 takes it [345,348],
    // eDRAM write [348,349], arrives at 349; replica 1 waits 3 cycles for the link [348,351], write [351,352].
    const arch: ArchSpec = { ...handArch(), core: { ...handArch().core, crossbars: 1 }, tile: { ...handArch().tile, cores: 1 } };
    const b = new NetworkBuilder('contend', { channels: 1, height: 4, width: 4 });
    b.conv('a', 4, 1);
    b.conv('b', 4, 1);
    const net = resolveNetwork(b.build());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-noc-'));
    const file = path.join(dir, 't.csv');
    const sim = await simulate(arch, net, { wbits: [8, 8], abits: [8, 8], replicas: [2, 1] }, { images: 1, traceFile: file });
    const rows = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('noc,a,') && l.split(',')[4] === '0');
    fs.rmSync(dir, { recursive: true, force: true });
    expect(rows).toHaveLength(2);
    const timing = rows.map((l) => l.split(',').slice(2, 7).join(',')); // replica, image, row, start, end
    expect(timing).toEqual(['0,0,0,343,349', '1,0,0,343,352']);
    expect(sim.noc.waitCycles).toBeGreaterThanOrEqual(3);
  });
});

describe('simulator: back-pressure and deadlock', () => {
  it('reports a deadlock with tiny buffers instead of hanging, naming the layers that wait on what', () => {
    // Placement sizes the line buffers for PUMA's 64 KB tiles and rejects a 1 KB eDRAM outright (MappingError), so
    // the tiny eDRAM is given to the engine only: the chip's buffers are smaller than the layout assumed.
    const puma = presetArch('puma');
    const net = resolveNetwork(zooNetwork('resnet20'));
    const topo = buildTopology(puma, net, baselineChoices(net.weightedIndices.length));
    const tiny: ArchSpec = { ...puma, tile: { ...puma.tile, edram: { ...puma.tile.edram, capacityKb: 1 } } };
    const engine = new Engine({ ...topo, arch: tiny }, { images: 2 });
    engine.start();
    engine.env.run(Infinity, 5_000_000);
    expect(engine.env.queue.size).toBe(0); // the queue ran dry: no hang, no busy loop
    let error: unknown;
    try {
      engine.checkDeadlock();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeadlockError);
    const message = (error as Error).message;
    expect(message).toMatch(/0 of 2 images done/);
    expect(message).toMatch(/the network input waits for eDRAM space on tile \d+ .*held by rows of/);
    expect(message).toMatch(/conv1|layer1\.0\.conv1/); // a layer is named
  });

  it('builds line-buffer guarantees PUMA 64 KB tiles can hold, so the preset runs resnet20 without deadlock', async () => {
    const puma = presetArch('puma');
    const net = resolveNetwork(zooNetwork('resnet20'));
    const sim = await simulate(puma, net, baselineChoices(net.weightedIndices.length), { images: 2 });
    expect(sim.imageDoneCycles.every((c) => c > 0)).toBe(true);
  });

  it('back-pressure delays the pipeline without deadlock when buffers are merely small', async () => {
    const puma = presetArch('puma');
    const net = resolveNetwork(zooNetwork('resnet20'));
    const roomy = await simulate(uncontendedArch(puma), net, baselineChoices(net.weightedIndices.length), { images: 3 });
    const small: ArchSpec = { ...uncontendedArch(puma), tile: { ...puma.tile, edram: { ...puma.tile.edram, capacityKb: 16, accessesPerCycle: 1e4 } } };
    const tight = await simulate(small, net, baselineChoices(net.weightedIndices.length), { images: 3 });
    // The input waits for space on tile 0 (the rows stream in behind the line buffers), so every image ends later.
    expect(tight.imageDoneCycles).toHaveLength(3);
    tight.imageDoneCycles.forEach((done, n) => expect(done).toBeGreaterThan(roomy.imageDoneCycles[n] ?? Infinity));
  });
});

describe('simulator: determinism', () => {
  it('two runs with the same inputs write byte-identical traces', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-sim-'));
    const net = resolveNetwork(zooNetwork('resnet20'));
    const arch = presetArch('puma');
    const choices = replicatedMixedChoices(prepareModel(arch, net), 4, 20);
    const a = path.join(dir, 'a.csv');
    const b = path.join(dir, 'b.csv');
    await simulate(arch, net, choices, { images: 2, traceFile: a });
    await simulate(arch, net, choices, { images: 2, traceFile: b });
    const textA = fs.readFileSync(a);
    expect(textA.equals(fs.readFileSync(b))).toBe(true);
    const lines = textA.toString().split('\n');
    expect(lines[0]).toBe('kind,layer,replica,image,row,start_cycle,end_cycle,stall_cause,stall_cycles,detail');
    expect(lines.length).toBeGreaterThan(100);
    expect(fs.readdirSync(dir).sort()).toEqual(['a.csv', 'b.csv']); // no temp files left
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/**
 * Simulated vs analytical latency and throughput of the baseline and a replicated mixed-precision plan (the greedy
 * within the baseline's tiles), and the throughput gain replication buys, within `tolerance`.
 */
async function expectAgreement(arch: ArchSpec, name: string, settings: 'uncontended' | 'preset', tolerance: number): Promise<void> {
  const net = resolveNetwork(zooNetwork(name));
  const ctx = prepareModel(arch, net);
  const tiles = evaluateModel(ctx, baselineChoices(net.weightedIndices.length)).tilesUsed;
  const baseline = await validateOne(arch, net, 'baseline', baselineChoices(net.weightedIndices.length), settings, 4);
  const mixed = await validateOne(arch, net, 'replicated-mixed', replicatedMixedChoices(ctx, tiles, 60), settings, 4);
  for (const row of [baseline, mixed]) {
    expect(row.status).toBe('ok');
    expect(Math.abs(row.latencyError)).toBeLessThan(tolerance);
    expect(Math.abs(row.throughputError)).toBeLessThan(tolerance);
  }
  const simGain = mixed.simThroughput / baseline.simThroughput;
  const modelGain = mixed.modelThroughput / baseline.modelThroughput;
  expect(simGain).toBeGreaterThan(2);
  expect(Math.abs(simGain / modelGain - 1)).toBeLessThan(tolerance);
}

describe('simulator against the analytical model', () => {
  const puma = presetArch('puma');
  for (const name of ['resnet20', 'vgg8']) {
    it(`${name} uncontended: baseline and replicated mixed-precision plans agree within 5%, and replication raises throughput`, () =>
      expectAgreement(uncontendedArch(puma), name, 'uncontended', 0.05));
    it(`${name} at PUMA preset settings (contention on): both plans agree within 10%, and replication raises throughput`, () =>
      expectAgreement(puma, name, 'preset', 0.1));
  }
});
