/**
 * Analytic, data-free prediction of the second moment of every layer's output, for any built
 * LayersModel (a DAG, walked once in topological order). It reads the model's actual weights: each
 * channel's mean and second moment pass through the actual kernel, treating units as independent (a
 * diagonal approximation), and activations act through the Gaussian expectation per channel. The
 * infinite-width, weight-free limit of the same map is `meanField.lengthMap`.
 *
 * Stated approximations: units independent (Dense, Conv, merges: Add sums independent branches'
 * variances; Multiply multiplies second moments); convolutions ignore padding and spatial correlation;
 * average pooling treats the window's positions as independent (it shrinks the variance by the window
 * size), max pooling as Gaussian order statistics is not modelled (named, not guessed). Layers it cannot
 * predict are named in the result, as is everything downstream of them.
 */
import * as tf from '@tensorflow/tfjs';
import {
  ACTIVATION_KINKS,
  ActivationName,
  DEFAULT_ALPHA,
  canonicalActivation,
  scalarActivation,
} from '../math/activations.js';
import { gaussianMoments } from '../math/quadrature.js';
import { OptionsOf, defineOptions, flag, parseOptions, positive } from '../options.js';
import { checkModel } from './transaction.js';

const OWNER = 'predictSignal';
const SPEC = defineOptions({
  /** Second moment of every input feature (zero mean); default 1 (standardized data). */
  inputSecondMoment: positive(1),
  /** BatchNorm and Dropout as in training (batch statistics; default true) or in inference (moving statistics). */
  training: flag(true),
});

/** Options of predictSignal. */
export interface PredictSignalOptions extends OptionsOf<typeof SPEC> {}

/** The prediction for one layer's output. */
export interface PredictedLayer {
  /** Layer name. */
  layer: string;
  /** Layer class. */
  className: string;
  /** Predicted E[y^2] over the output's elements, or null where the layer could not be predicted. */
  secondMoment: number | null;
  /** Predicted E[y] over the output's elements, or null. */
  mean: number | null;
  /** Why there is no prediction, or which approximation it rests on. */
  note?: string;
}

/** Per-channel moments of a tensor (the last axis); positions are exchangeable. */
interface Stats {
  mean: Float64Array;
  m2: Float64Array;
}

type Layer = tf.layers.Layer;

const average = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;

/** E[phi(z)], E[phi(z)^2] per channel for z ~ N(mean, m2 - mean^2). */
function throughActivation(s: Stats, name: ActivationName, alpha: number): Stats {
  const phi = scalarActivation(name, alpha);
  const kinks = ACTIVATION_KINKS[name] ?? [];
  const mean = new Float64Array(s.mean.length);
  const m2 = new Float64Array(s.mean.length);
  for (let c = 0; c < mean.length; c++) {
    const mu = s.mean[c];
    const sd = Math.sqrt(Math.max(0, s.m2[c] - mu * mu));
    if (sd === 0) {
      mean[c] = phi.value(mu);
      m2[c] = mean[c] ** 2;
      continue;
    }
    [mean[c], m2[c]] = gaussianMoments(
      (u) => phi.value(mu + sd * u),
      kinks.map((k) => (k - mu) / sd),
    );
  }
  return { mean, m2 };
}

/** A kernel [...taps, in, out] and bias applied to per-channel inputs: per-channel outputs (units independent). */
function throughKernel(s: Stats, kernel: Float32Array, shape: number[], bias: Float32Array | null): Stats {
  const out = shape[shape.length - 1];
  const inCh = shape[shape.length - 2];
  const taps = kernel.length / (inCh * out);
  const mean = new Float64Array(out);
  const variance = new Float64Array(out);
  for (let t = 0; t < taps; t++) {
    for (let i = 0; i < inCh; i++) {
      const mu = s.mean[i % s.mean.length];
      const v = Math.max(0, s.m2[i % s.m2.length] - mu * mu);
      const row = (t * inCh + i) * out;
      for (let o = 0; o < out; o++) {
        const w = kernel[row + o];
        mean[o] += w * mu;
        variance[o] += w * w * v;
      }
    }
  }
  const m2 = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    if (bias) mean[o] += bias[o];
    m2[o] = variance[o] + mean[o] * mean[o];
  }
  return { mean, m2 };
}

