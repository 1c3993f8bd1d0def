/** ResNet-50 exactly as torchvision.models.resnet50 (v1.5: stride on the 3x3 conv), 3x224x224 input, 1000 classes. */
import { NetworkBuilder } from '../builder';
import type { Network } from '../types';
import { bottleneck, classifierHead, imagenetStem } from './resnet-blocks';

export const description = 'ResNet-50 v1.5 (torchvision), ImageNet 3x224x224, 1000 classes';

export function resnet50(): Network {
  const b = new NetworkBuilder('resnet50', { channels: 3, height: 224, width: 224 });
  imagenetStem(b);
  let inChannels = 64;
  const stages: [number, number][] = [
    [64, 3],
    [128, 4],
    [256, 6],
    [512, 3],
  ];
  stages.forEach(([planes, blocks], stage) => {
    for (let block = 0; block < blocks; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      bottleneck(b, `layer${stage + 1}.${block}`, inChannels, planes, stride);
      inChannels = planes * 4;
    }
  });
  classifierHead(b, 1000);
  // torchvision IMAGENET1K_V1 weights, acc@1.
  return b.build({ floatAccuracyPct: 76.13 });
}
