/** VGG-16 exactly as torchvision.models.vgg16 (configuration "D", no batchnorm), 3x224x224 input, 1000 classes. */
import { NetworkBuilder, SequentialNames } from '../builder';
import type { Network } from '../types';

export const description = 'VGG-16 (torchvision, no batchnorm), ImageNet 3x224x224, 1000 classes';

/** torchvision cfg "D": output channels, 'M' = 2x2/2 max pool. */
const CFG_D: readonly (number | 'M')[] = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

export function vgg16(): Network {
  const b = new NetworkBuilder('vgg16', { channels: 3, height: 224, width: 224 });
  const features = new SequentialNames('features');
  for (const v of CFG_D) {
    if (v === 'M') {
      b.maxPool(features.take(), 2, { stride: 2 });
    } else {
      b.conv(features.take(), v, 3, { pad: 1, bias: true });
      b.relu(features.take());
    }
  }
  // AdaptiveAvgPool2d((7, 7)) on a 7x7 map is the identity: a 1x1/1 average pool.
  b.avgPool('avgpool', 1, { stride: 1 });
  b.flatten('flatten');
  const classifier = new SequentialNames('classifier');
  b.fc(classifier.take(), 4096);
  b.relu(classifier.take());
  b.dropout(classifier.take());
  b.fc(classifier.take(), 4096);
  b.relu(classifier.take());
  b.dropout(classifier.take());
  b.fc(classifier.take(), 1000);
  // torchvision IMAGENET1K_V1 weights, acc@1.
  return b.build({ floatAccuracyPct: 71.592 });
}
