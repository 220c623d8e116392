/**
 * mup(): every weight of Dense, Conv, Embedding and recurrent models gets the class and the multipliers of μP's
 * table (Tensor Programs V, Table 3; microsoft/mup's MuReadout and MuSGD/MuAdam), the readout is drawn and
 * multiplied as mup does, bad input is refused before any weight changes, and a μP model saves and loads.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { InitializerConfigError, MuReadout, MupClass, muReadout, mup, orthogonal, predictSignal } from '../../src';
import { saveToMemory } from '../memory_io';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const mlp = (w: number): tf.LayersModel =>
  tf.sequential({
    layers: [
      tf.layers.dense({ units: w, activation: 'relu', inputShape: [20] }),
      tf.layers.dense({ units: w, activation: 'relu' }),
      muReadout({ units: 10 }),
    ],
  });

const convNet = (w: number): tf.LayersModel =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: w, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 3] }),
      tf.layers.conv2d({ filters: w, kernelSize: 3, padding: 'same' }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 10 }), // a plain Dense readout: Table 3 as printed, no forward multiplier
    ],
  });

const textNet = (w: number): tf.LayersModel =>
  tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: 50, outputDim: w, inputLength: 6 }),
      tf.layers.lstm({ units: w, recurrentInitializer: orthogonal() }),
      muReadout({ units: 2 }),
    ],
  });

type Expected = [MupClass, number /* sgd */, number /* adam */, number /* initFactor */];

/** Builds the model at 4x and the base at 1x, runs mup, returns its rows (the base disposed). */
function rowsOf(build: (w: number) => tf.LayersModel, width: number, options = {}) {
  const [model, base] = [build(4 * width), build(width)];
  const plan = mup(model, { base, seed: 1, ...options });
  base.dispose();
  return { model, plan };
}

const table = (rows: ReturnType<typeof rowsOf>['plan']['rows']): Expected[] =>
  rows.map((r) => [r.class, r.learningRate.sgd, r.learningRate.adam, r.initFactor]);

describe('mup: the classes and multipliers of the table, m = 4', () => {
  it('a Dense MLP with a MuReadout', () => {
    const { model, plan } = rowsOf(mlp, 16);
    expect(table(plan.rows)).toEqual([
      ['input', 4, 1, 1], // kernel [20, 64]: fan-out grows
      ['vector', 4, 1, 1],
      ['hidden', 1, 0.25, 1], // [64, 64]: Adam lr / m_in; SGD m_out / m_in
      ['vector', 4, 1, 1],
      ['output', 4, 1, 2], // MuReadout: std x sqrt(m), forward x 1/m, SGD x m, Adam x 1
      ['finite', 1, 1, 1], // the readout's bias: [10]
    ]);
    const readout = model.layers[2] as MuReadout;
    expect(readout.options.widthMultiplier).toBe(4);
    expect(readout.forwardMultiplier).toBe(0.25);
    expect(plan.rows.map((r) => r.forwardMultiplier)).toEqual([1, 1, 1, 1, 0.25, 1]);
    expect(plan.learningRateMultipliers('adam')).toEqual([1, 1, 0.25, 1, 1, 1]);
    model.dispose();
  });

  it('a conv net: conv kernels, a depthwise kernel, BatchNorm and a plain Dense readout', () => {
    const { model, plan } = rowsOf(convNet, 8);
    expect(plan.rows.map((r) => r.weight.split('/').pop())).toEqual([
      'kernel',
      'bias',
      'kernel',
      'bias',
      'gamma',
      'beta',
      'depthwise_kernel',
      'bias',
      'kernel',
      'bias',
    ]);
    expect(table(plan.rows)).toEqual([
      ['input', 4, 1, 1], // [3, 3, 3, 32]
      ['vector', 4, 1, 1],
      ['hidden', 1, 0.25, 1], // [3, 3, 32, 32]
      ['vector', 4, 1, 1],
      ['vector', 4, 1, 1], // gamma, beta
      ['vector', 4, 1, 1],
      ['vector', 4, 1, 1], // depthwise [3, 3, 32, 1]: one growing axis, per channel
      ['vector', 4, 1, 1],
      ['output', 0.25, 0.25, 0.5], // plain Dense [32, 10]: std / sqrt(m), SGD and Adam lr / m
      ['finite', 1, 1, 1],
    ]);
    expect(plan.rows.every((r) => r.forwardMultiplier === 1)).toBe(true);
    model.dispose();
  });

  it('an Embedding, an LSTM and a MuReadout', () => {
    const { model, plan } = rowsOf(textNet, 8);
    expect(plan.rows.map((r) => r.role)).toEqual([
      'embedding',
      'inputKernel',
      'recurrentKernel',
      'bias',
      'kernel',
      'bias',
    ]);
    expect(table(plan.rows)).toEqual([
      ['input', 4, 1, 1], // [50, 32]: the vocabulary is fixed
      ['hidden', 1, 0.25, 1], // [32, 128]
      ['hidden', 1, 0.25, 1], // [32, 128]
      ['vector', 4, 1, 1], // [128]
      ['output', 4, 1, 2],
      ['finite', 1, 1, 1],
    ]);
    model.dispose();
  });

  it('the model at the base width: every multiplier 1, the classes read from delta', () => {
    const [model, base, delta] = [mlp(16), mlp(16), mlp(32)];
    const plan = mup(model, { base, delta, seed: 1 });
    expect(plan.rows.map((r) => r.class)).toEqual(['input', 'vector', 'hidden', 'vector', 'output', 'finite']);
    expect(plan.rows.every((r) => r.learningRate.sgd === 1 && r.learningRate.adam === 1 && r.initFactor === 1)).toBe(
      true,
    );
    [model, base, delta].forEach((m) => m.dispose());
  });
});

