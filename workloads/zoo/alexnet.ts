/** AlexNet exactly as torchvision.models.alexnet (the one-GPU variant, Krizhevsky 2014), 3x224x224 input. */
import { NetworkBuilder, SequentialNames } from '../builder';
import type { Network } from '../types';

export const description = 'AlexNet (torchvision), ImageNet 3x224x224, 1000 classes';

export function alexnet(): Network {
  const b = new NetworkBuilder('alexnet', { channels: 3, height: 224, width: 224 });
  const f = new SequentialNames('features');
  b.conv(f.take(), 64, 11, { stride: 4, pad: 2, bias: true });
  b.relu(f.take());
  b.maxPool(f.take(), 3, { stride: 2 });
  b.conv(f.take(), 192, 5, { pad: 2, bias: true });
  b.relu(f.take());
  b.maxPool(f.take(), 3, { stride: 2 });
  b.conv(f.take(), 384, 3, { pad: 1, bias: true });
  b.relu(f.take());
  b.conv(f.take(), 256, 3, { pad: 1, bias: true });
  b.relu(f.take());
  b.conv(f.take(), 256, 3, { pad: 1, bias: true });
  b.relu(f.take());
  b.maxPool(f.take(), 3, { stride: 2 });
  // AdaptiveAvgPool2d((6, 6)) on the 6x6 map a 224 input gives is the identity: a 1x1/1 average pool.
  b.avgPool('avgpool', 1, { stride: 1 });
  b.flatten('flatten');
  const c = new SequentialNames('classifier');
  b.dropout(c.take());
  b.fc(c.take(), 4096);
  b.relu(c.take());
  b.dropout(c.take());
  b.fc(c.take(), 4096);
  b.relu(c.take());
  b.fc(c.take(), 1000);
  // torchvision IMAGENET1K_V1 weights, acc@1.
  return b.build({ floatAccuracyPct: 56.522 });
}
