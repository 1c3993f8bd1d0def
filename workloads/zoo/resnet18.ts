/** ResNet-18 exactly as torchvision.models.resnet18 (He et al., CVPR 2016), 3x224x224 input, 1000 classes. */
import { NetworkBuilder } from '../builder';
import type { Network } from '../types';
import { basicBlock, classifierHead, imagenetStem } from './resnet-blocks';

export const description = 'ResNet-18 (torchvision), ImageNet 3x224x224, 1000 classes';

export function resnet18(): Network {
  const b = new NetworkBuilder('resnet18', { channels: 3, height: 224, width: 224 });
  imagenetStem(b);
  let inChannels = 64;
  [64, 128, 256, 512].forEach((planes, stage) => {
    for (let block = 0; block < 2; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      basicBlock(b, `layer${stage + 1}.${block}`, inChannels, planes, stride);
      inChannels = planes;
    }
  });
  classifierHead(b, 1000);
  // torchvision IMAGENET1K_V1 weights, acc@1.
  return b.build({ floatAccuracyPct: 69.758 });
}
