/**
 * Turns an engine's counters into the simulation report: latency, throughput, per-layer time split,
 * component utilization, NoC traffic and energy by component.
 */
import {
  addMvmEnergyPj, digitalEnergyPj, edramEnergyPj, energyTotalPj, mvmEnergyPj, nocEnergyPj, offChipEnergyPj, zeroEnergyPj, type EnergyBreakdownPj,
} from '../arch/energy';
import type { CrossbarGroup } from './components';
import type { Engine } from './engine';
import { STALL_CAUSES, type StallCause } from './units';
import type { SteadyState } from './steady-state';
import type { SharedAdc } from './compute';

export interface SimLayerStats {
  name: string;
  kind: string;
  /** Units simulating the layer (replicas, or 1 for a digital layer). */
  units: number;
  /** Summed over units, whole run. */
  busyCycles: number;
  stallCycles: Record<StallCause, number>;
  idleCycles: number;
  /** busy / (units x run cycles). */
  utilization: number;
  /** Busiest unit's busy cycles per image (the layer's simulated compute stage time). */
  busyCyclesPerImage: number;
  /** Largest stall cause, or '' when the layer never stalled. */
  mainStall: StallCause | '';
}

/** Energy by component, the same breakdown the analytical model reports. */
export type SimEnergyPj = EnergyBreakdownPj;

export interface SimBottleneck {
  kind: 'layer' | 'noc-link' | 'edram-port' | 'digital-unit' | 'off-chip' | 'shared-adc' | 'shift-add';
  name: string;
  busyCyclesPerImage: number;
}

export interface SimResult {
  images: number;
  clockGHz: number;
  /** Cycle the last event ran. */
  cycles: number;
  /** Cycle each image left the last layer, for the first RECORDED_IMAGES (10,000) images of the stream. */
  imageDoneCycles: number[];
  /**
   * One image's latency, from its first input row entering the chip to its last output row: of an image simulated
   * alone (what the analytical model's latency is) unless `latencyAlone` is false, then of image 0 of the stream.
   */
  latencyCycles: number;
  latencyS: number;
  /** Whether latencyCycles is a lone image's (simulate's default, and any 1-image run). */
  latencyAlone: boolean;
  /** Image 0 of the stream, first input row in to last output row out: it also waits for the images behind it. */
  streamLatencyCycles: number;
  /** Mean over images of (done - first input row start), queueing included. */
  meanLatencyCycles: number;
  /**
   * Steady-state image interval: mean spacing of completions after the pipeline filled, never below the busiest
   * resource's busy cycles per image (steadyState has the window, its spread and whether it settled).
   */
  intervalCycles: number;
  steadyState: SteadyState;
  throughputImagesPerS: number;
  layers: SimLayerStats[];
  utilization: {
    crossbars: number;
    adcs: number;
    /** Busiest replica's shift-and-add units. */
    shiftAddMax: number;
    edramPortMax: number;
    edramPortMean: number;
    digitalUnitMax: number;
    nocLinkMax: number;
    nocLinkMean: number;
    offChip: number;
  };
  noc: { transfers: number; flits: number; bits: number; flitHops: number; waitCycles: number };
  energyPj: SimEnergyPj;
  energyPerImagePj: number;
  bottleneck: SimBottleneck;
  events: number;
}

