/**
 * The residual blocks of torchvision's ResNet (torchvision/models/resnet.py), shared by resnet18 and resnet50.
 * Module names follow torchvision (`layer1.0.conv1`, `layer1.0.downsample.0`); the functional ReLUs and the
 * residual add, which have no module of their own there, are named `reluN` and `add` inside their block.
 */
import type { NetworkBuilder } from '../builder';

/** BasicBlock (expansion 1): 3x3 conv, BN, ReLU, 3x3 conv, BN, + shortcut, ReLU. Returns the block output. */
export function basicBlock(b: NetworkBuilder, prefix: string, inChannels: number, planes: number, stride: number): string {
  const blockIn = b.current;
  b.conv(`${prefix}.conv1`, planes, 3, { stride, pad: 1 });
  b.batchNorm(`${prefix}.bn1`);
  b.relu(`${prefix}.relu1`);
  b.conv(`${prefix}.conv2`, planes, 3, { pad: 1 });
  const main = b.batchNorm(`${prefix}.bn2`);
  const shortcut = downsample(b, prefix, blockIn, inChannels, planes, stride);
  b.add2(`${prefix}.add`, main, shortcut);
  return b.relu(`${prefix}.relu2`);
}

/**
 * Bottleneck (expansion 4), torchvision's "ResNet v1.5": the stride sits on the 3x3 conv, not the first 1x1.
 */
export function bottleneck(b: NetworkBuilder, prefix: string, inChannels: number, planes: number, stride: number): string {
  const blockIn = b.current;
  b.conv(`${prefix}.conv1`, planes, 1);
  b.batchNorm(`${prefix}.bn1`);
  b.relu(`${prefix}.relu1`);
  b.conv(`${prefix}.conv2`, planes, 3, { stride, pad: 1 });
  b.batchNorm(`${prefix}.bn2`);
  b.relu(`${prefix}.relu2`);
  b.conv(`${prefix}.conv3`, planes * 4, 1);
  const main = b.batchNorm(`${prefix}.bn3`);
  const shortcut = downsample(b, prefix, blockIn, inChannels, planes * 4, stride);
  b.add2(`${prefix}.add`, main, shortcut);
  return b.relu(`${prefix}.relu3`);
}

/** torchvision adds a 1x1 conv + BN shortcut when the stride or the channel count changes; else identity. */
function downsample(b: NetworkBuilder, prefix: string, blockIn: string, inChannels: number, outChannels: number, stride: number): string {
  if (stride === 1 && inChannels === outChannels) return blockIn;
  b.conv(`${prefix}.downsample.0`, outChannels, 1, { stride, from: blockIn });
  return b.batchNorm(`${prefix}.downsample.1`);
}

/** The ImageNet stem: 7x7/2 conv, BN, ReLU, 3x3/2 max pool. */
export function imagenetStem(b: NetworkBuilder): void {
  b.conv('conv1', 64, 7, { stride: 2, pad: 3 });
  b.batchNorm('bn1');
  b.relu('relu');
  b.maxPool('maxpool', 3, { stride: 2, pad: 1 });
}

/** The head: global average pool, flatten, fc. */
export function classifierHead(b: NetworkBuilder, classes: number): void {
  b.globalAvgPool('avgpool');
  b.flatten('flatten');
  b.fc('fc', classes);
}
