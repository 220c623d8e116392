/**
 * The gate layouts checked through tfjs's own LSTM and GRU: with zero kernels and zero input, the gates
 * see only their biases, so two steps of the layer reveal each gate's activation, and its logit must be
 * the bias our initializer put on that gate.
 */
import * as tf from '@tensorflow/tfjs';
import { saveToMemory } from '../memory_io';
import { ChronoBias, ForgetGateBias, InitializerConfigError, chronoBias, forgetGateBias, orthogonal } from '../../src';
import { expectNoLeak } from '../helpers';
import { orthogonalityError } from '../records';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const logit = (p: number): number => Math.log(p / (1 - p));
const UNITS = 5;

/** h_1 and h_2 (per unit) of a one-layer `kind` on two zero input steps, with zero kernels and bias b + probe. */
function twoSteps(kind: 'lstm' | 'gru', bias: Float32Array, probe: Float32Array): [number[], number[]] {
  return tf.tidy(() => {
    const layer = (kind === 'lstm' ? tf.layers.lstm : tf.layers.gru)({
      units: UNITS,
      inputShape: [2, 3],
      returnSequences: true,
      recurrentActivation: 'sigmoid',
      kernelInitializer: 'zeros',
      recurrentInitializer: 'zeros',
    });
    const model = tf.sequential({ layers: [layer] });
    const [kernel, recurrent] = layer.getWeights();
    layer.setWeights([kernel, recurrent, tf.add(tf.tensor1d(bias), tf.tensor1d(probe))]);
    const h = (model.predict(tf.zeros([1, 2, 3])) as tf.Tensor).arraySync() as number[][][];
    model.dispose();
    return [h[0][0], h[0][1]];
  });
}

