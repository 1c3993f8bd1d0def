/**
 * What sequence blocking (B tokens per pipeline row, docs/hardware-model.md rule 8) does to a transformer on the
 * xformer preset, by the model and the simulator, for the README table:
 *   node dist/scripts/sequence-blocking.js vit-b16 1,2,4,7,14,28,49 [--set path=value ...]
 * Per B: the 8-bit baseline's throughput (model; simulated over enough images for the steady state) and single-image
 * latency (model; simulated alone).
 */
import { presetArch } from '../arch/presets';
import { applySetOverrides } from '../arch/overrides';
import { baselineChoices } from '../arch/plan';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { simulate } from '../sim';
import { imagesForSteadyState } from '../sim/pipeline-images';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';

async function main(): Promise<void> {
  const [name = 'vit-b16', list = '1', ...rest] = process.argv.slice(2);
  const sets: string[] = [];
  for (let i = 0; i < rest.length; i++) if (rest[i] === '--set' && rest[i + 1] !== undefined) sets.push(rest[++i] as string);
  const base = applySetOverrides(presetArch('xformer'), sets);
  process.stdout.write('| B | img/s model | img/s sim | latency ms model | latency ms sim | tiles |\n|---|---|---|---|---|---|\n');
  for (const block of list.split(',').map(Number)) {
    const net = resolveNetwork({ ...zooNetwork(name), sequenceBlock: block });
    const choices = baselineChoices(net.weightedIndices.length);
    const probe = evaluateModel(prepareModel({ ...base, chip: { tiles: 1e6 } }, net), choices);
    const arch = { ...base, chip: { tiles: Math.max(base.chip.tiles, probe.tilesUsed) } };
    const model = evaluateModel(prepareModel(arch, net), choices);
    const stream = await simulate(arch, net, choices, { images: imagesForSteadyState(model.latencyCycles, model.bottleneckCycles) });
    const alone = await simulate(arch, net, choices, { images: 1 });
    const ms = (cycles: number): string => ((cycles / arch.clockGHz) * 1e-6).toFixed(2);
    process.stdout.write(
      `| ${block} | ${model.throughputImagesPerS.toFixed(1)} | ${stream.throughputImagesPerS.toFixed(1)} | ${ms(model.latencyCycles)} | ${ms(alone.latencyCycles)} | ${model.tilesUsed} |\n`,
    );
  }
}

void main();