/** A depthwise kernel [...taps, channels, multiplier]: output channel c * multiplier + m sees input channel c. */
function throughDepthwise(s: Stats, kernel: Float32Array, shape: number[]): Stats {
  const mult = shape[shape.length - 1];
  const channels = shape[shape.length - 2];
  const taps = kernel.length / (channels * mult);
  const mean = new Float64Array(channels * mult);
  const variance = new Float64Array(channels * mult);
  for (let t = 0; t < taps; t++) {
    for (let c = 0; c < channels; c++) {
      const mu = s.mean[c % s.mean.length];
      const v = Math.max(0, s.m2[c % s.m2.length] - mu * mu);
      for (let m = 0; m < mult; m++) {
        const w = kernel[(t * channels + c) * mult + m];
        mean[c * mult + m] += w * mu;
        variance[c * mult + m] += w * w * v;
      }
    }
  }
  return { mean, m2: variance.map((v, i) => v + mean[i] * mean[i]) };
}

function weightsOf(layer: Layer): Map<string, { values: Float32Array; shape: number[] }> {
  const values = layer.getWeights();
  const map = new Map<string, { values: Float32Array; shape: number[] }>();
  layer.weights.forEach((w, i) =>
    map.set(w.originalName.split('/').pop() as string, {
      values: values[i].dataSync() as Float32Array,
      shape: values[i].shape as number[],
    }),
  );
  return map;
}

/** The nonlinearity a config's `activation` names, or null for linear. */
function configActivation(layer: Layer): { name: ActivationName; alpha: number } | 'softmax' | null {
  const raw = (layer.getConfig() as Record<string, unknown>).activation;
  if (typeof raw !== 'string' || raw === 'linear') return null;
  if (/softmax/i.test(raw)) return 'softmax';
  const name = canonicalActivation(raw, OWNER);
  return { name, alpha: DEFAULT_ALPHA[name] ?? 0 };
}