describe('mup: initialization', () => {
  it('draws the fan-in rule and scales the readout by sqrt(m) (or zeroes it), leaving no tensor', () => {
    const base = mlp(64);
    const model = mlp(1024);
    const before = tf.memory().numTensors;
    mup(model, { base, seed: 3 });
    expect(tf.memory().numTensors).toBe(before);
    const std = (t: tf.Tensor): number => tf.tidy(() => tf.moments(t).variance.sqrt().dataSync()[0]);
    const [k1, , k2, , readout] = model.getWeights();
    // 1024 x 10 draws: the sample std's relative error is about 1 / sqrt(2 x 10240) = 0.7%; 3% is > 4 sigma
    expect(Math.abs(std(readout) / (4 * Math.sqrt(2 / 1024)) - 1)).toBeLessThan(0.03);
    expect(Math.abs(std(k2) / Math.sqrt(2 / 1024) - 1)).toBeLessThan(0.03); // hidden: He at fan-in 1024
    expect(Math.abs(std(k1) / Math.sqrt(1 / 20) - 1)).toBeLessThan(0.03); // input: LeCun at fan-in 20 (linear input)
    const zero = mlp(1024);
    mup(zero, { base, seed: 3, readoutZeroInit: true });
    expect(tf.tidy(() => zero.getWeights()[4].abs().max().dataSync()[0])).toBe(0);
    [base, model, zero].forEach((m) => m.dispose());
  });

  it('predictSignal reads the MuReadout multiplier: its logits predicted within 10%', () => {
    const [model, base] = [mlp(512), mlp(64)];
    mup(model, { base, seed: 4 });
    const x = tf.randomNormal([1024, 20], 0, 1, 'float32', 5);
    const measured = tf.tidy(() => (model.predict(x) as tf.Tensor).square().mean().dataSync()[0]);
    const predicted = predictSignal(model).pop()?.secondMoment as number;
    // 1024 x 10 logits: sampling error a few percent; the rest is the 512 units' correlation, left out
    expect(Math.abs(predicted / measured - 1)).toBeLessThan(0.1);
    tf.dispose(x);
    [model, base].forEach((m) => m.dispose());
  });
});

describe('mup: bad input is refused before any weight changes', () => {
  const weightsOf = (m: tf.LayersModel): Float32Array[] => m.getWeights().map((w) => w.dataSync() as Float32Array);

  it.each([
    ['no base', () => ({}), /mup: base must be the same architecture at the base width/],
    ['another architecture', () => ({ base: textNet(8) }), /mup: base must be a Dense at position 0/],
    [
      'the same widths and no delta',
      () => ({ base: mlp(64) }),
      /mup: delta must be a base \(or delta\) at another width/,
    ],
    ['an unknown option', () => ({ base: mlp(16), width: 3 }), /mup: option 'width' must be absent/],
    ['a bad seed', () => ({ base: mlp(16), seed: 0.5 }), /mup: seed must be an integer/],
  ])('%s', (_, options, message) => {
    const model = mlp(64);
    const before = weightsOf(model);
    const opts = options() as { base?: tf.LayersModel };
    expect(() => mup(model, opts as never)).toThrow(InitializerConfigError);
    expect(() => mup(model, opts as never)).toThrow(message);
    weightsOf(model).forEach((w, i) => expect(w).toEqual(before[i]));
    opts.base?.dispose();
    model.dispose();
  });
});

describe('a μP model saves and loads', () => {
  it('its MuReadout config, weights and predictions come back identical', async () => {
    const [model, base] = [mlp(128), mlp(32)];
    mup(model, { base, seed: 6 });
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await saveToMemory(model)));
    const readout = loaded.layers[2] as MuReadout;
    expect(readout).toBeInstanceOf(MuReadout);
    expect(readout.getConfig()).toEqual({ ...model.layers[2].getConfig() });
    const x = tf.randomNormal([8, 20], 0, 1, 'float32', 7);
    const [a, b] = [model.predict(x), loaded.predict(x)] as tf.Tensor[];
    expect(b.dataSync()).toEqual(a.dataSync());
    tf.dispose([x, a, b]);
    [model, base, loaded].forEach((m) => m.dispose());
  });
});