describe('gate biases through the real layers', () => {
  it('LSTM (i, f, c, o): the forget gate gets the value, the others 0', async () => {
    await expectNoLeak(() => {
      const bias = forgetGateBias({ value: 1 }).sample([4 * UNITS]);
      // probe: c-block bias 1, so c_1 = i tanh(1), c_2 = f c_1 + i tanh(1), h_t = o tanh(c_t)
      const probe = new Float32Array(4 * UNITS).fill(1, 2 * UNITS, 3 * UNITS);
      const [h1, h2] = twoSteps('lstm', bias, probe);
      for (let j = 0; j < UNITS; j++) {
        const o = 0.5; // sigmoid(0): the o bias must be 0 (checked through i below, same math)
        const c1 = Math.atanh(h1[j] / o);
        const c2 = Math.atanh(h2[j] / o);
        const i = c1 / Math.tanh(1);
        const f = (c2 - i * Math.tanh(1)) / c1;
        expect(logit(i)).toBeCloseTo(0, 4);
        expect(logit(f)).toBeCloseTo(1, 4);
      }
    });
  });

  it('LSTM chrono: b_f = log u with u in [1, T - 1], b_i = -b_f, read back from the layer', async () => {
    await expectNoLeak(() => {
      const bias = chronoBias({ maxTimescale: 20, seed: 3 }).sample([4 * UNITS]);
      const probe = new Float32Array(4 * UNITS).fill(1, 2 * UNITS, 3 * UNITS);
      const [h1, h2] = twoSteps('lstm', bias, probe);
      for (let j = 0; j < UNITS; j++) {
        const c1 = Math.atanh(h1[j] / 0.5);
        const c2 = Math.atanh(h2[j] / 0.5);
        const i = c1 / Math.tanh(1);
        const f = (c2 - i * Math.tanh(1)) / c1;
        // float32 activations through atanh: 3 decimals on the logits
        expect(logit(f)).toBeCloseTo(bias[UNITS + j], 3);
        expect(logit(i)).toBeCloseTo(-bias[UNITS + j], 3);
        expect(Math.exp(logit(f))).toBeGreaterThanOrEqual(1 - 1e-2);
        expect(Math.exp(logit(f))).toBeLessThanOrEqual(19 + 1e-1);
      }
    });
  });

  it('GRU (z, r, h): the update gate z (h = z h_prev + (1 - z) h~) gets the forget value', async () => {
    await expectNoLeak(() => {
      for (const init of [
        forgetGateBias({ cell: 'gru', value: 1.2 }),
        chronoBias({ cell: 'gru', maxTimescale: 30, seed: 4 }),
      ]) {
        const bias = init.sample([3 * UNITS]);
        // probe: h-block bias 1, so h_1 = (1 - z) tanh(1) and z = 1 - h_1 / tanh(1)
        const probe = new Float32Array(3 * UNITS).fill(1, 2 * UNITS, 3 * UNITS);
        const [h1, h2] = twoSteps('gru', bias, probe);
        for (let j = 0; j < UNITS; j++) {
          const z = 1 - h1[j] / Math.tanh(1);
          expect(logit(z)).toBeCloseTo(bias[j], 3);
          // the second step confirms z is the weight of the previous state: h_2 = z h_1 + (1 - z) tanh(1)
          expect(h2[j]).toBeCloseTo(z * h1[j] + (1 - z) * Math.tanh(1), 5);
          expect(bias[UNITS + j]).toBe(0); // r
          expect(bias[2 * UNITS + j]).toBe(0); // h
        }
      }
    });
  });

  it('lstm({units: 256, recurrentInitializer: orthogonal({gates: 4}), biasInitializer: forgetGateBias()}) saves and loads with the same weights', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.lstm({
          units: 256,
          inputShape: [20, 64],
          recurrentInitializer: orthogonal({ gates: 4, seed: 3 }),
          biasInitializer: forgetGateBias(),
        }),
      ],
    });
    const artifacts = await saveToMemory(model);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const config = (m: tf.LayersModel): unknown => {
      const c = m.layers[0].getConfig() as { recurrentInitializer: unknown; biasInitializer: unknown };
      return [c.recurrentInitializer, c.biasInitializer];
    };
    expect(config(loaded)).toEqual(config(model));
    expect(JSON.stringify(config(loaded))).toContain('TfjsInit>ForgetGateBias');
    model
      .getWeights()
      .forEach((w, i) => expect(Array.from(loaded.getWeights()[i].dataSync())).toEqual(Array.from(w.dataSync())));
    model.dispose();
    loaded.dispose();
  });

  it('an LSTM built with biasInitializer forgetGateBias() saves, loads and rebuilds with it', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.lstm({
          units: 8,
          inputShape: [4, 3],
          biasInitializer: forgetGateBias(),
          recurrentInitializer: orthogonal({ gates: 4, seed: 1 }),
        }),
      ],
    });
    const rebuilt = await tf.models.modelFromJSON({ modelTopology: JSON.parse(model.toJSON() as string) });
    expect(Array.from(rebuilt.layers[0].getWeights()[2].dataSync())).toEqual(
      Array.from(model.layers[0].getWeights()[2].dataSync()),
    );
    expect(Array.from(rebuilt.layers[0].getWeights()[1].dataSync())).toEqual(
      Array.from(model.layers[0].getWeights()[1].dataSync()),
    );
    model.dispose();
    rebuilt.dispose();
  });

  const bad: Array<[string, () => unknown, RegExp]> = [
    [
      'an LSTM bias of 10 (not a multiple of 4)',
      () => new ForgetGateBias().sample([10]),
      /shape must be \[k \* units\] with k = 4, a LSTM bias \(gates i, f, c, o\); got \[10\]/,
    ],
    [
      'a GRU bias of 8',
      () => new ChronoBias({ cell: 'gru' }).sample([8]),
      /k = 3, a GRU bias \(gates z, r, h\); got \[8\]/,
    ],
    ['a 2-D shape', () => new ForgetGateBias().sample([4, 4]), /shape must be \[k \* units\]/],
    ['maxTimescale below 2', () => chronoBias({ maxTimescale: 1 }), /maxTimescale must be a finite number >= 2/],
    ['an unknown cell', () => forgetGateBias({ cell: 'rnn' as never }), /cell must be one of 'lstm', 'gru'/],
  ];
  for (const [name, fn, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(fn).toThrow(InitializerConfigError);
      expect(fn).toThrow(message);
    });
  }
});

describe('Orthogonal with gate blocks', () => {
  it('each [units, units] block of an LSTM recurrent kernel is g Q on its own (Q^T Q = g^2 I within 1e-5)', () => {
    const units = 32;
    const w = orthogonal({ gates: 4, gain: 1.1, seed: 5 }).sample([units, 4 * units]);
    for (let g = 0; g < 4; g++) {
      const block = new Float32Array(units * units);
      for (let r = 0; r < units; r++)
        block.set(w.subarray(r * 4 * units + g * units, r * 4 * units + (g + 1) * units), r * units);
      expect(orthogonalityError(block, [units, units], 1.1)).toBeLessThan(1e-5);
    }
    // whereas the whole-matrix orthogonal (gates 1) leaves the blocks non-orthogonal: rows of [32, 128] are orthonormal
    const whole = orthogonal({ seed: 5 }).sample([units, 4 * units]);
    const block0 = new Float32Array(units * units);
    for (let r = 0; r < units; r++) block0.set(whole.subarray(r * 4 * units, r * 4 * units + units), r * units);
    expect(orthogonalityError(block0, [units, units], 1)).toBeGreaterThan(0.1);
  });

  it('rejects a gate count that does not divide the last axis, and translates to stock inexactly', () => {
    expect(() => orthogonal({ gates: 3 }).sample([4, 8])).toThrow(
      /gates must be a divisor of the last dimension \(8\); got 3/,
    );
    expect(orthogonal({ gates: 4 }).toStock()).toMatchObject({
      exact: false,
      reason: expect.stringMatching(/each gate block/),
    });
  });
});
