/**
 * The model tools on text models as tfjs users build them: Embedding, SimpleRNN/LSTM/GRU (bare, as
 * `tf.layers.rnn` with cells, stacked, in Bidirectional), TimeDistributed, BatchNorm and LayerNorm.
 */
import * as tf from '@tensorflow/tfjs';
import { initializeModel, lsuv, signalPropagation } from '../../src';
import type { LayerInitReport } from '../../src';
import { moments, stdTolerance } from '../helpers';
import { orthogonalityError } from '../records';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const VOCAB = 50;
const SEQ = 12;

/** Embedding -> Bidirectional(LSTM 16) -> GRU 8 -> TimeDistributed(Dense 6) -> LayerNorm -> SimpleRNN 5 -> BatchNorm -> Dense 3. */
function textModel(): tf.LayersModel {
  const input = tf.input({ shape: [SEQ], dtype: 'int32' });
  let h = tf.layers.embedding({ inputDim: VOCAB, outputDim: 10 }).apply(input) as tf.SymbolicTensor;
  h = tf.layers
    .bidirectional({ layer: tf.layers.lstm({ units: 16, returnSequences: true }) as never })
    .apply(h) as tf.SymbolicTensor;
  h = tf.layers.gru({ units: 8, returnSequences: true }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 6 }) }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.layerNormalization().apply(h) as tf.SymbolicTensor;
  h = tf.layers.simpleRNN({ units: 5 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** The [rows, cols] weight as rows of blocks: block g of a [units, gates * units] matrix. */
function block(values: Float32Array, units: number, gates: number, g: number): Float32Array {
  const out = new Float32Array(units * units);
  for (let r = 0; r < units; r++) {
    out.set(values.subarray(r * gates * units + g * units, r * gates * units + (g + 1) * units), r * units);
  }
  return out;
}

function weightOf(model: tf.LayersModel, name: RegExp): Float32Array {
  const i = model.weights.findIndex((w) => name.test(w.originalName));
  expect(i).toBeGreaterThanOrEqual(0);
  return model.getWeights()[i].dataSync() as Float32Array;
}

describe('initializeModel on a text model', () => {
  let model: tf.LayersModel;
  let report: LayerInitReport[];
  beforeAll(() => {
    model = textModel();
    const before = tf.memory().numTensors;
    report = initializeModel(model, { seed: 7 });
    expect(tf.memory().numTensors).toBe(before);
  });
  afterAll(() => model.dispose());

  it('reports a row for every weight, and none unknown', () => {
    expect(report.filter((r) => r.skipped)).toEqual([]);
    // (model.weights lists trainable weights first, then moving statistics)
    expect(report.map((r) => r.weight).sort()).toEqual(model.weights.map((w) => w.originalName).sort());
  });

  it('every recurrent kernel is orthogonal gate by gate: Q^T Q = I within 1e-5 (LSTM 4 blocks, GRU 3, SimpleRNN 1)', () => {
    for (const [pattern, units, gates] of [
      [/forward.*recurrent_kernel/, 16, 4],
      [/backward.*recurrent_kernel/, 16, 4],
      [/gru.*recurrent_kernel/, 8, 3],
      [/simple_rnn.*recurrent_kernel/, 5, 1],
    ] as const) {
      const w = weightOf(model, pattern);
      for (let g = 0; g < gates; g++)
        expect(orthogonalityError(block(w, units, gates, g), [units, units], 1)).toBeLessThan(1e-5);
    }
  });

  it('forget gates get bias 1 (LSTM f, GRU z), every other bias 0', () => {
    const lstm = weightOf(model, /forward.*bias/);
    expect(Array.from(lstm)).toEqual(Array.from({ length: 64 }, (_, i) => (i >= 16 && i < 32 ? 1 : 0)));
    const gru = weightOf(model, /gru.*bias/);
    expect(Array.from(gru)).toEqual(Array.from({ length: 24 }, (_, i) => (i < 8 ? 1 : 0)));
    expect(Array.from(weightOf(model, /simple_rnn.*bias/)).every((v) => v === 0)).toBe(true);
  });

  it('embedding std 1; normalization gamma 1, beta 0, moving statistics reset', () => {
    const e = weightOf(model, /embeddings/);
    expect(Math.abs(moments(e).std - 1)).toBeLessThan(stdTolerance(e.length));
    expect(Array.from(weightOf(model, /layer_normalization.*gamma/)).every((v) => v === 1)).toBe(true);
    expect(Array.from(weightOf(model, /moving_variance/)).every((v) => v === 1)).toBe(true);
    expect(Array.from(weightOf(model, /moving_mean/)).every((v) => v === 0)).toBe(true);
    expect(report.filter((r) => r.role === 'inputKernel').map((r) => r.activation?.split(' ')[0])).toEqual([
      'linear', // after the embedding (no nonlinearity): gain 1
      'linear',
      'linear', // after the Bidirectional LSTM's output
      'linear',
    ]);
  });

  it('the input projection x W_in has the second moment the He rule gives: E[x^2] g^2 (gain sqrt 2 after relu)', () => {
    // Dense relu -> LSTM: std sqrt(2 / in) so E[(x W)^2] = 2 E[x^2]; 512 x 20 inputs, 64 columns of 4 x 32 gates:
    // for a fixed W the ratio is sum_i W_ij^2 E[x^2] averaged over 128 columns, relative sd sqrt(2 / (64 * 128)) = 1.6%;
    // x sampling adds less. Tolerance 10%, over 6 sd.
    const m = tf.sequential({
      layers: [tf.layers.dense({ units: 64, inputShape: [20, 8], activation: 'relu' }), tf.layers.lstm({ units: 32 })],
    });
    const rows = initializeModel(m, { seed: 3 });
    const lstmKernel = rows.find((r) => r.role === 'inputKernel') as LayerInitReport;
    expect(lstmKernel.gain).toBeCloseTo(Math.SQRT2, 12);
    expect(lstmKernel.fan).toBe(64);
    const [ratio] = tf.tidy(() => {
      const x = m.layers[0].apply(tf.randomNormal([512, 20, 8], 0, 1, 'float32', 4)) as tf.Tensor;
      const w = m.layers[1].getWeights()[0];
      const z = tf.matMul(x.reshape([-1, 64]), w);
      return [z.square().mean().dataSync()[0] / x.square().mean().dataSync()[0]];
    });
    expect(Math.abs(ratio / 2 - 1)).toBeLessThan(0.1);
    m.dispose();
  });

  it("forgetBias 'chrono' with maxTimescale; it requires maxTimescale", () => {
    const m = tf.sequential({ layers: [tf.layers.lstm({ units: 6, inputShape: [4, 3] })] });
    expect(() => initializeModel(m, { forgetBias: 'chrono' })).toThrow(
      /maxTimescale must be a number >= 2 with forgetBias 'chrono'/,
    );
    initializeModel(m, { forgetBias: 'chrono', maxTimescale: 40, seed: 1 });
    const b = m.layers[0].getWeights()[2].dataSync();
    for (let j = 0; j < 6; j++) {
      expect(Math.exp(b[6 + j])).toBeGreaterThanOrEqual(1 - 1e-5);
      expect(Math.exp(b[6 + j])).toBeLessThanOrEqual(39 + 1e-4);
      expect(b[j]).toBeCloseTo(-b[6 + j], 6);
    }
    expect(() => initializeModel(m, { forgetBias: 'chorno' as never })).toThrow(
      /forgetBias must be a finite number >= -1000000, or 'chrono'/,
    );
    m.dispose();
  });

  it('tf.layers.rnn with an lstmCell and with stacked cells: every weight has its role', () => {
    const m = tf.sequential({
      layers: [
        tf.layers.rnn({ cell: tf.layers.lstmCell({ units: 4 }), inputShape: [5, 3], returnSequences: true }),
        tf.layers.rnn({ cell: [tf.layers.gruCell({ units: 3 }), tf.layers.simpleRNNCell({ units: 2 })] }),
      ],
    });
    const rows = initializeModel(m, { seed: 2 });
    expect(rows.map((r) => r.role)).toEqual([
      'inputKernel',
      'recurrentKernel',
      'bias',
      'inputKernel',
      'recurrentKernel',
      'bias',
      'inputKernel',
      'recurrentKernel',
      'bias',
    ]);
    expect(rows[6].activation).toMatch(/previous cell's output/);
    const gruRecurrent = m.layers[1].getWeights()[1].dataSync() as Float32Array;
    for (let g = 0; g < 3; g++) expect(orthogonalityError(block(gruRecurrent, 3, 3, g), [3, 3], 1)).toBeLessThan(1e-5);
    m.dispose();
  });

  it("rule pytorchDefault draws every recurrent weight U[-1/sqrt(units), +), as PyTorch's nn.LSTM", () => {
    const m = tf.sequential({ layers: [tf.layers.lstm({ units: 25, inputShape: [4, 30] })] });
    initializeModel(m, { rule: 'pytorchDefault', seed: 1 });
    for (const w of m.getWeights()) {
      const v = moments(w.dataSync());
      expect(Math.max(-v.min, v.max)).toBeLessThanOrEqual(Math.fround(1 / 5));
      expect(Math.max(-v.min, v.max)).toBeGreaterThan(0.9 / 5);
    }
    m.dispose();
  });
});

describe('lsuv and signalPropagation on a text model', () => {
  it('lsuv: recurrent layers get an input-kernel LSUV (Var(x W_in) = 1), recurrent kernels stay orthogonal', () => {
    const model = textModel();
    const ids = tf.randomUniform([64, SEQ], 0, VOCAB, 'int32', 5);
    const before = tf.memory().numTensors;
    const rows = lsuv(model, ids, { seed: 2 });
    expect(tf.memory().numTensors).toBe(before);
    const names = rows.map((r) => r.layer);
    expect(names.some((n) => /bidirectional/.test(n))).toBe(true);
    expect(names.some((n) => /gru/.test(n))).toBe(true);
    expect(names.some((n) => /simple_rnn/.test(n))).toBe(true);
    for (const r of rows.filter((r) => r.note === undefined)) expect(r.converged).toBe(true);
    const reset = rows.filter((r) => r.note !== undefined);
    expect(reset.every((r) => r.variance === null && /reset to the identity/.test(r.note as string))).toBe(true);
    const w = weightOf(model, /gru.*recurrent_kernel/);
    for (let g = 0; g < 3; g++) expect(orthogonalityError(block(w, 8, 3, g), [8, 8], 1)).toBeLessThan(1e-5);
    tf.dispose(ids);
    model.dispose();
  });

  it('signalPropagation reports the embedding and every recurrent layer, forward and (chain) backward', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: VOCAB, outputDim: 8, inputLength: SEQ }),
        tf.layers.bidirectional({ layer: tf.layers.gru({ units: 6 }) as never }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    initializeModel(model, { seed: 1 });
    const ids = tf.randomUniform([32, SEQ], 0, VOCAB, 'int32', 6);
    const y = tf.oneHot(tf.randomUniform([32], 0, 3, 'int32', 7), 3);
    const before = tf.memory().numTensors;
    const report = signalPropagation(model, ids, y);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.layers.map((r) => r.kind)).toEqual(['embedding', 'recurrent', 'kernel']);
    // embedding std 1 after initializeModel: its output's second moment is about 1
    expect(Math.abs(report.layers[0].postSecondMoment - 1)).toBeLessThan(0.15);
    // input projection of unit-variance embeddings through a LeCun-scaled input kernel: about 1
    expect(Math.abs(report.layers[1].preSecondMoment - 1)).toBeLessThan(0.3);
    expect(report.layers[2].gradPreStd).toBeGreaterThan(0);
    tf.dispose([ids, y]);
    model.dispose();
  });
});
