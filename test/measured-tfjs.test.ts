import { compileNetwork, floatParams, forward, loadAllDigits, loadWeights, selectDigits, toRuntimeLayout, weightsPathFor } from '../optimizer/accuracy/measured';
import { resolveNetwork, zooNetwork } from '../workloads';

type Tf = typeof import('@tensorflow/tfjs');
function loadTf(): Tf | undefined {
  try {
    // A devDependency: present in development and CI, absent from a production install.
    return require('@tensorflow/tfjs') as Tf;
  } catch {
    return undefined;
  }
}
const tf = loadTf();
const maybe = tf ? test : test.skip;

describe('measured forward pass against tfjs', () => {
  maybe('lenet5-mnist logits on 5 held-out images equal tfjs conv2d/maxPool/matMul on the stored weights', async () => {
    const t = tf as Tf;
    await t.setBackend('cpu');
    const net = resolveNetwork(zooNetwork('lenet5-mnist'));
    const file = weightsPathFor('lenet5-mnist');
    const w = loadWeights(file);
    const digits = selectDigits(loadAllDigits(), w.heldOut.slice(0, 5));
    const c = compileNetwork(net, file);
    const params = toRuntimeLayout(net, floatParams(net, w, file));
    const ours: number[][] = [];
    for (let i = 0; i < 5; i++) ours.push(Array.from(forward(c, params, digits.images.subarray(i * 784, (i + 1) * 784), [], () => undefined)));

    // tfjs, written from the stored PyTorch layouts independently of the trainer's conversions.
    const L = w.layers;
    const convK = (name: string): import('@tensorflow/tfjs').Tensor4D => {
      const s = L[name]!.weightShape as [number, number, number, number];
      return t.transpose(t.tensor4d(L[name]!.weight, s), [2, 3, 1, 0]);
    };
    const fcK = (name: string): import('@tensorflow/tfjs').Tensor2D => t.transpose(t.tensor2d(L[name]!.weight, L[name]!.weightShape as [number, number]));
    const theirs = t.tidy(() => {
      let h: import('@tensorflow/tfjs').Tensor = t.tensor4d(digits.images, [5, 28, 28, 1]);
      h = t.relu(t.add(t.conv2d(h as import('@tensorflow/tfjs').Tensor4D, convK('conv1'), 1, 'same'), t.tensor1d(L['conv1']!.bias!)));
      h = t.maxPool(h as import('@tensorflow/tfjs').Tensor4D, 2, 2, 'valid');
      h = t.relu(t.add(t.conv2d(h as import('@tensorflow/tfjs').Tensor4D, convK('conv2'), 1, 'valid'), t.tensor1d(L['conv2']!.bias!)));
      h = t.maxPool(h as import('@tensorflow/tfjs').Tensor4D, 2, 2, 'valid');
      // lrmp flattens channel-major (C, H, W), as PyTorch does.
      h = t.reshape(t.transpose(h, [0, 3, 1, 2]), [5, 400]);
      h = t.relu(t.add(t.matMul(h as import('@tensorflow/tfjs').Tensor2D, fcK('fc1')), t.tensor1d(L['fc1']!.bias!)));
      h = t.relu(t.add(t.matMul(h as import('@tensorflow/tfjs').Tensor2D, fcK('fc2')), t.tensor1d(L['fc2']!.bias!)));
      return t.add(t.matMul(h as import('@tensorflow/tfjs').Tensor2D, fcK('fc3')), t.tensor1d(L['fc3']!.bias!)).arraySync() as number[][];
    });
    for (let i = 0; i < 5; i++) {
      for (let k = 0; k < 10; k++) expect(Math.abs((ours[i]![k] as number) - (theirs[i]![k] as number))).toBeLessThan(1e-3);
    }
  });
});
