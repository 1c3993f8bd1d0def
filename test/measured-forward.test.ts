import { argmax, compileNetwork, forward, quantizeActivationsInPlace, toRuntimeLayout } from '../optimizer/accuracy/measured';
import { NetworkBuilder } from '../workloads/builder';
import { resolveNetwork } from '../workloads';

/** A tiny network worked by hand: 1x3x3 input, conv 1@2x2 (pad 0) + bias -> relu -> maxpool 2 (to 1x1) -> fc 2 with bias. */
function tiny() {
  const b = new NetworkBuilder('tiny', { channels: 1, height: 3, width: 3 });
  b.conv('c', 1, 2, { bias: true });
  b.relu('r');
  b.maxPool('p', 2);
  b.flatten('f');
  b.fc('fc', 2);
  return resolveNetwork(b.build());
}

describe('measured forward pass on a hand-computed case', () => {
  const net = tiny();
  const image = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // conv kernel [[1, 0], [0, -1]], bias 0.5: out(y,x) = in(y,x) - in(y+1,x+1) + 0.5 = -4 + 0.5 = -3.5 everywhere,
  // relu -> 0. With kernel [[0, 1], [1, 0]]: in(y,x+1) + in(y+1,x) + 0.5 = [[6.5, 8.5], [12.5, 14.5]] -> max 14.5.
  const conv = { weight: Float32Array.from([0, 1, 1, 0]), bias: Float32Array.from([0.5]) };
  // fc weights [out, in] = [[2], [-1]], bias [1, 20]: outputs 2 * 14.5 + 1 = 30 and -14.5 + 20 = 5.5.
  const fc = { weight: Float32Array.from([2, -1]), bias: Float32Array.from([1, 20]) };

  test('float outputs equal the hand computation', () => {
    const c = compileNetwork(net, 'tiny');
    const out = forward(c, toRuntimeLayout(net, [conv, fc]), image, [undefined, undefined], () => undefined);
    expect(Array.from(out)).toEqual([30, 5.5]);
    expect(argmax(out)).toBe(0);
    const relu0 = forward(c, toRuntimeLayout(net, [{ weight: Float32Array.from([1, 0, 0, -1]), bias: conv.bias }, fc]), image, [undefined, undefined], () => undefined);
    expect(Array.from(relu0)).toEqual([1, 20]);
  });

  test('the input of each weighted layer is quantized before it is used', () => {
    const c = compileNetwork(net, 'tiny');
    // Image at 2 bits over [0, 9]: step 3, pixels 1..9 -> 0, 3, 3, 3, 6, 6, 6, 9, 9. conv: in(y,x+1) + in(y+1,x) + 0.5
    // = [[6.5, 9.5], [12.5, 15.5]] -> max 15.5. fc input 15.5 at 2 bits over [0, 15]: step 5 -> 15 (clipped).
    // fc: 2 * 15 + 1 = 31, -15 + 20 = 5.
    const out = forward(c, toRuntimeLayout(net, [conv, fc]), image, [{ bits: 2, clip: 9 }, { bits: 2, clip: 15 }], quantizeActivationsInPlace);
    expect(Array.from(out)).toEqual([31, 5]);
  });

  test('padding, stride and a second input channel: conv 1->1 3x3 pad 1 on a 2-channel input', () => {
    const b = new NetworkBuilder('pad', { channels: 2, height: 2, width: 2 });
    b.conv('c', 1, 3, { pad: 1, stride: 2 });
    const r = resolveNetwork(b.build());
    // All-ones kernel over both channels, stride 2: only output (0,0), whose window covers the whole 2x2 of each
    // channel: sum = (1+2+3+4) + (10+20+30+40) = 110.
    const c = compileNetwork(r, 'pad');
    const out = forward(c, [{ weight: new Float32Array(18).fill(1), bias: undefined }], Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]), [undefined], () => undefined);
    expect(Array.from(out)).toEqual([110]);
  });
});
