/** ONNX import: ONNX files exported from PyTorch (and other tools) to lrmp's layer graph. */
export { importOnnx, supportedOnnxOps } from './import';
export type { OnnxImportOptions } from './import';
export { decodeModel, encodeModel } from './proto';
export type { ModelInit, OnnxModel } from './proto';
