/** Public API of the workloads folder: network types, shape inference, the zoo, importers and exporters. */
export type {
  ActivationLayer,
  ConcatLayer,
  ConvLayer,
  EltwiseLayer,
  FcLayer,
  Layer,
  LayerKind,
  Network,
  PassLayer,
  PoolLayer,
  ResolvedLayer,
  ResolvedNetwork,
  Shape,
  WeightedLayer,
} from './types';
export { NETWORK_INPUT } from './types';
export { formatShape, outputShape, resolveNetwork, shapeSize } from './shapes';
export { NetworkBuilder, SequentialNames } from './builder';
export type { ConvOptions, PoolOptions } from './builder';
export { isZooName, listZoo, zooNames, zooNetwork } from './zoo';
export type { ZooListing } from './zoo';
export { networkToJson, parseNetworkJson } from './json';
export { parseNeurosimCsv } from './neurosim-csv';
export { loadNetwork, NETWORK_IMPORTERS, networkFileExtensions } from './load';
export type { LoadNetworkOptions, NetworkImporter, NetworkImporterEntry } from './load';
export { importOnnx, supportedOnnxOps } from './onnx';
export type { OnnxImportOptions } from './onnx';
