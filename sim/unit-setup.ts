/**
 * The units and channels of one run, built from the topology: the network input, each weighted layer's replicas
 * (with their crossbar groups), each digital layer, and every producer's channel on every tile that reads it.
 */
import type { Environment } from './kernel/env';
import { RecordFifo } from './kernel/fifo';
import type { Slabs } from './kernel/slab';
import { shiftAddCyclesPerMvm, shiftAddDrainCycles } from '../arch/timing';
import { CrossbarGroup, type EdramBuffer } from './components';
import { buildReplicaCompute, type ReplicaCompute } from './compute';
import type { SimProducer, SimTopology } from './topology';
import { FUSED_FIELDS, newUnit, type Channel, type Unit, type UnitKindFields } from './units';

/** The units of a run and the channels they read from (sim/engine.ts plays them out). */
export interface UnitSetup {
  /** The network input first (id 0), then each layer's units in network order. */
  units: Unit[];
  /** Channels by tile and producer (ids in creation order). */
  channels: Map<number, Channel>;
  /** Per image: jobs of sink layers still to finish (the image is done at 0). */
  sinkJobsLeft: Int32Array;
  jobsTotal: number;
}

/** Builds every unit of `topo` for `images` images, with its channels and their guaranteed eDRAM rows. */
export function buildUnits(topo: SimTopology, env: Environment, images: number, buffers: EdramBuffer[], slabs: Slabs): UnitSetup {
  const arch = topo.arch;
  const units: Unit[] = [];
  const channels = new Map<number, Channel>();
  const sinkJobsLeft = new Int32Array(images);
  let jobsTotal = 0;

  const channel = (tile: number, producerIndex: number): Channel => {
    const key = tile * (topo.net.layers.length + 1) + producerIndex + 1;
    let ch = channels.get(key);
    if (ch === undefined) {
      const producer = topo.producers[producerIndex + 1];
      if (producer === undefined) throw new Error(`sim: layer ${producerIndex} produces no rows`);
      const size = producer.rows * images;
      ch = {
        id: channels.size,
        tile,
        producer,
        rows: producer.rows,
        arrived: slabs.int32.take(size),
        refs: slabs.int32.take(size),
        complete: slabs.uint8.take(size),
        prefix: slabs.int32.take(images),
        piecesPerRow: producer.piecesPerRow,
        waiters: [],
        buffer: buffers[tile] as EdramBuffer,
      };
      channels.set(key, ch);
    }
    return ch;
  };

  const addUnit = (kindFields: UnitKindFields, replica: number, tile: number, unitImages: number[]): void => {
    const layer = kindFields.layer;
    const producer = topo.producers[(layer?.index ?? -1) + 1] as SimProducer;
    const unit = newUnit(kindFields, { id: units.length, replica, tile, producer, images: unitImages, arch, slabs });
    units.push(unit);
    jobsTotal += unit.jobsTotal;
    if (layer) {
      for (const input of layer.inputs) {
        const ch = channel(tile, input.producer);
        unit.inputs.push(ch);
        for (const n of unitImages) for (let q = 0; q < ch.rows; q++) (ch.refs[n * ch.rows + q] as number)++;
      }
      if (layer.sink) for (const n of unitImages) (sinkJobsLeft[n] as number) += unit.rows;
    }
  };

  const all = Array.from({ length: images }, (_, n) => n);
  const none = { xbar: undefined, compute: undefined, fusedQueue: undefined, saCycles: 0, saDrainCycles: 0 } as const;
  addUnit({ kind: 'source', layer: undefined, rowTransfers: new RecordFifo(1), ...none }, 0, -1, all);
  for (const layer of topo.layers) {
    // Destination channels exist (with zero refs) even on tiles hosting no unit of a consumer.
    const mapping = layer.mapping;
    if (mapping === undefined) {
      addUnit({ kind: 'digital', layer, rowTransfers: undefined, ...none }, 0, layer.unitTiles[0] ?? 0, all);
      continue;
    }
    const saCycles = shiftAddCyclesPerMvm(arch, mapping);
    const saDrainCycles = shiftAddDrainCycles(arch, mapping);
    const computes = buildReplicaCompute(env, arch, mapping, layer.name, layer.replicas, layer.firstCrossbar);
    for (let k = 0; k < layer.replicas; k++) {
      const compute = computes[k] as ReplicaCompute;
      // The crossbars' own pipeline (their DACs, S&H and own ADC time); shared ADCs are reserved per job.
      const xbar = new CrossbarGroup(env, `crossbars of ${layer.name} replica ${k}`, compute.mvmCycles);
      const replicaFields = { kind: 'replica', layer, xbar, compute, fusedQueue: new RecordFifo(FUSED_FIELDS), rowTransfers: undefined, saCycles, saDrainCycles } as const;
      addUnit(replicaFields, k, layer.unitTiles[k] ?? 0, layer.kind === 'fc' ? all.filter((n) => n % layer.replicas === k) : all);
    }
  }
  // Each producer's rows on a tile are guaranteed its readers' widest window plus one row of lookahead, by the
  // same rule (channelBits) placement used to fit the line buffers into the tile's eDRAM.
  for (const p of topo.producers) {
    if (p === undefined) continue;
    p.destTiles.forEach((t, k) => {
      const ch = channel(t, p.index);
      ch.buffer.reserveFor(ch.id, ch.rows * images, p.destSlots[k] ?? 0, p.rowBits, slabs);
    });
  }
  // Every channel exists now (ids in creation order); units keep theirs to skip the map per send.
  for (const u of units) {
    const p = u.producer;
    u.outChannels = p.destTiles.map((t) => channel(t, p.index));
    u.outRoutes = p.destTiles.map(() => undefined);
  }
  return { units, channels, sinkJobsLeft, jobsTotal };
}
