import { readFileSync } from 'node:fs';
import { presetArch } from '../../arch/presets';
import { evaluateModel, prepareModel } from '../../optimizer/model';
import { loadNetworkFromArgs } from '../commands/inputs';
import type { PlanChoices } from '../../arch/plan';

/**
 * The model's figure for each plan row of an optimize JSON, and for one reader of its exact-joint plan each forked
 * input's window, wait, hold and need of spare eDRAM rows (s92's take, ShuffleNetV2; since s96 the spare goes by
 * arch/fork-spare.ts forkSpareRows' held rows).
 * Usage: node dist/scripts/probe/fork-spare.js net.onnx optimize.json [arch] [tiles] [reader]
 */
const [file = '', json = '', arch = 'puma', tiles = '19', readerName = ''] = process.argv.slice(2);
const net = loadNetworkFromArgs({ network: file });
const ctx = prepareModel({ ...presetArch(arch), chip: { tiles: Number(tiles) } }, net);
const out = JSON.parse(readFileSync(json, 'utf8')) as { rows: { variant: string; choices: PlanChoices; bottleneckCycles: number }[] };
for (const row of out.rows) {
  const r = evaluateModel(ctx, row.choices);
  console.log(`${row.variant}: model ${r.bottleneckCycles.toFixed(0)} (${r.bottleneckLayer}), json ${row.bottleneckCycles.toFixed(0)}`);
}
const reader = net.layers.findIndex((l) => l.layer.name === readerName);
for (const row of reader < 0 ? [] : out.rows.filter((x) => x.variant === 'LRMP (exact joint)')) {
  const r = evaluateModel(ctx, row.choices);
  const h = r.placement.forkHolds;
  const o = h.inputOffset[reader] as number;
  (r.placement.windowRows[reader] ?? []).forEach((win, k) => {
    const hold = h.holdRows[o + k] as number;
    const need = hold - win - 3 - (h.ownSlackRows[o + k] as number);
    console.log(`${readerName} input ${k}: window ${win} wait ${(h.waitCycles[o + k] as number).toFixed(0)} hold ${hold.toFixed(2)} need ${need.toFixed(2)} (filled interval ${h.lastIntervalCycles.toFixed(0)})`);
  });
}