/** Output stats of one layer from its inputs' stats, or a reason it cannot be predicted. */
function predictLayer(layer: Layer, inputs: Stats[], training: boolean): { stats: Stats; note?: string } | string {
  const cls = layer.getClassName();
  const w = weightsOf(layer);
  const [s] = inputs;
  const fused = (st: Stats): Stats | string => {
    const act = configActivation(layer);
    if (act === 'softmax') return 'softmax output: not a per-unit Gaussian expectation';
    return act ? throughActivation(st, act.name, act.alpha) : st;
  };
  const done = (st: Stats | string, note?: string): { stats: Stats; note?: string } | string =>
    typeof st === 'string' ? st : { stats: st, note };
  switch (cls) {
    case 'Dense':
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D': {
      const k = w.get('kernel');
      if (!k) return 'no kernel';
      const out = throughKernel(s, k.values, k.shape, w.get('bias')?.values ?? null);
      return done(fused(out), cls === 'Dense' ? undefined : 'padding and spatial correlation ignored');
    }
    case 'DepthwiseConv2D': {
      const k = w.get('depthwise_kernel');
      if (!k) return 'no kernel';
      let out = throughDepthwise(s, k.values, k.shape);
      const b = w.get('bias');
      if (b) out = shift(out, b.values);
      return done(fused(out));
    }
    case 'Activation':
    case 'ReLU':
    case 'ELU':
    case 'LeakyReLU': {
      if (cls === 'Activation') return done(fused(s));
      const config = layer.getConfig() as Record<string, number | undefined>;
      if (cls === 'ReLU') return done(throughActivation(s, config.maxValue === 6 ? 'relu6' : 'relu', 0));
      const name: ActivationName = cls === 'ELU' ? 'elu' : 'leakyRelu';
      return done(throughActivation(s, name, config.alpha ?? (DEFAULT_ALPHA[name] as number)));
    }
    case 'InputLayer':
    case 'Flatten':
    case 'Reshape':
    case 'Permute':
    case 'SpatialDropout1D':
    case 'SpatialDropout2D':
      return done(s);
    case 'Dropout': {
      const rate = (layer.getConfig() as { rate: number }).rate;
      // training: kept units are scaled by 1 / (1 - rate), so E[y^2] = E[x^2] / (1 - rate)
      return training ? done(scale(s, 1, 1 / (1 - rate)), 'training mode: inverted dropout') : done(s);
    }
    case 'BatchNormalization': {
      const gamma = w.get('gamma')?.values;
      const beta = w.get('beta')?.values;
      const channels = s.mean.length;
      const mean = new Float64Array(channels);
      const m2 = new Float64Array(channels);
      const eps = (layer.getConfig() as { epsilon: number }).epsilon;
      const mm = w.get('moving_mean')?.values;
      const mv = w.get('moving_variance')?.values;
      for (let c = 0; c < channels; c++) {
        const g = gamma ? gamma[c] : 1;
        const b = beta ? beta[c] : 0;
        if (training) {
          // batch statistics: the output has mean beta and variance gamma^2 (eps neglected)
          mean[c] = b;
          m2[c] = g * g + b * b;
        } else {
          const sd = Math.sqrt((mv ? mv[c] : 1) + eps);
          const mu = (g * (s.mean[c] - (mm ? mm[c] : 0))) / sd + b;
          const variance = (g * g * Math.max(0, s.m2[c] - s.mean[c] ** 2)) / (sd * sd);
          mean[c] = mu;
          m2[c] = variance + mu * mu;
        }
      }
      return done({ mean, m2 }, training ? 'training mode: batch statistics' : 'inference mode: moving statistics');
    }
    case 'LayerNormalization': {
      const gamma = w.get('gamma')?.values;
      const beta = w.get('beta')?.values;
      const channels = s.mean.length;
      const mean = new Float64Array(channels).map((_, c) => (beta ? beta[c] : 0));
      const m2 = new Float64Array(channels).map((_, c) => (gamma ? gamma[c] ** 2 : 1) + mean[c] ** 2);
      return done({ mean, m2 }, 'each example normalized over its features');
    }
    case 'Add':
    case 'Subtract':
    case 'Average': {
      const n = inputs.length;
      const c = inputs[0].mean.length;
      if (inputs.some((x) => x.mean.length !== c)) return 'inputs of different channel counts';
      const mean = new Float64Array(c);
      const variance = new Float64Array(c);
      inputs.forEach((x, k) => {
        const sign = cls === 'Subtract' && k === 1 ? -1 : 1;
        for (let j = 0; j < c; j++) {
          mean[j] += sign * x.mean[j];
          variance[j] += Math.max(0, x.m2[j] - x.mean[j] ** 2);
        }
      });
      if (cls === 'Average') for (let j = 0; j < c; j++) [mean[j], variance[j]] = [mean[j] / n, variance[j] / (n * n)];
      return done({ mean, m2: variance.map((v, j) => v + mean[j] ** 2) }, 'branches assumed independent');
    }
    case 'Multiply': {
      const c = inputs[0].mean.length;
      const mean = new Float64Array(c).fill(1);
      const m2 = new Float64Array(c).fill(1);
      for (const x of inputs) {
        for (let j = 0; j < c; j++) {
          mean[j] *= x.mean[j % x.mean.length];
          m2[j] *= x.m2[j % x.m2.length];
        }
      }
      return done({ mean, m2 }, 'inputs assumed independent');
    }
    case 'Concatenate': {
      const axis = (layer.getConfig() as { axis: number }).axis;
      if (axis === -1 || axis === (layer.outputShape as number[]).length - 1) {
        const mean = Float64Array.from(inputs.flatMap((x) => Array.from(x.mean)));
        const m2 = Float64Array.from(inputs.flatMap((x) => Array.from(x.m2)));
        return done({ mean, m2 });
      }
      return 'concatenation along an axis other than the channels';
    }
    case 'Embedding': {
      const e = w.get('embeddings');
      if (!e) return 'no embeddings';
      const [vocab, dim] = e.shape;
      const mean = new Float64Array(dim);
      const m2 = new Float64Array(dim);
      for (let v = 0; v < vocab; v++) {
        for (let d = 0; d < dim; d++) {
          const x = e.values[v * dim + d];
          mean[d] += x / vocab;
          m2[d] += (x * x) / vocab;
        }
      }
      return done({ mean, m2 }, 'ids assumed uniform over the vocabulary');
    }
    case 'AveragePooling1D':
    case 'AveragePooling2D':
    case 'GlobalAveragePooling1D':
    case 'GlobalAveragePooling2D':
      return 'average pooling depends on spatial correlation, which a data-free prediction cannot know';
    default:
      return `no rule for ${cls}`;
  }
}

