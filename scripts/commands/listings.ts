import { listZoo } from '../../workloads/zoo';
import { formatShape } from '../../workloads/shapes';
import { listPresets } from '../../arch/presets';
import { renderTable } from '../format/table';
import { emit, toJson, type OutputFormat } from './output';

export function networksCommand(args: { format: OutputFormat }): void {
  const zoo = listZoo();
  if (args.format === 'json') return emit(toJson(zoo), undefined);
  emit(
    renderTable(
      ['network', 'input', 'weighted layers', 'params', 'description'],
      zoo.map((z) => [z.name, formatShape(z.inputShape), z.weightedLayers, z.params, z.description]),
    ) + '\n\nYour own network: --network path/to/net.json (layer graph), net.csv (NeuroSim-style) or net.onnx (PyTorch, TensorFlow or PaddlePaddle export; --input-shape when its input is dynamic).',
    undefined,
  );
}

export function archsCommand(args: { format: OutputFormat }): void {
  const presets = listPresets();
  if (args.format === 'json') return emit(toJson(presets), undefined);
  emit(
    renderTable(['arch', 'description', 'source'], presets.map((p) => [p.name, p.description, p.citation])) +
      '\n\nOverride any field: --set crossbar.rows=256, or --arch-file partial.json; or --arch my-chip.json.',
    undefined,
  );
}
