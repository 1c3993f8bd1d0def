import { UnknownNameError } from '../errors';
import { formatShape, listZoo, outputShape, resolveNetwork, zooNames, zooNetwork } from '../workloads';
import type { ResolvedNetwork } from '../workloads';

function layerByName(r: ResolvedNetwork, name: string) {
  const found = r.layers.find((l) => l.layer.name === name);
  if (!found) throw new Error(`no layer ${name}`);
  return found;
}

describe('zoo parameter and layer counts', () => {
  // Published totals: torchvision's model documentation ("num_params" of the IMAGENET1K_V1 weights), which
  // count conv/fc weights and biases and batchnorm weight+bias. Weighted layers = conv + fc modules.
  const published: [string, number, number][] = [
    ['resnet18', 11_689_512, 21],
    ['resnet50', 25_557_032, 54],
    ['vgg16', 138_357_544, 16],
    ['mobilenetv2', 3_504_872, 53],
    ['alexnet', 61_100_840, 8],
  ];
  test.each(published)('%s has %i parameters in %i weighted layers (torchvision)', (name, params, weighted) => {
    const r = resolveNetwork(zooNetwork(name));
    expect(r.totalParams).toBe(params);
    expect(r.weightedIndices.length).toBe(weighted);
  });

  test('resnet20 matches He et al. 2016 (0.27M) and a by-hand count with projection shortcuts', () => {
    const r = resolveNetwork(zooNetwork('resnet20'));
    // By hand. conv 3x3 weights + BN (2C) per conv:
    const conv = (cin: number, cout: number, k: number): number => cin * cout * k * k + 2 * cout;
    const stem = conv(3, 16, 3);
    const stage1 = 6 * conv(16, 16, 3);
    const stage2 = conv(16, 32, 3) + 5 * conv(32, 32, 3);
    const stage3 = conv(32, 64, 3) + 5 * conv(64, 64, 3);
    const fc = 64 * 10 + 10;
    const optionA = stem + stage1 + stage2 + stage3 + fc;
    // 269,722 is the widely quoted count of the option-A ResNet-20 (e.g. akamaster/pytorch_resnet_cifar10).
    expect(optionA).toBe(269_722);
    const projections = conv(16, 32, 1) + conv(32, 64, 1);
    expect(r.totalParams).toBe(optionA + projections);
    // The paper's Table 6 rounds to 0.27M.
    expect(Math.round(r.totalParams / 1e4) / 100).toBe(0.27);
    // 1 stem conv + 18 block convs + 2 projections + fc.
    expect(r.weightedIndices.length).toBe(22);
  });

  test('vgg8 matches a by-hand count (no biases, no batchnorm)', () => {
    const r = resolveNetwork(zooNetwork('vgg8'));
    const c3 = (cin: number, cout: number): number => cin * cout * 9;
    const convs = c3(3, 128) + c3(128, 128) + c3(128, 256) + c3(256, 256) + c3(256, 512) + c3(512, 512);
    // Three 2x2 pools take 32x32 to 4x4: the classifier sees 512 * 4 * 4 = 8192 features.
    const fcs = 8192 * 1024 + 1024 * 10;
    expect(r.totalParams).toBe(convs + fcs);
    expect(r.totalParams).toBe(12_973_440);
    expect(r.weightedIndices.length).toBe(8);
  });
});