function scale(s: Stats, meanFactor: number, m2Factor: number): Stats {
  return { mean: s.mean.map((v) => v * meanFactor), m2: s.m2.map((v) => v * m2Factor) };
}

function shift(s: Stats, bias: Float32Array): Stats {
  const mean = s.mean.map((v, c) => v + bias[c]);
  const m2 = s.m2.map((v, c) => v - s.mean[c] ** 2 + mean[c] ** 2);
  return { mean, m2 };
}

/**
 * Predicts, without data, the mean and second moment of every layer's output of a built model whose
 * inputs are zero-mean with second moment `inputSecondMoment` (default 1) per feature. Returns a row per
 * layer, in model order; layers it cannot predict (and everything downstream) have `secondMoment: null`
 * and a note saying why.
 */
export function predictSignal(model: tf.LayersModel, options: PredictSignalOptions = {}): PredictedLayer[] {
  checkModel(OWNER, model);
  const o = parseOptions(OWNER, SPEC, options);
  const stats = new Map<number, Stats | string>();
  const rows: PredictedLayer[] = [];
  for (const input of model.inputs) {
    const c = input.shape[input.shape.length - 1] ?? 1;
    stats.set(input.id, { mean: new Float64Array(c), m2: new Float64Array(c).fill(o.inputSecondMoment) });
  }
  for (const layer of model.layers) {
    if (layer.inboundNodes.length !== 1) {
      rows.push({
        layer: layer.name,
        className: layer.getClassName(),
        secondMoment: null,
        mean: null,
        note: 'shared layer',
      });
      continue;
    }
    const symbolicInputs = ([] as tf.SymbolicTensor[]).concat(layer.input as tf.SymbolicTensor | tf.SymbolicTensor[]);
    const output = layer.output as tf.SymbolicTensor;
    const inputs = symbolicInputs.map((t) => stats.get(t.id));
    let result: { stats: Stats; note?: string } | string;
    const missing = inputs.find((x) => x === undefined || typeof x === 'string');
    if (layer.getClassName() === 'InputLayer') {
      result = { stats: stats.get(output.id) as Stats };
    } else if (missing !== undefined) {
      result = `downstream of a layer it cannot predict`;
    } else {
      result = predictLayer(layer, inputs as Stats[], o.training);
    }
    if (typeof result === 'string') {
      stats.set(output.id, result);
      rows.push({ layer: layer.name, className: layer.getClassName(), secondMoment: null, mean: null, note: result });
    } else {
      stats.set(output.id, result.stats);
      rows.push({
        layer: layer.name,
        className: layer.getClassName(),
        secondMoment: average(result.stats.m2),
        mean: average(result.stats.mean),
        note: result.note,
      });
    }
  }
  return rows;
}
