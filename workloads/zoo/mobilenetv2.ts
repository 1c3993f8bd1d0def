/**
 * MobileNetV2 exactly as torchvision.models.mobilenet_v2 (Sandler et al., CVPR 2018; width 1.0), 3x224x224.
 * Names follow torchvision (`features.2.conv.1.0` is block 2's depthwise conv); the residual add, functional
 * there, is `features.N.add`.
 */
import { NetworkBuilder, SequentialNames } from '../builder';
import type { Network } from '../types';

export const description = 'MobileNetV2 1.0 (torchvision), ImageNet 3x224x224, 1000 classes';

/** torchvision's inverted_residual_setting: expansion t, output channels c, repeats n, first stride s. */
const SETTING: readonly [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** Conv2dNormActivation: conv (no bias), BN, ReLU6, as modules `.0`, `.1`, `.2` of `prefix`. */
function convBnRelu6(b: NetworkBuilder, prefix: string, out: number, kernel: number, stride: number, groups: number): string {
  b.conv(`${prefix}.0`, out, kernel, { stride, pad: (kernel - 1) / 2, groups });
  b.batchNorm(`${prefix}.1`);
  return b.relu6(`${prefix}.2`);
}

function invertedResidual(b: NetworkBuilder, prefix: string, inp: number, oup: number, stride: number, t: number): void {
  const blockIn = b.current;
  const hidden = Math.round(inp * t);
  const conv = new SequentialNames(`${prefix}.conv`);
  if (t !== 1) convBnRelu6(b, conv.take(), hidden, 1, 1, 1);
  convBnRelu6(b, conv.take(), hidden, 3, stride, hidden);
  b.conv(conv.take(), oup, 1);
  const out = b.batchNorm(conv.take());
  if (stride === 1 && inp === oup) b.add2(`${prefix}.add`, out, blockIn);
}

export function mobilenetv2(): Network {
  const b = new NetworkBuilder('mobilenetv2', { channels: 3, height: 224, width: 224 });
  const features = new SequentialNames('features');
  convBnRelu6(b, features.take(), 32, 3, 2, 1);
  let inp = 32;
  for (const [t, c, n, s] of SETTING) {
    for (let i = 0; i < n; i++) {
      invertedResidual(b, features.take(), inp, c, i === 0 ? s : 1, t);
      inp = c;
    }
  }
  convBnRelu6(b, features.take(), 1280, 1, 1, 1);
  b.globalAvgPool('avgpool');
  b.flatten('flatten');
  b.dropout('classifier.0');
  b.fc('classifier.1', 1000);
  // torchvision IMAGENET1K_V1 weights, acc@1.
  return b.build({ floatAccuracyPct: 71.878 });
}
