/**
 * The model tools on architectures shaped like the published ones (examples/src/architectures.ts), at 32x32 input
 * and twice the base width: a MobileNetV2-style network (10 inverted residual blocks: ZeroPadding2D, depthwise 3x3,
 * BatchNorm, ReLU6, linear 1x1 projection, Add) and an Inception-style one (5 modules of 1x1 / 3x3 / 5x5 / 3x3
 * stride-1 average-pool branches, Concatenate, BatchNorm without a conv bias, max pooling). After initializeModel,
 * predictSignal against the measurement on 32 standard-normal images at every layer, in both modes: within 15% (a
 * few percent of that is the measurement's own sampling error). In inference mode right after initializeModel the
 * BatchNorms are the identity and nothing resets the approximations; the per-position moments keep them within it.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { inceptionLike, mobileNetV2Like } from '../../examples/src/architectures';
import { initializeModel, lsuv, predictSignal, signalPropagation } from '../../src';
import { measureNodes } from '../helpers';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const ARCHITECTURES = [
  { name: 'MobileNetV2-style', build: () => mobileNetV2Like({ width: 2 }) },
  { name: 'Inception-style', build: () => inceptionLike({ width: 2 }) },
];

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

describe.each(ARCHITECTURES)('$name', ({ name, build }) => {
  let model: tf.LayersModel;
  let x: tf.Tensor;
  beforeAll(() => {
    model = build();
    x = tf.randomNormal([32, 32, 32, 3], 0, 1, 'float32', 2);
  });
  afterAll(() => {
    x.dispose();
    model.dispose();
  });

  it('initializeModel knows every layer: no row left for want of a rule', () => {
    const t = Date.now();
    const rows = initializeModel(model, { seed: 1 });
    const ms = Date.now() - t;
    expect(rows.filter((r) => r.skipped)).toEqual([]);
    // each conv's gain comes from the activation its input went through, across pooling and concatenation
    const kernels = rows.filter((r) => r.role === 'kernel');
    expect(kernels[0].activation).toMatch(/^data/);
    expect(kernels.slice(1).every((r) => /^(relu|relu6|linear)/.test(r.activation ?? ''))).toBe(true);
    if (process.env.REPORT_ERRORS) console.log(`${name}: initializeModel ${ms} ms, ${model.layers.length} layers`);
  });

  for (const training of [true, false]) {
    it(`predictSignal in ${training ? 'training' : 'inference'} mode: within 15% at every layer`, () => {
      initializeModel(model, { seed: 1 });
      const t = Date.now();
      const rows = predictSignal(model, { training });
      const ms = Date.now() - t;
      const measured = measureNodes(model, x, training);
      const errors: number[] = [];
      for (const row of rows.slice(1)) {
        const error = (row.secondMoment as number) / (measured.get(row.layer) as number) - 1;
        errors.push(Math.abs(error));
        const within = Math.abs(error) < 0.15;
        expect({ layer: row.layer, error, within }).toEqual({ layer: row.layer, error, within: true });
      }
      errors.sort((a, b) => a - b);
      const output = (measured.get(rows[rows.length - 2].layer) as number) / (measured.get(rows[0].layer) as number);
      if (process.env.REPORT_ERRORS)
        console.log(
          `${name} ${training ? 'training' : 'inference'}: worst ${pct(errors[errors.length - 1])}, median ${pct(errors[errors.length >> 1])}, predictSignal ${ms} ms; before the head, E[y^2] / E[x^2] = ${output.toPrecision(3)}`,
        );
    });
  }

  it('lsuv and rule predicted leave no tensor behind (tfjs 4.22 ReLU layers with a maxValue leak one a call)', () => {
    const before = tf.memory().numTensors;
    lsuv(model, x, { seed: 1 });
    initializeModel(model, { seed: 1, rule: 'predicted' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('signalPropagation with labels runs in both modes (wasm: the conv gradients it lacks are composed), no tensor left', () => {
    initializeModel(model, { seed: 1 });
    const y = tf.oneHot(tf.randomUniform([32], 0, 10, 'int32', 3), 10);
    for (const training of [true, false]) {
      const before = tf.memory().numTensors;
      const t = Date.now();
      const report = signalPropagation(model, x, y, { training });
      const ms = Date.now() - t;
      expect(tf.memory().numTensors).toBe(before);
      const kernels = model.layers.filter((l) => /Conv|Dense/.test(l.getClassName())).length;
      expect(report.layers).toHaveLength(kernels);
      expect(
        report.layers.every(
          (r) => Number.isFinite(r.postStd) && (r.gradPreStd as number) > 0 && (r.gradKernelStd as number) > 0,
        ),
      ).toBe(true);
      // BatchNorm then ReLU6 after each conv: the table names the activation the conv's output goes through
      if (/MobileNet/.test(name))
        expect(report.layers.filter((r) => r.activation === 'relu6').length).toBeGreaterThan(10);
      if (process.env.REPORT_ERRORS)
        console.log(`${name}: signalPropagation with labels (${training ? 'training' : 'inference'}) ${ms} ms`);
    }
    y.dispose();
  });
});
