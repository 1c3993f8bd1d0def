/**
 * The units and channels of one run, built from the topology: the network input, each weighted layer's replicas
 * (with their crossbar groups), each digital layer, and every producer's channel on every tile that reads it.
 */
import type { Environment } from './kernel/env';
import { RecordFifo } from './kernel/fifo';
import type { Slabs } from './kernel/slab';
import { CrossbarGroup, type EdramBuffer } from './components';
import { buildReplicaCompute, type ReplicaCompute } from './compute';
import type { SimProducer, SimTopology } from './topology';
import { FUSED_FIELDS, newUnit, type Channel, type ImageSet, type Unit, type UnitKindFields } from './units';
import { CHANNEL_FIRST_SLOTS, newChannelTables } from './channels';
import type { SinkJobs } from './image-stream';

/** The units of a run and the channels they read from (sim/engine.ts plays them out). */
export interface UnitSetup {
  /** The network input first (id 0), then each layer's units in network order. */
  units: Unit[];
  /** Channels by tile and producer (ids in creation order). */
  channels: Map<number, Channel>;
  /** The units of sink layers and their jobs per image (an image is done when all are). */
  sinks: SinkJobs[];
  jobsTotal: number;
}

/** Builds every unit of `topo` for `images` images, with its channels and their guaranteed eDRAM rows. */
export function buildUnits(topo: SimTopology, env: Environment, images: number, buffers: EdramBuffer[], slabs: Slabs): UnitSetup {
  const arch = topo.arch;
  const units: Unit[] = [];
  const channels = new Map<number, Channel>();
  const sinks: SinkJobs[] = [];
  let jobsTotal = 0;

  const channel = (tile: number, producerIndex: number): Channel => {
    const key = tile * (topo.net.layers.length + 1) + producerIndex + 1;
    let ch = channels.get(key);
    if (ch === undefined) {
      const producer = topo.producers[producerIndex + 1];
      if (producer === undefined) throw new Error(`sim: layer ${producerIndex} produces no rows`);
      // NOTE: every field written out in one order (no spread), so all channels share one hidden class.
      const tables = newChannelTables(producer.rows, CHANNEL_FIRST_SLOTS, slabs);
      ch = {
        id: channels.size,
        tile,
        producer,
        rows: producer.rows,
        mask: tables.mask,
        lo: tables.lo,
        hi: tables.hi,
        arrived: tables.arrived,
        refs: tables.refs,
        complete: tables.complete,
        prefix: tables.prefix,
        freedRows: tables.freedRows,
        readers: [],
        piecesPerRow: producer.piecesPerRow,
        waiters: [],
        buffer: buffers[tile] as EdramBuffer,
      };
      channels.set(key, ch);
    }
    return ch;
  };

  const addUnit = (kindFields: UnitKindFields, replica: number, tile: number, unitImages: ImageSet): void => {
    const layer = kindFields.layer;
    const producer = topo.producers[(layer?.index ?? -1) + 1] as SimProducer;
    const unit = newUnit(kindFields, { id: units.length, replica, tile, producer, images: unitImages, arch, slabs });
    units.push(unit);
    jobsTotal += unit.jobsTotal;
    if (layer) {
      for (const input of layer.inputs) {
        const ch = channel(tile, input.producer);
        unit.inputs.push(ch);
        unit.inputNeeds.push(input.need);
        unit.inputReleases.push(input.releaseBelow);
        // Each of its images' rows starts with one ref for this unit (channelImageSlot sets them up).
        ch.readers.push(unitImages);
      }
      if (layer.sink) sinks.push({ images: unitImages, jobs: unit.rows });
    }
  };

  const all: ImageSet = { first: 0, stride: 1, count: images };
  // A fully connected layer's replica k takes images k, k + r, k + 2r, ... (whole images, not rows).
  const everyRth = (k: number, r: number): ImageSet => ({ first: k, stride: r, count: images > k ? Math.floor((images - 1 - k) / r) + 1 : 0 });
  const none = { xbar: undefined, compute: undefined, fusedQueue: undefined } as const;
  addUnit({ kind: 'source', layer: undefined, rowTransfers: new RecordFifo(1), ...none }, 0, -1, all);
  for (const layer of topo.layers) {
    // Destination channels exist (with zero refs) even on tiles hosting no unit of a consumer.
    const mapping = layer.mapping;
    if (mapping === undefined) {
      addUnit({ kind: 'digital', layer, rowTransfers: undefined, ...none }, 0, layer.unitTiles[0] ?? 0, all);
      continue;
    }
    const computes = buildReplicaCompute(env, arch, mapping, layer.name, layer.replicas, layer.firstCrossbar);
    for (let k = 0; k < layer.replicas; k++) {
      const compute = computes[k] as ReplicaCompute;
      // The crossbars' own pipeline (their DACs, S&H and own ADC time); shared ADCs and shift-and-add per job.
      const xbar = new CrossbarGroup(env, `crossbars of ${layer.name} replica ${k}`, compute.mvmCycles);
      const replicaFields = { kind: 'replica', layer, xbar, compute, fusedQueue: new RecordFifo(FUSED_FIELDS), rowTransfers: undefined } as const;
      addUnit(replicaFields, k, layer.unitTiles[k] ?? 0, layer.kind === 'fc' ? everyRth(k, layer.replicas) : all);
    }
  }
  // Each producer's rows on a tile are guaranteed its readers' widest window plus the lookahead (a row; an image when
  // the window is the whole image), by the same rule (channelBits) placement used to fit the tile's eDRAM.
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
  return { units, channels, sinks, jobsTotal };
}