describe('zoo shapes', () => {
  test.each([
    ['resnet18', 1000],
    ['resnet50', 1000],
    ['vgg16', 1000],
    ['mobilenetv2', 1000],
    ['alexnet', 1000],
    ['resnet20', 10],
    ['vgg8', 10],
  ])('%s ends in %i classes', (name, classes) => {
    expect(outputShape(resolveNetwork(zooNetwork(name)))).toEqual({ channels: classes, height: 1, width: 1 });
  });

  test('resnet18 spot shapes and conv1 MACs', () => {
    const r = resolveNetwork(zooNetwork('resnet18'));
    expect(formatShape(layerByName(r, 'conv1').outShape)).toBe('64x112x112');
    expect(formatShape(layerByName(r, 'maxpool').outShape)).toBe('64x56x56');
    expect(formatShape(layerByName(r, 'layer2.0.downsample.0').outShape)).toBe('128x28x28');
    expect(formatShape(layerByName(r, 'layer4.1.relu2').outShape)).toBe('512x7x7');
    expect(layerByName(r, 'fc').inShapes[0]).toEqual({ channels: 512, height: 1, width: 1 });
    // 112*112 output pixels x 64 filters x 3*7*7 taps.
    expect(layerByName(r, 'conv1').macs).toBe(112 * 112 * 64 * 3 * 7 * 7);
    // torchvision lists resnet18 at 1.81 GFLOPS (multiply-accumulates of conv and fc).
    const gmacs = r.layers.reduce((s, l) => s + l.macs, 0) / 1e9;
    expect(gmacs).toBeCloseTo(1.81, 2);
  });

  test('resnet50 has a projection in layer1 and ends stage 4 at 2048x7x7', () => {
    const r = resolveNetwork(zooNetwork('resnet50'));
    expect(formatShape(layerByName(r, 'layer1.0.downsample.0').outShape)).toBe('256x56x56');
    // v1.5: the stride is on conv2 of the first block of a stage.
    expect(formatShape(layerByName(r, 'layer2.0.conv1').outShape)).toBe('128x56x56');
    expect(formatShape(layerByName(r, 'layer2.0.conv2').outShape)).toBe('128x28x28');
    expect(formatShape(layerByName(r, 'layer4.2.relu3').outShape)).toBe('2048x7x7');
  });

  test('vgg16, alexnet and mobilenetv2 spot shapes', () => {
    const vgg = resolveNetwork(zooNetwork('vgg16'));
    expect(formatShape(layerByName(vgg, 'features.30').outShape)).toBe('512x7x7');
    expect(layerByName(vgg, 'classifier.0').inShapes[0]?.channels).toBe(25088);
    const alex = resolveNetwork(zooNetwork('alexnet'));
    expect(formatShape(layerByName(alex, 'features.0').outShape)).toBe('64x55x55');
    expect(formatShape(layerByName(alex, 'avgpool').outShape)).toBe('256x6x6');
    expect(layerByName(alex, 'classifier.1').inShapes[0]?.channels).toBe(9216);
    const mnet = resolveNetwork(zooNetwork('mobilenetv2'));
    const dw = layerByName(mnet, 'features.2.conv.1.0');
    expect(dw.layer.kind === 'conv' && dw.layer.groups).toBe(96);
    expect(formatShape(dw.outShape)).toBe('96x56x56');
    expect(dw.params).toBe(96 * 3 * 3);
    expect(formatShape(layerByName(mnet, 'features.18.2').outShape)).toBe('1280x7x7');
    // Residual adds only where stride 1 and channels unchanged: 10 of the 17 blocks.
    expect(mnet.layers.filter((l) => l.layer.kind === 'eltwise').length).toBe(10);
  });

  test('resnet20 stages run at 32, 16 and 8 pixels', () => {
    const r = resolveNetwork(zooNetwork('resnet20'));
    expect(formatShape(layerByName(r, 'layer1.2.relu2').outShape)).toBe('16x32x32');
    expect(formatShape(layerByName(r, 'layer2.0.downsample.0').outShape)).toBe('32x16x16');
    expect(formatShape(layerByName(r, 'layer3.2.relu2').outShape)).toBe('64x8x8');
  });
});

describe('zoo lookup', () => {
  test('names, fresh copies and listing', () => {
    expect(zooNames()).toEqual(['resnet18', 'resnet50', 'vgg16', 'mobilenetv2', 'alexnet', 'resnet20', 'vgg8', 'lenet5-mnist', 'vit-b16', 'deit-tiny', 'deit-s', 'bert-base', 'gpt2']);
    const a = zooNetwork('resnet18');
    a.layers.pop();
    expect(zooNetwork('resnet18').layers.length).toBe(a.layers.length + 1);
    const listing = listZoo();
    expect(listing.map((l) => l.name)).toEqual(zooNames());
    const r18 = listing.find((l) => l.name === 'resnet18');
    expect(r18).toMatchObject({ weightedLayers: 21, params: 11_689_512, inputShape: { channels: 3, height: 224, width: 224 } });
    expect(listing.every((l) => l.description.length > 0)).toBe(true);
  });

  test('an unknown name lists the known ones', () => {
    expect(() => zooNetwork('resnet19')).toThrow(UnknownNameError);
    expect(() => zooNetwork('resnet19')).toThrow(/resnet19.*resnet18, resnet50/);
    expect(() => zooNetwork('toString')).toThrow(UnknownNameError);
  });

  test('layer names are unique in every network', () => {
    for (const name of zooNames()) {
      const names = zooNetwork(name).layers.map((l) => l.name);
      expect(new Set(names).size).toBe(names.length);
    }
  });
});
