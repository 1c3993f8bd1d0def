/**
 * LeNet-5-shaped CNN for MNIST 1x28x28 (LeCun et al. 1998, with ReLU and max pooling as modern re-implementations
 * use): conv 6@5x5 pad 2, relu, maxpool 2, conv 16@5x5, relu, maxpool 2, flatten, fc 120, relu, fc 84, relu, fc 10.
 *
 * Unlike the other zoo networks it has trained weights (workloads/trained/lenet5-mnist.weights.json, made by
 * scripts/train-lenet5.ts), so its accuracy can be measured (optimizer/accuracy/measured/). Its float accuracy and
 * per-layer proxy sensitivities come from workloads/trained/lenet5-mnist.calibration.json, written by
 * scripts/calibrate-lenet5.ts from measurements.
 */
import { NetworkBuilder } from '../builder';
import type { Network } from '../types';
import calibration from '../trained/lenet5-mnist.calibration.json';

export const description = 'LeNet-5 (ReLU, max pooling), MNIST 1x28x28, 10 classes; trained weights, measured accuracy';

interface CalibrationFile {
  network?: string;
  floatAccuracyPct?: number;
  sensitivities?: Record<string, { weight: number; activation: number }>;
}

export function lenet5(): Network {
  const b = new NetworkBuilder('lenet5-mnist', { channels: 1, height: 28, width: 28 });
  b.conv('conv1', 6, 5, { pad: 2, bias: true });
  b.relu('relu1');
  b.maxPool('pool1', 2);
  b.conv('conv2', 16, 5, { bias: true });
  b.relu('relu2');
  b.maxPool('pool2', 2);
  b.flatten('flatten');
  b.fc('fc1', 120);
  b.relu('relu3');
  b.fc('fc2', 84);
  b.relu('relu4');
  b.fc('fc3', 10);
  const cal: CalibrationFile = calibration;
  const network = cal.floatAccuracyPct === undefined ? b.build() : b.build({ floatAccuracyPct: cal.floatAccuracyPct });
  if (cal.sensitivities !== undefined) {
    network.sensitivities = Object.fromEntries(Object.entries(cal.sensitivities).map(([k, v]) => [k, { ...v }]));
  }
  return network;
}
