/**
 * A small builder the zoo uses to write networks the way PyTorch model code reads, one call per module.
 * It is stateful (it remembers the last layer, which is the default input of the next), so it is a class;
 * it only produces plain `Network` data, which is then validated like any user network.
 */
import type { ActivationLayer, Layer, Network, PassLayer, Shape } from './types';
import { NETWORK_INPUT } from './types';

type Pair = number | [number, number];
/** Scalar (all sides), [vertical, horizontal] or [top, left, bottom, right], as in the JSON format. */
type Pad = number | [number, number] | [number, number, number, number];

export interface ConvOptions {
  /** @default 1 */
  stride?: Pair;
  /** @default 0 */
  pad?: Pad;
  /** @default 1 */
  dilation?: Pair;
  /** @default 1 */
  groups?: number;
  /** torchvision convs followed by batchnorm have none. @default false */
  bias?: boolean;
  /** Producer; @default the previous layer */
  from?: string;
}

export interface PoolOptions {
  /** @default the kernel size (PyTorch's default) */
  stride?: Pair;
  /** @default 0 */
  pad?: Pad;
  /** @default false */
  ceilMode?: boolean;
  from?: string;
}

export function toPair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export function toQuad(v: Pad): [number, number, number, number] {
  if (typeof v === 'number') return [v, v, v, v];
  if (v.length === 2) return [v[0], v[1], v[0], v[1]];
  return [v[0], v[1], v[2], v[3]];
}

export class NetworkBuilder {
  private readonly layers: Layer[] = [];
  private last: string = NETWORK_INPUT;

  constructor(
    private readonly name: string,
    private readonly input: Shape,
  ) {}

  /** Name of the most recently added layer (`input` before any). */
  get current(): string {
    return this.last;
  }

  private add(layer: Layer): string {
    this.layers.push(layer);
    this.last = layer.name;
    return layer.name;
  }

  private inputsOf(from: string | undefined): string[] {
    return [from ?? this.last];
  }

  conv(name: string, outChannels: number, kernel: Pair, opts: ConvOptions = {}): string {
    return this.add({
      kind: 'conv',
      name,
      inputs: this.inputsOf(opts.from),
      outChannels,
      kernel: toPair(kernel),
      stride: toPair(opts.stride ?? 1),
      pad: toQuad(opts.pad ?? 0),
      dilation: toPair(opts.dilation ?? 1),
      groups: opts.groups ?? 1,
      bias: opts.bias ?? false,
    });
  }

  /** Fully connected layer (torchvision's nn.Linear has a bias). */
  fc(name: string, outFeatures: number, opts: { bias?: boolean; from?: string } = {}): string {
    return this.add({ kind: 'fc', name, inputs: this.inputsOf(opts.from), outFeatures, bias: opts.bias ?? true });
  }

  maxPool(name: string, kernel: Pair, opts: PoolOptions = {}): string {
    return this.pool(name, 'max', kernel, opts);
  }

  avgPool(name: string, kernel: Pair, opts: PoolOptions = {}): string {
    return this.pool(name, 'avg', kernel, opts);
  }

  private pool(name: string, op: 'max' | 'avg', kernel: Pair, opts: PoolOptions): string {
    return this.add({
      kind: 'pool',
      name,
      inputs: this.inputsOf(opts.from),
      op,
      kernel: toPair(kernel),
      stride: toPair(opts.stride ?? kernel),
      pad: toQuad(opts.pad ?? 0),
      global: false,
      ceilMode: opts.ceilMode ?? false,
    });
  }

  /** Global average pooling (torchvision's AdaptiveAvgPool2d((1, 1))). */
  globalAvgPool(name: string, opts: { from?: string } = {}): string {
    return this.add({
      kind: 'pool',
      name,
      inputs: this.inputsOf(opts.from),
      op: 'avg',
      kernel: [1, 1],
      stride: [1, 1],
      pad: [0, 0, 0, 0],
      global: true,
      ceilMode: false,
    });
  }

  /** Element-wise sum (a residual connection). */
  add2(name: string, a: string, b: string): string {
    return this.add({ kind: 'eltwise', name, inputs: [a, b], op: 'add' });
  }

  concat(name: string, inputs: string[]): string {
    return this.add({ kind: 'concat', name, inputs: [...inputs] });
  }

  activation(name: string, fn: ActivationLayer['fn'], opts: { from?: string } = {}): string {
    return this.add({ kind: 'activation', name, inputs: this.inputsOf(opts.from), fn });
  }

  relu(name: string, opts: { from?: string } = {}): string {
    return this.activation(name, 'relu', opts);
  }

  relu6(name: string, opts: { from?: string } = {}): string {
    return this.activation(name, 'relu6', opts);
  }

  pass(name: string, fn: PassLayer['fn'], opts: { from?: string } = {}): string {
    return this.add({ kind: 'pass', name, inputs: this.inputsOf(opts.from), fn });
  }

  batchNorm(name: string, opts: { from?: string } = {}): string {
    return this.pass(name, 'batchnorm', opts);
  }

  flatten(name: string): string {
    return this.pass(name, 'flatten');
  }

  dropout(name: string): string {
    return this.pass(name, 'dropout');
  }

  build(extra: { floatAccuracyPct?: number } = {}): Network {
    const network: Network = { name: this.name, input: { ...this.input }, layers: this.layers.map((l) => ({ ...l })) };
    if (extra.floatAccuracyPct !== undefined) network.floatAccuracyPct = extra.floatAccuracyPct;
    return network;
  }
}

/** Numbers the modules of an nn.Sequential (`features.0`, `features.1`, ...) the way PyTorch names them. */
export class SequentialNames {
  private next = 0;
  constructor(private readonly prefix: string) {}
  /** The next module name. */
  take(): string {
    return `${this.prefix}.${this.next++}`;
  }
}
