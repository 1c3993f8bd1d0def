// The ONNX writer lives in workloads/onnx/write.ts (the bench uses it too); tests keep importing it from here.
export * from '../../workloads/onnx/write';
