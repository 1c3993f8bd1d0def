/** Typed access to ONNX node attributes; a missing attribute takes the operator's documented default. */
import { ATTR, toNumber, type OnnxAttribute, type OnnxNode, type OnnxTensor } from './proto';

function find(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attribute.find((a) => a.name === name);
}

export function hasAttr(node: OnnxNode, name: string): boolean {
  return find(node, name) !== undefined;
}

export function attrInt(node: OnnxNode, name: string, fallback: number): number {
  const a = find(node, name);
  return a ? toNumber(a.i) : fallback;
}

export function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = find(node, name);
  return a ? a.f : fallback;
}

export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = find(node, name);
  return a ? a.ints.map(toNumber) : undefined;
}

export function attrFloats(node: OnnxNode, name: string): number[] | undefined {
  const a = find(node, name);
  return a ? [...a.floats] : undefined;
}

export function attrString(node: OnnxNode, name: string, fallback: string): string {
  const a = find(node, name);
  return a ? Buffer.from(a.s.buffer, a.s.byteOffset, a.s.byteLength).toString('utf8') : fallback;
}

export function attrTensor(node: OnnxNode, name: string): OnnxTensor | undefined {
  const a = find(node, name);
  return a && a.type === ATTR.TENSOR && a.t ? a.t : undefined;
}

/** Names of the attributes present on a node (for error messages). */
export function attrNames(node: OnnxNode): string[] {
  return node.attribute.map((a) => a.name);
}
