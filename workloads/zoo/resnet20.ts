/**
 * CIFAR-10 ResNet-20 (He et al., CVPR 2016, section 4.2): 3x3 conv 16, three stages of 3 basic blocks with
 * 16/32/64 channels, global average pool, fc 10.
 *
 * Shortcuts: where the shape changes we use a 1x1 stride-2 conv + BN projection (the paper's option B), not the
 * paper's parameter-free option A (stride-2 subsampling with zero-padded channels), because option A's channel
 * padding is not a layer kind lrmp has, and a projection is what a crossbar would hold. This adds 2 weighted
 * layers and 2,752 parameters over the paper's 0.27M (option A: 269,722; ours: 272,474).
 */
import { NetworkBuilder } from '../builder';
import type { Network } from '../types';
import { basicBlock } from './resnet-blocks';

export const description = 'ResNet-20 (He et al. 2016, 1x1-conv projection shortcuts), CIFAR-10 3x32x32, 10 classes';

export function resnet20(): Network {
  const b = new NetworkBuilder('resnet20', { channels: 3, height: 32, width: 32 });
  b.conv('conv1', 16, 3, { pad: 1 });
  b.batchNorm('bn1');
  b.relu('relu');
  let inChannels = 16;
  [16, 32, 64].forEach((planes, stage) => {
    for (let block = 0; block < 3; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      basicBlock(b, `layer${stage + 1}.${block}`, inChannels, planes, stride);
      inChannels = planes;
    }
  });
  b.globalAvgPool('avgpool');
  b.flatten('flatten');
  b.fc('fc', 10);
  // He et al. 2016, Table 6: 8.75% test error.
  return b.build({ floatAccuracyPct: 91.25 });
}
