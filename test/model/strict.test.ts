/**
 * The model tools are strict and all-or-nothing: every option is parsed before any weight
 * changes, bad input raises InitializerConfigError (ModelError for model-shaped problems),
 * and a failure part way leaves every weight bit for bit as it was.
 */
import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError, ModelError, initializeModel, lsuv, signalPropagation } from '../../src';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function model(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 16, inputShape: [8], activation: 'relu' }),
      tf.layers.batchNormalization(),
      tf.layers.dense({ units: 16, activation: 'gelu' as never }),
      tf.layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
}

/** Every weight (trainable or not) as its raw bytes. */
function snapshot(m: tf.LayersModel): Buffer[] {
  return m.weights.map((w) => Buffer.from((w.read().dataSync() as Float32Array).slice().buffer));
}

function expectUnchanged(m: tf.LayersModel, before: Buffer[]): void {
  const after = snapshot(m);
  expect(after.length).toBe(before.length);
  after.forEach((b, i) => expect(b.equals(before[i])).toBe(true));
}

/** Runs `fn`, expects it to throw `type` with `message`, and the model untouched and no tensor leaked. */
function expectRejected(
  m: tf.LayersModel,
  fn: () => unknown,
  type: typeof InitializerConfigError,
  message: RegExp,
): void {
  const before = snapshot(m);
  const tensors = tf.memory().numTensors;
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(type);
  expect((thrown as Error).message).toMatch(message);
  expectUnchanged(m, before);
  expect(tf.memory().numTensors).toBe(tensors);
}

/** Makes `layer.setWeights` throw, as a layer failing during the run would. */
function breakLayer(layer: tf.layers.Layer): void {
  layer.setWeights = () => {
    throw new Error('simulated failure');
  };
}

describe('initializeModel', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['mode fanAvg', { mode: 'fanAvg' }, /initializeModel: mode must be one of 'fanIn', 'fanOut'; got "fanAvg"/],
    ['misspelled criterion', { criterion: 'pytroch' }, /criterion must be one of 'variance', 'pytorch'; got "pytroch"/],
    ['unknown option', { sed: 1 }, /option 'sed' must be absent: allowed options are rule, mode/],
    ['string zeroBiases', { zeroBiases: 'no' }, /zeroBiases must be true or false; got "no"/],
    ['fractional seed', { seed: 0.5 }, /seed must be an integer/],
    [
      'pytorch has no gain for gelu (the third kernel)',
      { criterion: 'pytorch', rule: 'pytorch' },
      /criterion 'pytorch' has no gain for activation 'gelu'/,
    ],
  ];
  for (const [name, options, message] of cases) {
    it(`rejects ${name} before any weight changes`, () => {
      const m = model();
      expectRejected(m, () => initializeModel(m, options as never), InitializerConfigError, message);
      m.dispose();
    });
  }

  it('a layer that throws during the run: ModelError naming it, every weight restored (the first kernel included)', () => {
    const m = model();
    breakLayer(m.layers[2]);
    expectRejected(
      m,
      () => initializeModel(m, { seed: 1 }),
      ModelError,
      /initializeModel: failed at dense_\w+ \(simulated failure\); the model's weights are as they were/,
    );
    m.dispose();
  });

  it('rejects something that is not a model', () => {
    expect(() => initializeModel({} as never)).toThrow(/initializeModel: model must be a built tf.LayersModel/);
  });
});

describe('lsuv', () => {
  const x = (): tf.Tensor => tf.randomNormal([32, 8], 0, 1, 'float32', 1);
  const cases: Array<[string, unknown, RegExp]> = [
    ['zero tolerance', { tolerance: 0 }, /lsuv: tolerance must be a finite number > 0; got 0/],
    ['fractional maxIterations', { maxIterations: 2.5 }, /maxIterations must be an integer in \[1, 1000\]/],
    ['unknown option', { includeOutput: false }, /option 'includeOutput' must be absent/],
  ];
  for (const [name, options, message] of cases) {
    it(`rejects ${name} before any weight changes`, () => {
      const m = model();
      const batch = x();
      expectRejected(m, () => lsuv(m, batch, options as never), InitializerConfigError, message);
      batch.dispose();
      m.dispose();
    });
  }

  it('rejects a batch that does not fit the model', () => {
    const m = model();
    const batch = x();
    expectRejected(m, () => lsuv(m, [batch, batch]), ModelError, /lsuv: batch must be a tensor \(or an array of 1/);
    expectRejected(m, () => lsuv(m, 'x' as never), ModelError, /lsuv: batch must be a tensor/);
    batch.dispose();
    m.dispose();
  });

  it('a layer that throws part way: ModelError, every weight restored (the orthonormal pre-init too)', () => {
    const m = model();
    const batch = x();
    breakLayer(m.layers[3]);
    expectRejected(m, () => lsuv(m, batch, { seed: 1 }), ModelError, /lsuv: failed at dense_\w+/);
    batch.dispose();
    m.dispose();
  });
});

describe('signalPropagation', () => {
  it('rejects an unknown loss, a ratio below 1 and unknown options', () => {
    const m = model();
    const x = tf.randomNormal([16, 8], 0, 1, 'float32', 2);
    const cases: Array<[unknown, RegExp]> = [
      [
        { loss: 'hinge' },
        /signalPropagation: loss must be one of 'categoricalCrossentropy', 'meanSquaredError'; got "hinge"/,
      ],
      [{ ratio: 0.5 }, /ratio must be a finite number > 1/],
      [{ ratios: 10 }, /option 'ratios' must be absent/],
    ];
    for (const [options, message] of cases)
      expectRejected(m, () => signalPropagation(m, x, undefined, options as never), InitializerConfigError, message);
    expectRejected(m, () => signalPropagation(m, 'x' as never), ModelError, /signalPropagation: x must be a tensor/);
    x.dispose();
    m.dispose();
  });

  it('labels on a graph with a shared layer: one row per call, the shared kernel gradient in both', () => {
    const input = tf.input({ shape: [4] });
    const shared = tf.layers.dense({ units: 4 });
    const a = shared.apply(input) as tf.SymbolicTensor;
    const out = tf.layers.add().apply([a, shared.apply(a) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    const x = tf.randomNormal([8, 4], 0, 1, 'float32', 3);
    const before = tf.memory().numTensors;
    const report = signalPropagation(m, x, x, { loss: 'meanSquaredError' });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.layers.map((r) => r.layer)).toEqual([shared.name, `${shared.name}#1`]);
    expect(report.layers[0].gradKernelStd).toBe(report.layers[1].gradKernelStd);
    expect(report.layers.every((r) => (r.gradPreStd as number) > 0)).toBe(true);
    x.dispose();
    m.dispose();
  });

  it('a model with two inputs: ModelError before any work', () => {
    const [p, q] = [tf.input({ shape: [4] }), tf.input({ shape: [4] })];
    const m = tf.model({ inputs: [p, q], outputs: tf.layers.add().apply([p, q]) as tf.SymbolicTensor });
    const x = tf.ones([2, 4]);
    expectRejected(m, () => signalPropagation(m, x), ModelError, /signalPropagation: needs a model with one input/);
    x.dispose();
    m.dispose();
  });
});
