/**
 * The VGG-8 of DNN+NeuroSim (neurosim/DNN_NeuroSim_V1.3, Inference_pytorch/models/VGG.py) for CIFAR-10:
 * conv128, conv128, maxpool, conv256, conv256, maxpool, conv512, conv512, maxpool, fc1024, fc10; 3x3 'same'
 * convs, ReLU after every layer but the last, no batchnorm, and no biases (NeuroSim's QConv2d/QLinear default
 * to bias=False).
 */
import { NetworkBuilder, SequentialNames } from '../builder';
import type { Network } from '../types';

export const description = 'VGG-8 (DNN+NeuroSim, no bias, no batchnorm), CIFAR-10 3x32x32, 10 classes';

const CFG: readonly (number | 'M')[] = [128, 128, 'M', 256, 256, 'M', 512, 512, 'M'];

export function vgg8(): Network {
  const b = new NetworkBuilder('vgg8', { channels: 3, height: 32, width: 32 });
  const features = new SequentialNames('features');
  for (const v of CFG) {
    if (v === 'M') {
      b.maxPool(features.take(), 2, { stride: 2 });
    } else {
      b.conv(features.take(), v, 3, { pad: 1 });
      b.relu(features.take());
    }
  }
  b.flatten('flatten');
  const classifier = new SequentialNames('classifier');
  b.fc(classifier.take(), 1024, { bias: false });
  b.relu(classifier.take());
  b.fc(classifier.take(), 10, { bias: false });
  return b.build();
}
