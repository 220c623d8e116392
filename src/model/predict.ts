/**
 * Analytic, data-free prediction of the second moment of every layer's output, for any built
 * LayersModel (a DAG, walked once in topological order). It reads the model's actual weights: each
 * channel's mean and second moment pass through the actual kernel, treating units as independent (a
 * diagonal approximation), and activations act through the Gaussian expectation per channel. The
 * infinite-width, weight-free limit of the same map is `meanField.lengthMap`.
 *
 * Stated approximations: units independent (Dense, Conv, merges: Add sums independent branches'
 * variances; Multiply multiplies second moments); convolutions count the border taps that read padding but
 * ignore spatial correlation; pooling treats a window's positions as independent (average pooling shrinks the
 * variance by the window size; max pooling takes Gaussian order statistics of the pre-activations, then the
 * nondecreasing activation); recurrent layers are unrolled per unit (predict_recurrent.ts). Layers it cannot
 * predict are named in the result, as is everything downstream of them.
 */
import * as tf from '@tensorflow/tfjs';
import { ActivationName, DEFAULT_ALPHA, canonicalActivation } from '../math/activations.js';
import { OptionsOf, defineOptions, flag, parseOptions, positive } from '../options.js';
import {
  Stats,
  average,
  averageIndependent,
  averagePool,
  centred,
  concat,
  maxPool,
  productIndependent,
  scale,
  shift,
  sumIndependent,
  throughActivation,
  throughDepthwise,
  tapCoverage,
  throughKernel,
} from './moments.js';
import { predictRecurrent } from './predict_recurrent.js';
import { WeightReader, WeightValues, isRecurrentLayer, weightsByName } from './roles.js';
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
  /**
   * d log E[y^2] / d log E[x^2]: how much a relative error in the input's second moment (or in an early layer's
   * prediction) is amplified by here. 1 through relu or linear layers, 0 after a normalization, above 1 where the
   * length map's fixed point is unstable (gelu at its He gain: about 1.14x per layer); rows above 2 are flagged
   * unstable in `note`. null where there is no prediction.
   */
  amplification: number | null;
  /** Why there is no prediction, which approximation it rests on, and whether it is unstable. */
  note?: string;
}

type Layer = tf.layers.Layer;

/** The nonlinearity a config's `activation` names, or null for linear. */
function configActivation(layer: Layer): { name: ActivationName; alpha: number } | 'softmax' | null {
  const raw = (layer.getConfig() as Record<string, unknown>).activation;
  if (typeof raw !== 'string' || raw === 'linear') return null;
  if (/softmax/i.test(raw)) return 'softmax';
  const name = canonicalActivation(raw, OWNER);
  return { name, alpha: DEFAULT_ALPHA[name] ?? 0 };
}

const POOLING_NOTE =
  "window positions taken as independent (a data-free guess: spatial correlation, which it cannot know, moves the truth toward the input's second moment)";
const RECURRENT_NOTE = 'unrolled from a zero state; units, steps and gates taken as independent';

/** Spatial positions of a channels-last tensor: the product of the axes between batch and channels. */
const positions = (t: tf.SymbolicTensor): number => t.shape.slice(1, -1).reduce<number>((a, b) => a * (b ?? 1), 1);

/** The number of positions one pooling window covers (for global pooling, every spatial position). */
function poolWindow(layer: Layer): number {
  if (layer.getClassName().startsWith('Global')) return positions(layer.input as tf.SymbolicTensor);
  const size = (layer.getConfig() as { poolSize: number | number[] }).poolSize;
  return ([] as number[]).concat(size).reduce((a, b) => a * b, 1);
}

/** Per-tap share of output positions inside the input for a conv layer (channels last), or why not. */
function convCoverage(layer: Layer, kernelShape: number[]): Float64Array | string {
  const config = layer.getConfig() as {
    strides?: number | number[];
    dilationRate?: number | number[];
    padding?: 'valid' | 'same' | 'causal';
    dataFormat?: string;
  };
  if (config.dataFormat === 'channelsFirst') return 'channelsFirst convolution';
  const spatial = (shape: tf.Shape): number[] => shape.slice(1, -1) as number[];
  const input = spatial((layer.input as tf.SymbolicTensor).shape);
  const output = spatial((layer.output as tf.SymbolicTensor).shape);
  if ([...input, ...output].some((n) => typeof n !== 'number')) return 'spatial size not fixed by the input shape';
  const perAxis = (v: number | number[] | undefined): number[] =>
    input.map((_, a) => (Array.isArray(v) ? (v[a] ?? v[0]) : (v ?? 1)));
  return tapCoverage({
    input,
    output,
    kernel: kernelShape.slice(0, -2),
    strides: perAxis(config.strides),
    dilation: perAxis(config.dilationRate),
    padding: config.padding ?? 'valid',
  });
}

