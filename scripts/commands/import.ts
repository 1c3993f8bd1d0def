/** `lrmp import model.onnx --out net.json`: converts an ONNX file to lrmp's JSON layer graph. */
import { checkOutputPaths, writeFileAtomic } from '../../io';
import { networkToJson } from '../../workloads/json';
import { importOnnx } from '../../workloads/onnx';
import { resolveNetwork } from '../../workloads/shapes';
import { parseInputSpec } from './inputs';

export interface ImportArgs {
  /** The ONNX file. */
  file: string;
  /** Where the JSON network is written (atomically: a temp file, then rename). */
  out: string;
  /** `1x3x224x224`, for models with dynamic dimensions. */
  inputShape?: string | undefined;
}

/**
 * Imports, checks shapes (so a network that cannot run is never written), writes the JSON network and prints a
 * one-line summary to stderr (stdout stays free for data).
 */
export async function importCommand(args: ImportArgs): Promise<void> {
  checkOutputPaths([{ option: '--out', file: args.out }], [{ option: 'ONNX', file: args.file }]);
  const network = importOnnx(args.file, { source: args.file, ...(args.inputShape === undefined ? {} : parseInputSpec(args.inputShape)) });
  const resolved = resolveNetwork(network, args.file);
  await writeFileAtomic(args.out, networkToJson(network));
  process.stderr.write(
    `${args.file}: ${network.layers.length} layers (${resolved.weightedIndices.length} with weights, ` +
      `${resolved.totalParams} parameters) written to ${args.out}\n`,
  );
}