export function collectResults(engine: Engine): SimResult {
  const { arch, env, topo } = engine;
  const stream = engine.stream;
  const images = stream.images;
  const span = Math.max(1, env.now);
  const done = Array.from(stream.recorded);
  const latency = stream.firstLatencyCycles;
  const meanLatency = stream.latencySumCycles / Math.max(1, images);
  const clockHz = arch.clockGHz * 1e9;

  const layers: SimLayerStats[] = [];
  const e: SimEnergyPj = zeroEnergyPj();
  let xbarBusy = 0;
  let xbarCapacity = 0;
  let adcBusy = 0;
  let bottleneck: SimBottleneck = { kind: 'layer', name: '', busyCyclesPerImage: 0 };
  // Busiest single resource over the whole run (a unit works its images one after another).
  let busiestCycles = 0;
  for (const layer of topo.layers) {
    const units = engine.units.filter((u) => u.layer === layer);
    const stall = Object.fromEntries(STALL_CAUSES.map((c) => [c, 0])) as Record<StallCause, number>;
    let busy = 0;
    let worst = 0;
    for (const u of units) {
      busy += u.busyCycles;
      STALL_CAUSES.forEach((c, k) => (stall[c] += u.stall[k] ?? 0));
      worst = Math.max(worst, u.busyCycles / Math.max(1, u.images.count));
      busiestCycles = Math.max(busiestCycles, u.busyCycles);
    }
    let stalled = 0;
    let mainStall: StallCause | '' = '';
    for (const c of STALL_CAUSES) {
      stalled += stall[c];
      if (stall[c] > 0 && (mainStall === '' || stall[c] > stall[mainStall])) mainStall = c;
    }
    layers.push({
      name: layer.name,
      kind: layer.kind,
      units: units.length,
      busyCycles: busy,
      stallCycles: stall,
      idleCycles: Math.max(0, units.length * span - busy - stalled),
      utilization: busy / (units.length * span),
      busyCyclesPerImage: worst,
      mainStall,
    });
    if (worst > bottleneck.busyCyclesPerImage) bottleneck = { kind: 'layer', name: layer.name, busyCyclesPerImage: worst };
    const m = layer.mapping;
    if (m !== undefined) {
      let mvms = 0;
      for (const u of units) mvms += (u.xbar as CrossbarGroup).mvms;
      const per = mvmEnergyPj(arch, m);
      addMvmEnergyPj(e, mvms, per);
      const streamed = Math.ceil(m.abits / arch.dac.bits);
      const sweep = m.sweepCycles;
      xbarBusy += busy * m.crossbarsPerReplica;
      xbarCapacity += units.length * m.crossbarsPerReplica * span;
      adcBusy += mvms * streamed * sweep * m.crossbarsPerReplica;
    }
  }
  const perImage = (busy: number): number => busy / Math.max(1, images);
  let portMax = 0;
  let portSum = 0;
  let portsUsed = 0;
  let accesses = 0;
  for (const p of engine.ports) {
    accesses += p.accesses;
    if (p.busyCycles === 0) continue;
    portsUsed++;
    portSum += p.busyCycles;
    if (p.busyCycles > portMax) portMax = p.busyCycles;
    busiestCycles = Math.max(busiestCycles, p.busyCycles);
    if (perImage(p.busyCycles) > bottleneck.busyCyclesPerImage) bottleneck = { kind: 'edram-port', name: p.label, busyCyclesPerImage: perImage(p.busyCycles) };
  }
  let digitalMax = 0;
  let ops = 0;
  for (const d of engine.digital) {
    ops += d.ops;
    digitalMax = Math.max(digitalMax, d.busyCycles);
    busiestCycles = Math.max(busiestCycles, d.busyCycles);
    if (perImage(d.busyCycles) > bottleneck.busyCyclesPerImage) bottleneck = { kind: 'digital-unit', name: d.label, busyCyclesPerImage: perImage(d.busyCycles) };
  }
  let linkMax = 0;
  let linkSum = 0;
  let linksUsed = 0;
  for (const l of engine.noc.links) {
    if (l === undefined || l.busyCycles === 0) continue;
    linksUsed++;
    linkSum += l.busyCycles;
    linkMax = Math.max(linkMax, l.busyCycles);
    busiestCycles = Math.max(busiestCycles, l.busyCycles);
    if (perImage(l.busyCycles) > bottleneck.busyCyclesPerImage) bottleneck = { kind: 'noc-link', name: l.label, busyCyclesPerImage: perImage(l.busyCycles) };
  }
  if (perImage(engine.offChip.busyCycles) > bottleneck.busyCyclesPerImage) {
    bottleneck = { kind: 'off-chip', name: engine.offChip.label, busyCyclesPerImage: perImage(engine.offChip.busyCycles) };
  }
  busiestCycles = Math.max(busiestCycles, engine.offChip.busyCycles);
  // ADCs shared by several replicas (sim/compute.ts) are resources of their own.
  const sharedAdcs = new Set<SharedAdc>();
  for (const u of engine.units) for (const s of u.compute?.shared ?? []) sharedAdcs.add(s.adc);
  for (const adc of sharedAdcs) {
    busiestCycles = Math.max(busiestCycles, adc.busyCycles);
    if (perImage(adc.busyCycles) > bottleneck.busyCyclesPerImage) bottleneck = { kind: 'shared-adc', name: adc.label, busyCyclesPerImage: perImage(adc.busyCycles) };
  }
  // Each replica's shift-and-add units: a resource of their own, behind its ADCs.
  let shiftAddMax = 0;
  for (const u of engine.units) {
    const sa = u.compute?.shiftAdd;
    if (sa === undefined) continue;
    shiftAddMax = Math.max(shiftAddMax, sa.busyCycles);
    busiestCycles = Math.max(busiestCycles, sa.busyCycles);
    if (perImage(sa.busyCycles) > bottleneck.busyCyclesPerImage) bottleneck = { kind: 'shift-add', name: sa.label, busyCyclesPerImage: perImage(sa.busyCycles) };
  }
  const steady = stream.steady.result(perImage(busiestCycles), latency);
  const interval = steady.intervalCycles;
  e.edram = edramEnergyPj(arch, accesses);
  e.noc = nocEnergyPj(arch, engine.transfers.flitHops);
  e.digital = digitalEnergyPj(arch, ops);
  e.attention = engine.productEnergyPj;
  e.offChip = offChipEnergyPj(arch, engine.offChip.bits);
  e.total = energyTotalPj(e);
  return {
    images,
    clockGHz: arch.clockGHz,
    cycles: env.now,
    imageDoneCycles: done,
    latencyCycles: latency,
    latencyS: latency / clockHz,
    latencyAlone: images === 1,
    streamLatencyCycles: latency,
    meanLatencyCycles: meanLatency,
    intervalCycles: interval,
    steadyState: steady,
    throughputImagesPerS: interval > 0 ? clockHz / interval : 0,
    layers,
    utilization: {
      crossbars: xbarCapacity > 0 ? xbarBusy / xbarCapacity : 0,
      adcs: xbarCapacity > 0 ? adcBusy / xbarCapacity : 0,
      shiftAddMax: shiftAddMax / span,
      edramPortMax: portMax / span,
      edramPortMean: portsUsed > 0 ? portSum / portsUsed / span : 0,
      digitalUnitMax: digitalMax / span,
      nocLinkMax: linkMax / span,
      nocLinkMean: linksUsed > 0 ? linkSum / linksUsed / span : 0,
      offChip: engine.offChip.busyCycles / span,
    },
    noc: { transfers: engine.transfers.count, flits: engine.transfers.flits, bits: engine.transfers.bits, flitHops: engine.transfers.flitHops, waitCycles: engine.transfers.waitCycles },
    energyPj: e,
    energyPerImagePj: e.total / Math.max(1, images),
    bottleneck,
    events: env.processed,
  };
}
