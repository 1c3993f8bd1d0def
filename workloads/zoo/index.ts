/**
 * The built-in network zoo. Each network is a function in its own file, so a caller always gets a fresh copy
 * it may change.
 */
import { UnknownNameError } from '../../errors';
import { resolveNetwork } from '../shapes';
import type { Network, Shape } from '../types';
import * as alexnetModule from './alexnet';
import * as lenet5Module from './lenet5';
import * as mobilenetv2Module from './mobilenetv2';
import * as resnet18Module from './resnet18';
import * as resnet20Module from './resnet20';
import * as resnet50Module from './resnet50';
import * as transformers from './transformers';
import * as vgg16Module from './vgg16';
import * as vgg8Module from './vgg8';

interface ZooEntry {
  build: () => Network;
  description: string;
}

/** In the order `lrmp networks` lists them: the five ImageNet benchmarks, the CIFAR-10 ones, then transformers. */
const ZOO: Readonly<Record<string, ZooEntry>> = {
  resnet18: { build: resnet18Module.resnet18, description: resnet18Module.description },
  resnet50: { build: resnet50Module.resnet50, description: resnet50Module.description },
  vgg16: { build: vgg16Module.vgg16, description: vgg16Module.description },
  mobilenetv2: { build: mobilenetv2Module.mobilenetv2, description: mobilenetv2Module.description },
  alexnet: { build: alexnetModule.alexnet, description: alexnetModule.description },
  resnet20: { build: resnet20Module.resnet20, description: resnet20Module.description },
  vgg8: { build: vgg8Module.vgg8, description: vgg8Module.description },
  'lenet5-mnist': { build: lenet5Module.lenet5, description: lenet5Module.description },
  // Transformers (workloads/zoo/transformers.ts): tokens are the pipeline's rows.
  'vit-b16': { build: transformers.vitB16, description: transformers.descriptions['vit-b16'] ?? '' },
  'deit-tiny': { build: transformers.deitTiny, description: transformers.descriptions['deit-tiny'] ?? '' },
  'deit-s': { build: transformers.deitS, description: transformers.descriptions['deit-s'] ?? '' },
  'bert-base': { build: transformers.bertBase, description: transformers.descriptions['bert-base'] ?? '' },
  gpt2: { build: transformers.gpt2, description: transformers.descriptions.gpt2 ?? '' },
};

/** The preset a zoo network runs on when no --arch is given: xformer for the transformers (attention hardware). */
export function zooPreferredArch(name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(transformers.descriptions, name) ? 'xformer' : undefined;
}

export function zooNames(): string[] {
  return Object.keys(ZOO);
}

export function isZooName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(ZOO, name);
}

/** A fresh copy of a zoo network; UnknownNameError lists the known names. */
export function zooNetwork(name: string): Network {
  const entry = isZooName(name) ? ZOO[name] : undefined;
  if (!entry) throw new UnknownNameError('network', name, zooNames());
  return entry.build();
}

export interface ZooListing {
  name: string;
  description: string;
  inputShape: Shape;
  /** Conv and fc layers (the ones that occupy crossbars). */
  weightedLayers: number;
  /** Total parameters, counting biases and batchnorm affine parameters (as torchvision does). */
  params: number;
}

/** One line per zoo network, for `lrmp networks`. */
export function listZoo(): ZooListing[] {
  return zooNames().map((name) => {
    const entry = ZOO[name] as ZooEntry;
    const resolved = resolveNetwork(entry.build());
    return {
      name,
      description: entry.description,
      inputShape: { ...resolved.network.input },
      weightedLayers: resolved.weightedIndices.length,
      params: resolved.totalParams,
    };
  });
}

export { alexnet } from './alexnet';
export { lenet5 } from './lenet5';
export { mobilenetv2 } from './mobilenetv2';
export { resnet18 } from './resnet18';
export { resnet20 } from './resnet20';
export { resnet50 } from './resnet50';
export { vgg16 } from './vgg16';
export { vgg8 } from './vgg8';
export { bertBase, deitS, deitTiny, gpt2, transformerNetwork, vitB16 } from './transformers';