/** Output stats of one layer from its inputs' stats, or a reason it cannot be predicted. */
function predictLayer(
  layer: Layer,
  inputs: Stats[],
  training: boolean,
  read: WeightReader,
): { stats: Stats; note?: string } | string {
  const cls = layer.getClassName();
  const w = read(layer);
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
      const coverage = cls === 'Dense' ? null : convCoverage(layer, k.shape);
      if (typeof coverage === 'string') return coverage;
      const out = throughKernel(s, k.values, k.shape, w.get('bias')?.values ?? null, undefined, coverage);
      return done(fused(out), cls === 'Dense' ? undefined : 'positions taken as independent; border taps counted');
    }
    case 'DepthwiseConv2D': {
      const k = w.get('depthwise_kernel');
      if (!k) return 'no kernel';
      const coverage = convCoverage(layer, k.shape);
      if (typeof coverage === 'string') return coverage;
      let out = throughDepthwise(s, k.values, k.shape, coverage);
      const b = w.get('bias');
      if (b) out = shift(out, b.values);
      return done(fused(out), 'positions taken as independent; border taps counted');
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
      if (inputs.some((x) => x.mean.length !== s.mean.length)) return 'inputs of different channel counts';
      if (cls === 'Average') return done(averageIndependent(inputs), 'branches assumed independent');
      return done(sumIndependent(inputs, cls === 'Subtract' ? [1, -1] : []), 'branches assumed independent');
    }
    case 'Multiply':
      return done(productIndependent(inputs), 'inputs assumed independent');
    case 'Concatenate': {
      const axis = (layer.getConfig() as { axis: number }).axis;
      if (axis === -1 || axis === (layer.outputShape as number[]).length - 1) return done(concat(inputs));
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
    case 'AveragePooling3D':
    case 'GlobalAveragePooling1D':
    case 'GlobalAveragePooling2D':
      return done(averagePool(s, poolWindow(layer)), POOLING_NOTE);
    case 'MaxPooling1D':
    case 'MaxPooling2D':
    case 'MaxPooling3D':
    case 'GlobalMaxPooling1D':
    case 'GlobalMaxPooling2D':
      return done(maxPool(s, poolWindow(layer)), POOLING_NOTE);
    case 'ZeroPadding1D':
    case 'ZeroPadding2D': {
      // the zeros added at the border dilute every channel by (positions in) / (positions out)
      const f = positions(layer.input as tf.SymbolicTensor) / positions(layer.output as tf.SymbolicTensor);
      return done(scale(s, f, f));
    }
    default: {
      if (isRecurrentLayer(layer)) {
        const out = predictRecurrent(layer, s, training, read);
        return typeof out === 'string' ? out : done(out, RECURRENT_NOTE);
      }
      return `no rule for ${cls}`;
    }
  }
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
  const read = weightReader();
  const rows = propagate(model, o.inputSecondMoment, o.training, read);
  // the same map from a slightly larger input: how much a relative error at the input is amplified at each layer
  const nudged = propagate(model, o.inputSecondMoment * (1 + NUDGE), o.training, read);
  return rows.map((row, i) => {
    const other = nudged[i].secondMoment;
    if (row.secondMoment === null || other === null || !(row.secondMoment > 0)) return row;
    const amplification = Math.log(other / row.secondMoment) / Math.log1p(NUDGE);
    const unstable = amplification > UNSTABLE_AMPLIFICATION;
    return {
      ...row,
      amplification,
      note: unstable
        ? [row.note, `unstable: an error in the input's second moment is amplified ${amplification.toFixed(1)}x here`]
            .filter(Boolean)
            .join('; ')
        : row.note,
    };
  });
}

/** Relative nudge of the input's second moment for `amplification`. */
const NUDGE = 1e-3;
/** Amplification above which a prediction is flagged unstable (here and by signalPropagation). */
export const UNSTABLE_AMPLIFICATION = 2;

/** Each layer's (or cell's) weights, read from the backend once per prediction. */
function weightReader(): WeightReader {
  const cache = new Map<Layer, Map<string, WeightValues>>();
  return (layer) => {
    let w = cache.get(layer);
    if (!w) cache.set(layer, (w = weightsByName(layer)));
    return w;
  };
}

/**
 * The predicted second moment of every layer's output (null where it has none), without predictSignal's
 * amplification pass: for tools that only need the values (initializeModel's `preserve`).
 */
export function predictSecondMoments(model: tf.LayersModel, training = true): Map<string, number | null> {
  return new Map(propagate(model, 1, training, weightReader()).map((r) => [r.layer, r.secondMoment]));
}

/** One pass of the prediction over the DAG in topological (model) order. */
function propagate(
  model: tf.LayersModel,
  inputSecondMoment: number,
  training: boolean,
  read: WeightReader,
): PredictedLayer[] {
  const stats = new Map<number, Stats | string>();
  const rows: PredictedLayer[] = [];
  for (const input of model.inputs)
    stats.set(input.id, centred(input.shape[input.shape.length - 1] ?? 1, inputSecondMoment));
  for (const layer of model.layers) {
    const row = {
      layer: layer.name,
      className: layer.getClassName(),
      secondMoment: null,
      mean: null,
      amplification: null,
    };
    if (layer.inboundNodes.length !== 1) {
      rows.push({ ...row, note: 'shared layer' });
      continue;
    }
    const symbolicInputs = ([] as tf.SymbolicTensor[]).concat(layer.input as tf.SymbolicTensor | tf.SymbolicTensor[]);
    const output = layer.output as tf.SymbolicTensor;
    const inputs = symbolicInputs.map((t) => stats.get(t.id));
    let result: { stats: Stats; note?: string } | string;
    if (layer.getClassName() === 'InputLayer') {
      result = { stats: stats.get(output.id) as Stats };
    } else if (inputs.some((x) => x === undefined || typeof x === 'string')) {
      result = `downstream of a layer it cannot predict`;
    } else {
      result = predictLayer(layer, inputs as Stats[], training, read);
    }
    stats.set(output.id, typeof result === 'string' ? result : result.stats);
    rows.push(
      typeof result === 'string'
        ? { ...row, note: result }
        : { ...row, secondMoment: average(result.stats.m2), mean: average(result.stats.mean), note: result.note },
    );
  }
  return rows;
}
