import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError, dirac, identity } from '../../src';
import { expectNoLeak } from '../helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Identity', () => {
  it('puts the gain on the diagonal of square, wide and tall shapes (PyTorch eye_, Keras Identity)', () => {
    for (const [rows, cols] of [
      [4, 4],
      [3, 5],
      [5, 3],
    ]) {
      const values = identity({ gain: 2 }).sample([rows, cols]);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) expect(values[i * cols + j]).toBe(i === j ? 2 : 0);
      }
    }
  });

  it('a Dense layer with it copies its first min(in, out) inputs (times the gain)', async () => {
    await expectNoLeak(() => {
      const layer = tf.layers.dense({ units: 3, inputShape: [5], useBias: false, kernelInitializer: identity() });
      const model = tf.sequential({ layers: [layer] });
      const x = tf.tensor2d([
        [1, 2, 3, 4, 5],
        [-1, 0.5, 7, 8, 9],
      ]);
      const y = model.predict(x) as tf.Tensor;
      expect(y.arraySync()).toEqual([
        [1, 2, 3],
        [-1, 0.5, 7],
      ]);
      tf.dispose([x, y]);
      model.dispose();
    });
  });

  it('rejects shapes that are not 2-D', () => {
    expect(() => identity().sample([3, 3, 3])).toThrow(
      /TfjsInit>Identity: shape must be of rank 2 \(\[rows, cols\]\); got \[3, 3, 3\]/,
    );
    expect(() => identity().sample([4])).toThrow(InitializerConfigError);
  });
});

describe('Dirac', () => {
  it('a same-padded Conv2D with it passes its input through (in = out)', async () => {
    await expectNoLeak(() => {
      const conv = tf.layers.conv2d({
        inputShape: [6, 6, 3],
        filters: 3,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: dirac(),
      });
      const model = tf.sequential({ layers: [conv] });
      const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1);
      const y = model.predict(x) as tf.Tensor;
      expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
      tf.dispose([x, y]);
      model.dispose();
    });
  });

  it('Conv1D and Conv3D kernels, even kernel sizes: the delta sits at floor(k / 2), as PyTorch', () => {
    const k1 = dirac().sample([4, 2, 2]); // taps 0..3, centre 2
    for (let t = 0; t < 4; t++) {
      for (let i = 0; i < 2; i++)
        for (let o = 0; o < 2; o++) expect(k1[(t * 2 + i) * 2 + o]).toBe(t === 2 && i === o ? 1 : 0);
    }
    const k3 = dirac({ gain: 0.5 }).sample([3, 3, 3, 2, 2]);
    expect(k3.reduce((a, b) => a + b, 0)).toBe(1);
    expect(k3[(((1 * 3 + 1) * 3 + 1) * 2 + 1) * 2 + 1]).toBe(0.5);
  });

  it('groups: each group of out/groups channels copies the first in channels (PyTorch dirac_(groups))', () => {
    // 1x1 kernel, in 2 (per group), out 6 in 3 groups of 2: out channel 2g + d <- in d
    const w = dirac({ groups: 3 }).sample([1, 1, 2, 6]);
    const expected = [
      [1, 0, 1, 0, 1, 0],
      [0, 1, 0, 1, 0, 1],
    ];
    expect(Array.from(w)).toEqual(expected.flat());
    // more outputs per group than inputs: the extra channels stay zero
    const wide = dirac({ groups: 1 }).sample([1, 2, 4]);
    expect(Array.from(wide)).toEqual([1, 0, 0, 0, 0, 1, 0, 0]);
  });

  it('depthwise: a DepthwiseConv2D with it passes each channel through', async () => {
    await expectNoLeak(() => {
      const layer = tf.layers.depthwiseConv2d({
        inputShape: [5, 5, 4],
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        depthwiseInitializer: dirac({ layout: 'depthwise' }),
      });
      const model = tf.sequential({ layers: [layer] });
      const x = tf.randomNormal([1, 5, 5, 4], 0, 1, 'float32', 2);
      const y = model.predict(x) as tf.Tensor;
      expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
      tf.dispose([x, y]);
      model.dispose();
    });
  });

  const bad: Array<[string, () => unknown, RegExp]> = [
    ['a 2-D shape', () => dirac().sample([3, 3]), /shape must be of rank 3 to 5/],
    ['a 6-D shape', () => dirac().sample([1, 1, 1, 1, 2, 2]), /shape must be of rank 3 to 5/],
    [
      'groups that do not divide the outputs',
      () => dirac({ groups: 4 }).sample([3, 3, 2, 6]),
      /groups must be a divisor of the output channels \(6\); got 4/,
    ],
    [
      'groups with the depthwise layout',
      () => dirac({ groups: 2, layout: 'depthwise' }).sample([3, 3, 2, 1]),
      /groups must be 1 with layout 'depthwise'/,
    ],
    ['zero groups', () => dirac({ groups: 0 }), /groups must be an integer in \[1, /],
  ];
  for (const [name, fn, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(fn).toThrow(InitializerConfigError);
      expect(fn).toThrow(message);
    });
  }
});
