/**
 * The coordinate check (mup's coord_check): under μP every layer's mean |activation| after a few Adam steps is
 * flat in width; under the standard parametrization the logits grow with it.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { InitializerConfigError, coordCheck, initializeModel, muReadout, mup } from '../../src';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const mlp = (w: number): tf.LayersModel =>
  tf.sequential({
    layers: [
      tf.layers.dense({ units: w, activation: 'relu', inputShape: [32] }),
      tf.layers.dense({ units: w, activation: 'relu' }),
      tf.layers.dense({ units: w, activation: 'relu' }),
      muReadout({ units: 4 }),
    ],
  });

const WIDTHS = [64, 128, 256, 512];

function check(parametrization: 'mup' | 'sp', x: tf.Tensor, y: tf.Tensor) {
  return coordCheck({
    widths: WIDTHS,
    steps: 5,
    x,
    y,
    build: (w) => {
      const model = mlp(w);
      if (parametrization === 'sp') {
        initializeModel(model, { seed: 2 });
        return { model, optimizer: tf.train.adam(0.003) };
      }
      const [base, delta] = [mlp(64), mlp(128)];
      const plan = mup(model, { base, delta, seed: 2, readoutZeroInit: true });
      [base, delta].forEach((m) => m.dispose());
      return { model, optimizer: plan.optimizer({ learningRate: 0.003 }) };
    },
  });
}

describe('coordCheck', () => {
  let x: tf.Tensor;
  let y: tf.Tensor;
  beforeAll(() => {
    x = tf.randomNormal([64, 32], 0, 1, 'float32', 1);
    y = tf.tidy(() => tf.oneHot(tf.range(0, 64, 1, 'int32').mod(4).toInt(), 4).toFloat());
  });
  afterAll(() => tf.dispose([x, y]));

  it('is flat in width under μP and not under the standard parametrization (Adam, 5 steps), leaving no tensor', () => {
    const before = tf.memory().numTensors;
    const [mu, sp] = [check('mup', x, y), check('sp', x, y)];
    expect(tf.memory().numTensors).toBe(before);
    expect(mu.layers).toEqual(['Dense 1', 'Dense 2', 'Dense 3', 'MuReadout 1']);
    expect(mu.meanAbs[3]).toHaveLength(WIDTHS.length);
    expect(mu.meanAbs[3][0]).toHaveLength(5);
    // "flat": |d log size / d log width| < 0.25, i.e. less than 1.7x over the 8x range of widths, every layer and
    // step after the first update (deterministic: fixed seeds)
    for (const slopes of mu.slopes) for (const s of slopes.slice(1)) expect(Math.abs(s)).toBeLessThan(0.25);
    // the standard parametrization's logits grow: slope > 0.5 (more than 2.8x over the range) from step 1 on
    for (const s of sp.slopes[3].slice(1)) expect(s).toBeGreaterThan(0.5);
  });

  it('names bad input', () => {
    const build = () => ({ model: mlp(8), optimizer: tf.train.sgd(0.1) });
    expect(() => coordCheck({ widths: [64], build, x, y })).toThrow(InitializerConfigError);
    expect(() => coordCheck({ widths: [64], build, x, y })).toThrow(
      /coordCheck: widths must be at least two distinct positive integers/,
    );
    expect(() => coordCheck({ widths: [8, 16], build: 3 as never, x, y })).toThrow(
      /coordCheck: build must be a function/,
    );
    expect(() => coordCheck({ widths: [8, 16], build, x: [1] as never, y })).toThrow(
      /coordCheck: x must be a tf.Tensor/,
    );
  });
});
