import { listZoo } from '../../workloads/zoo';
import { formatShape } from '../../workloads/shapes';
import { listPresets, presetArch } from '../../arch/presets';
import { chipAreaMm2, peakGopsPerMm2, peakGopsPerW } from '../../arch/area';
import { renderTable, formatNumber } from '../format/table';
import { print, toJson, type OutputFormat } from './output';

export function networksCommand(args: { format: OutputFormat }): void {
  const zoo = listZoo();
  if (args.format === 'json') return print(toJson(zoo));
  print(
    renderTable(
      ['network', 'input', 'weighted layers', 'params', 'description'],
      zoo.map((z) => [z.name, formatShape(z.inputShape), z.weightedLayers, z.params, z.description]),
    ) + '\n\nYour own network: --network path/to/net.json (layer graph), net.csv (NeuroSim-style) or net.onnx (PyTorch, TensorFlow or PaddlePaddle export; --input-shape when its input is dynamic).',
  );
}

/**
 * The presets with each whole chip's area and peak efficiency at 16-bit weights and inputs (the papers' convention;
 * `analyze` prints the same figures for a plan's tiles), the published figures beside them.
 */
export function archsCommand(args: { format: OutputFormat }): void {
  const presets = listPresets().map((p) => {
    const arch = presetArch(p.name);
    return { ...p, chipAreaMm2: chipAreaMm2(arch), peak16Bit: { gopsPerMm2: peakGopsPerMm2(arch), gopsPerW: peakGopsPerW(arch) } };
  });
  if (args.format === 'json') return print(toJson(presets));
  const f = (v: number): string => formatNumber(v);
  const beside = (v: number | undefined): string => (v === undefined ? '' : ` (paper ${f(v)})`);
  const notes = presets.filter((p) => p.published !== undefined).map((p) => `${p.name}: ${p.published?.note ?? ''}.`);
  print(
    renderTable(
      ['arch', 'description', 'chip mm2', 'peak GOPS/s/mm2', 'peak GOPS/s/W', 'source'],
      presets.map((p) => [p.name, p.description, f(p.chipAreaMm2), f(p.peak16Bit.gopsPerMm2) + beside(p.published?.gopsPerMm2), f(p.peak16Bit.gopsPerW) + beside(p.published?.gopsPerW), p.citation]),
    ) +
      `\n\nPeak: the whole chip at 16-bit weights and inputs, every crossbar busy, at peak power. ${notes.join(' ')}` +
      '\n\nOverride any field: --set crossbar.rows=256, or --arch-file partial.json; or --arch my-chip.json.',
  );
}
