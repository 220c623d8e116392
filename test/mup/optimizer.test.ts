/**
 * MupOptimizer: with every multiplier 1 it is the built-in optimizer bit for bit; a multiplier c steps its
 * variable as the built-in optimizer at c x the learning rate; its state saves and loads with the model, so
 * training resumes exactly where it stopped; bad input is named.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { InitializerConfigError, MupOptimizer, MupOptimizerOptions } from '../../src';
import { saveToMemory } from '../memory_io';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const KINDS: Array<{ optimizer: 'sgd' | 'momentum' | 'adam'; builtin: (lr: number) => tf.Optimizer }> = [
  { optimizer: 'sgd', builtin: (lr) => tf.train.sgd(lr) },
  { optimizer: 'momentum', builtin: (lr) => tf.train.momentum(lr, 0.9) },
  { optimizer: 'adam', builtin: (lr) => tf.train.adam(lr) },
];

/** A small model, the same weights for every seed. */
function net(seed = 1): tf.LayersModel {
  const init = (s: number) => tf.initializers.randomNormal({ seed: seed * 10 + s, stddev: 0.3 });
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 16, activation: 'tanh', inputShape: [8], kernelInitializer: init(1) }),
      tf.layers.dense({ units: 3, kernelInitializer: init(2) }),
    ],
  });
}

const x = (): tf.Tensor => tf.randomNormal([32, 8], 0, 1, 'float32', 11);
const y = (): tf.Tensor => tf.randomNormal([32, 3], 0, 1, 'float32', 12);
const values = (m: tf.LayersModel): Float32Array[] => m.getWeights().map((w) => w.dataSync() as Float32Array);

async function train(model: tf.LayersModel, optimizer: tf.Optimizer, steps: number): Promise<void> {
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const [xs, ys] = [x(), y()];
  for (let i = 0; i < steps; i++) await model.trainOnBatch(xs, ys);
  tf.dispose([xs, ys]);
}

describe.each(KINDS)('MupOptimizer ($optimizer)', ({ optimizer, builtin }) => {
  it('with every multiplier 1 is the built-in optimizer, bit for bit, over 5 steps', async () => {
    const [a, b] = [net(), net()];
    await train(a, new MupOptimizer({ optimizer, learningRate: 0.05, multipliers: [1, 1, 1, 1] }), 5);
    await train(b, builtin(0.05), 5);
    const [va, vb] = [values(a), values(b)];
    va.forEach((v, i) => expect(v).toEqual(vb[i]));
    expect(va[0]).not.toEqual(values(net())[0]); // it trained
    [a, b].forEach((m) => m.dispose());
  });

  it('steps a variable of multiplier c as the built-in optimizer at c x the learning rate', async () => {
    // one step from the same weights: the kernels' gradients are the same, so each update is its group's alone
    const [mixed, slow, fast] = [net(), net(), net()];
    await train(mixed, new MupOptimizer({ optimizer, learningRate: 0.05, multipliers: [0.25, 1, 4, 1] }), 1);
    await train(slow, builtin(0.05 * 0.25), 1);
    await train(fast, builtin(0.05 * 4), 1);
    const [m, s, f, plain] = [values(mixed), values(slow), values(fast), values(net())];
    expect(m[0]).toEqual(s[0]);
    expect(m[2]).toEqual(f[2]);
    expect(m[0]).not.toEqual(plain[0]);
    [mixed, slow, fast].forEach((model) => model.dispose());
  });

  it('saves its state with the model: training resumes exactly, and getConfig / fromConfig are symmetric', async () => {
    const options: MupOptimizerOptions = { optimizer, learningRate: 0.05, multipliers: [0.5, 1, 2, 1] };
    const [straight, resumed] = [net(), net()];
    await train(straight, new MupOptimizer(options), 6);
    await train(resumed, new MupOptimizer(options), 3);
    const artifacts = await saveToMemory(resumed, { includeOptimizer: true });
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    expect(loaded.optimizer).toBeInstanceOf(MupOptimizer);
    expect((loaded.optimizer as MupOptimizer).getConfig()).toEqual(new MupOptimizer(options).getConfig());
    expect(loaded.optimizer.iterations).toBe(3);
    const [xs, ys] = [x(), y()];
    for (let i = 0; i < 3; i++) await loaded.trainOnBatch(xs, ys);
    tf.dispose([xs, ys]);
    const [a, b] = [values(straight), values(loaded)];
    a.forEach((v, i) => expect(v).toEqual(b[i]));
    const config = new MupOptimizer(options).getConfig();
    expect(MupOptimizer.fromConfig(MupOptimizer, config).getConfig()).toEqual(config);
    [straight, resumed, loaded].forEach((m) => m.dispose());
  });
});

describe('MupOptimizer: bad input', () => {
  it('names a wrong count of gradients, a multiplier <= 0 and an unknown update rule', async () => {
    const model = net();
    model.compile({ optimizer: new MupOptimizer({ multipliers: [1, 1, 1] }), loss: 'meanSquaredError' });
    const [xs, ys] = [x(), y()];
    await expect(model.trainOnBatch(xs, ys)).rejects.toThrow(
      /MupOptimizer: variableGradients must be 3 gradients, one per multiplier \(the model's trainable weights, in order\); got "4 gradients"/,
    );
    tf.dispose([xs, ys]);
    expect(() => new MupOptimizer({ multipliers: [1, 0] })).toThrow(InitializerConfigError);
    expect(() => new MupOptimizer({ multipliers: [1, 0] })).toThrow(/multipliers must be numbers > 0; got 0/);
    expect(() => new MupOptimizer({ optimizer: 'rmsprop' as never })).toThrow(/optimizer must be one of/);
    model.dispose();
  });

  it('leaves no tensor behind once disposed', async () => {
    const model = net();
    const before = tf.memory().numTensors;
    const optimizer = new MupOptimizer({ optimizer: 'adam', multipliers: [1, 2, 1, 2] });
    await train(model, optimizer, 2);
    const weights = await optimizer.getWeights();
    tf.dispose(weights.map((w) => w.tensor).slice(0, 1)); // the iterations scalar is a fresh tensor
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
