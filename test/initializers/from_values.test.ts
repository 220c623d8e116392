import * as tf from '@tensorflow/tfjs';
import { FromValues, InitializerConfigError, MAX_STORED_VALUES, fromValues } from '../../src';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('FromValues', () => {
  it('returns the values for any shape with as many elements, and keeps them in its config', () => {
    const init = fromValues({ values: [1, 2, 3, 4, 5, 6] });
    expect(Array.from(init.sample([2, 3]))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(init.sample([3, 2]))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(init.getConfig()).toEqual({ values: [1, 2, 3, 4, 5, 6], shape: null });
  });

  it('a Dense layer built from JSON alone gets the values back', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          units: 2,
          inputShape: [2],
          kernelInitializer: fromValues({ values: [0.5, -1, 2, 0.25], shape: [2, 2] }),
        }),
      ],
    });
    const rebuilt = await tf.models.modelFromJSON({ modelTopology: JSON.parse(model.toJSON() as string) });
    expect(Array.from(rebuilt.layers[0].getWeights()[0].dataSync())).toEqual([0.5, -1, 2, 0.25]);
    model.dispose();
    rebuilt.dispose();
  });

  it('a constant array translates to stock Constant exactly; others have no stock counterpart', () => {
    expect(fromValues({ values: [0.1, 0.1, 0.1] }).toStock()).toEqual({
      className: 'Constant',
      config: { value: 0.1 },
      exact: true,
    });
    expect(fromValues({ values: [0.1, 0.2] }).toStock()).toMatchObject({
      className: null,
      reason: expect.stringMatching(/stores values/),
    });
  });

  it('takes number arrays, nested arrays, typed arrays and tensors, copied (the tensor stays alive)', () => {
    const before = tf.memory().numTensors;
    const t = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const forms: Array<[string, FromValues, number[] | null]> = [
      ['numbers alone', fromValues([1, 2, 3, 4, 5, 6]), null],
      [
        'nested arrays',
        fromValues([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        [2, 3],
      ],
      ['a Float32Array', fromValues({ values: Float32Array.from([1, 2, 3, 4, 5, 6]) }), null],
      [
        'a Float64Array with a shape',
        fromValues({ values: Float64Array.from([1, 2, 3, 4, 5, 6]), shape: [3, 2] }),
        [3, 2],
      ],
      ['a tensor', fromValues(t), [2, 3]],
      ['a tensor in the options', fromValues({ values: t }), [2, 3]],
    ];
    expect(t.isDisposed).toBe(false);
    t.dispose();
    for (const [, init, shape] of forms) {
      expect(init.getConfig()).toEqual({ values: [1, 2, 3, 4, 5, 6], shape });
      // getConfig / fromConfig stay symmetric: the config holds plain numbers
      expect(new FromValues(init.getConfig() as never).getConfig()).toEqual(init.getConfig());
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  const bad: Array<[string, () => unknown, RegExp]> = [
    [
      'ragged nested arrays',
      () => fromValues([[1, 2], [3]]),
      /values must be nested arrays of one shape \(the first entries give \[2, 2\]\), or flat values with a shape/,
    ],
    [
      'no values',
      () => new FromValues({} as never),
      /values must be an array of at most 65536 finite numbers; got undefined/,
    ],
    [
      'more than the cap',
      () => fromValues({ values: new Array(MAX_STORED_VALUES + 1).fill(0) }),
      /values must be an array of at most 65536 finite numbers/,
    ],
    ['a NaN value', () => fromValues({ values: [1, NaN] }), /values must be an array of at most 65536 finite numbers/],
    [
      'a shape that does not hold the values',
      () => fromValues({ values: [1, 2, 3], shape: [2, 2] }),
      /shape must be a shape of 3 elements \(one per value\); got \[2, 2\]/,
    ],
    [
      'applied to another size',
      () => fromValues({ values: [1, 2, 3] }).sample([2, 2]),
      /shape must be a shape of 3 elements \(one per stored value\); got \[2, 2\]/,
    ],
    [
      'applied to another shape than given',
      () => fromValues({ values: [1, 2, 3, 4], shape: [2, 2] }).sample([4, 1]),
      /shape must be \[2, 2\] \(the shape the values were given for\); got \[4, 1\]/,
    ],
  ];
  for (const [name, fn, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(fn).toThrow(InitializerConfigError);
      expect(fn).toThrow(message);
    });
  }
});
