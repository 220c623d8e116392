/**
 * predictSignal against measurement: random N(0, 1) inputs, batch 256, width 256, training mode. The
 * prediction is data-free and reads the actual weights; the measurement has sampling error of a few
 * percent at batch 256 (the second moment of 256 x 256 values, correlated within an example), so 15%.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initializeModel, predictSignal, signalPropagation } from '../../src';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

/** Measured E[y^2] of every layer's output (training mode). */
function measure(model: tf.LayersModel, x: tf.Tensor): Map<string, number> {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const values = tf.tidy(() => {
    const probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.output as tf.SymbolicTensor) });
    const outs = ([] as tf.Tensor[]).concat(probe.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]);
    return outs.map((o) => o.square().mean().dataSync()[0]);
  });
  return new Map(layers.map((l, i) => [l.name, values[i]]));
}

function chain(activation: 'relu' | 'tanh' | 'selu', depth: number, width: number): tf.LayersModel {
  const input = tf.input({ shape: [width] });
  let h = input;
  for (let i = 0; i < depth; i++) h = tf.layers.dense({ units: width, activation }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: h });
}

function expectClose(model: tf.LayersModel, x: tf.Tensor, tolerance: number, only?: (name: string) => boolean): number {
  const measured = measure(model, x);
  const predicted = predictSignal(model);
  let worst = 0;
  for (const row of predicted) {
    if (row.className === 'InputLayer' || (only && !only(row.layer))) continue;
    expect(row.secondMoment).not.toBeNull();
    const m = measured.get(row.layer) as number;
    const ratio = (row.secondMoment as number) / m;
    worst = Math.max(worst, Math.abs(ratio - 1));
    expect(Math.abs(ratio - 1)).toBeLessThan(tolerance);
  }
  return worst;
}

describe('predictSignal', () => {
  for (const activation of ['relu', 'tanh', 'selu'] as const) {
    it(`30-layer ${activation} chain, width 256: within 15% of the measurement at every layer`, () => {
      const model = chain(activation, 30, 256);
      initializeModel(model, { seed: 1 });
      const x = tf.randomNormal([256, 256], 0, 1, 'float32', 2);
      const before = tf.memory().numTensors;
      expectClose(model, x, 0.15);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      model.dispose();
    });
  }

  it("follows this model's own draws: it tracks the drift a weight-blind prediction cannot see", () => {
    // relu at width 256: the measured second moment drifts from layer to layer; the prediction follows it
    const model = chain('relu', 30, 256);
    initializeModel(model, { seed: 3 });
    const x = tf.randomNormal([256, 256], 0, 1, 'float32', 4);
    const measured = [...measure(model, x).values()];
    const spread = Math.max(...measured) / Math.min(...measured);
    expect(spread).toBeGreaterThan(1.3); // the infinite-width value would be flat
    expectClose(model, x, 0.15);
    x.dispose();
    model.dispose();
  });

  it('a residual MLP (10 blocks of Dense relu, Dense, Add): sums of independent branches, within 15%', () => {
    const input = tf.input({ shape: [256] });
    let h = input;
    for (let b = 0; b < 10; b++) {
      const branch = tf.layers
        .dense({ units: 256 })
        .apply(tf.layers.dense({ units: 256, activation: 'relu' }).apply(h)) as tf.SymbolicTensor;
      h = tf.layers.add().apply([h, branch]) as tf.SymbolicTensor;
    }
    const model = tf.model({ inputs: input, outputs: h });
    initializeModel(model, { seed: 5 });
    const x = tf.randomNormal([256, 256], 0, 1, 'float32', 6);
    expectClose(model, x, 0.15);
    x.dispose();
    model.dispose();
  });

  it('BatchNorm in training mode resets to gamma^2 + beta^2; layers it cannot predict are named, never guessed', () => {
    const input = tf.input({ shape: [64] });
    let h = tf.layers.dense({ units: 64, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
    h = tf.layers.dense({ units: 64 }).apply(h) as tf.SymbolicTensor;
    const pooled = tf.layers.reshape({ targetShape: [8, 8] }).apply(h) as tf.SymbolicTensor;
    const avg = tf.layers.globalAveragePooling1d().apply(pooled) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 4 }).apply(avg) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    initializeModel(model, { seed: 7 });
    const rows = predictSignal(model);
    const bn = rows.find((r) => r.className === 'BatchNormalization');
    expect(bn?.secondMoment).toBeCloseTo(1, 12);
    const x = tf.randomNormal([256, 64], 0, 1, 'float32', 8);
    expectClose(
      model,
      x,
      0.15,
      (name) => /dense|batch_norm/.test(name) && !rows.find((r) => r.layer === name)?.note?.includes('cannot'),
    );
    const pool = rows.find((r) => r.className === 'GlobalAveragePooling1D');
    expect(pool?.secondMoment).toBeNull();
    expect(pool?.note).toMatch(/spatial correlation/);
    expect(rows[rows.length - 1].secondMoment).toBeNull();
    expect(rows[rows.length - 1].note).toMatch(/downstream of a layer it cannot predict/);
    expect(predictSignal(model, { training: false }).find((r) => r.className === 'BatchNormalization')?.note).toMatch(
      /inference/,
    );
    x.dispose();
    model.dispose();
  });

  it("signalPropagation shows the prediction next to the measurement (same training mode, the batch's input scale)", () => {
    const model = chain('tanh', 8, 128);
    initializeModel(model, { seed: 9 });
    const x = tf.randomNormal([256, 128], 0, 2, 'float32', 10); // input second moment 4
    const report = signalPropagation(model, x);
    for (const row of report.layers) {
      expect(row.predictedSecondMoment).not.toBeNull();
      expect(Math.abs((row.predictedSecondMoment as number) / row.postSecondMoment - 1)).toBeLessThan(0.15);
    }
    x.dispose();
    model.dispose();
  });

  it('rejects bad options', () => {
    const model = chain('relu', 1, 4);
    expect(() => predictSignal(model, { inputSecondMoment: 0 })).toThrow(
      /predictSignal: inputSecondMoment must be a finite number > 0/,
    );
    expect(() => predictSignal(model, { trainig: true } as never)).toThrow(/option 'trainig' must be absent/);
    model.dispose();
  });
});
