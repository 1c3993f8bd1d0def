import { presetArch } from '../../arch/presets';
import { MappingError } from '../../errors';
import { evaluateModel, prepareModel } from '../../optimizer/model';
import { resolveNetwork } from '../../workloads/shapes';
import { zooNetwork } from '../../workloads/zoo';
import { median } from './measure';

/**
 * CPU ms to refuse VGG-8 with 4096 replicas of every layer on PUMA with 60,000 tiles: it needs 101,632, too few for
 * the refusal before packing (over twice the chip), so placement packs ~100k tiles and any per-tile count over all
 * replicas shows here (16 CPU s on PUMA's own chip before).
 */
export function placementVgg8_4096ReplicasMs(): number {
  const net = resolveNetwork(zooNetwork('vgg8'));
  const puma = presetArch('puma');
  const ctx = prepareModel({ ...puma, chip: { ...puma.chip, tiles: 60000 } }, net);
  const n = net.weightedIndices.length;
  const plan = { wbits: Array<number>(n).fill(8), abits: Array<number>(n).fill(8), replicas: Array<number>(n).fill(4096) };
  const times: number[] = [];
  for (let k = 0; k < 3; k++) {
    const start = process.cpuUsage();
    try {
      evaluateModel(ctx, plan);
      throw new Error('placementVgg8_4096ReplicasMs: VGG-8 with 4096 replicas fitted on PUMA');
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
    }
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  return median(times);
}
