/**
 * BatchNormalization and LayerNormalization: gamma, beta and (BatchNorm) the moving statistics. Both pass a
 * nonlinearity through for the gain lookup (right after initializeModel an inference-mode BatchNorm is the
 * identity). The tools run BatchNorm with their own ops, so that a diagnostic never updates its moving statistics
 * and a Keras BatchNorm without a scale (`scale: false`, tfjs 4.22 reads the missing gamma in training mode) or
 * without an offset works in training mode and under gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { Stats, variance } from '../moments.js';
import { affineChannels, mapDims, uniformMap } from '../moments_positions.js';
import { configOf, numberOf, rolesByName, shortName } from './common.js';
import { RuleFamily } from './registry.js';
import { MomentRule } from './types.js';

type Layer = tf.layers.Layer;

/** The layer's normalized axis as a non-negative index of a rank-`rank` tensor. */
function axisOf(layer: Layer, rank: number): number {
  const raw = configOf(layer).axis;
  const axis = Array.isArray(raw) ? (raw[0] as number) : typeof raw === 'number' ? raw : -1;
  return axis < 0 ? rank + axis : axis;
}

/** Whether a gradient tape is recording (tfjs's engine state). */
const recording = (): boolean =>
  (tf.engine() as unknown as { state: { activeTape: unknown } }).state.activeTape != null;

/** A BatchNorm layer's variables by short name. */
function variables(layer: Layer): Map<string, tf.Tensor> {
  return new Map(layer.weights.map((w) => [shortName(w), w.read()]));
}

/**
 * BatchNorm for the tools: training mode normalizes with the batch's own mean and variance (over every axis but
 * the layer's), inference mode with the moving statistics; then gamma and beta where the layer has them. Nothing is
 * written to the layer.
 */
function runBatchNorm(layer: Layer, [x]: tf.Tensor[], training: boolean): tf.Tensor {
  return tf.tidy(() => {
    const axis = axisOf(layer, x.rank);
    const last = axis === x.rank - 1;
    // channels last: 1-D statistics (the shape tfjs's batchNorm gradient expects); another axis: broadcast shapes
    const shape = last ? [x.shape[axis]] : x.shape.map((n, a) => (a === axis ? n : 1));
    const v = variables(layer);
    const param = (name: string, fill: number): tf.Tensor => {
      const t = v.get(name);
      return t ? t.reshape(shape) : tf.fill(shape, fill);
    };
    const epsilon = numberOf(layer, 'epsilon', 1e-3);
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (training) {
      const axes = x.shape.map((_, a) => a).filter((a) => a !== axis);
      ({ mean, variance } = tf.moments(x, axes, !last));
    } else {
      [mean, variance] = [param('moving_mean', 0), param('moving_variance', 1)];
    }
    const [beta, gamma] = [param('beta', 0), param('gamma', 1)];
    // tfjs's fused batchNorm kernel is the fastest forward (an explicit scale and offset where the layer has none);
    // under a gradient tape the plain ops are faster to differentiate than its composed gradient
    if (last && !recording()) return tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
  });
}

/**
 * y = a_c x + b_c per channel: training mode with the batch's statistics (a_c = gamma / sqrt(var_c + eps), b_c =
 * beta - a_c mean_c: mean beta, second moment about gamma^2 + beta^2), inference mode with the moving ones; position
 * by position where the input has a map (a position's own mean normalized by the channel's).
 */
const batchNormMoments: MomentRule = ({ layer, inputs, inputShapes, weights, training }) => {
  const s = inputs[0] as Stats;
  if (axisOf(layer, inputShapes[0].length) !== inputShapes[0].length - 1)
    return 'BatchNorm over an axis other than the last';
  const [gamma, beta] = [weights.get('gamma')?.values, weights.get('beta')?.values];
  const [mm, mv] = [weights.get('moving_mean')?.values, weights.get('moving_variance')?.values];
  const eps = numberOf(layer, 'epsilon', 1e-3);
  const channels = s.mean.length;
  const a = new Float64Array(channels);
  const b = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const [mean, v] = training ? [s.mean[c], variance(s, c)] : [mm ? mm[c] : 0, mv ? mv[c] : 1];
    a[c] = (gamma ? gamma[c] : 1) / Math.sqrt(v + eps);
    b[c] = (beta ? beta[c] : 0) - a[c] * mean;
  }
  const moments = affineChannels(s, a, b);
  return training
    ? { moments, note: 'training mode: batch statistics', exact: true, resets: true }
    : { moments, note: 'inference mode: moving statistics', exact: true };
};

/** Each example normalized over its features: mean beta and second moment gamma^2 + beta^2 per feature. */
const layerNormMoments: MomentRule = ({ layer, inputs, weights }) => {
  const channels = Math.max(inputs[0].mean.length, weights.get('gamma')?.values.length ?? 0);
  const [gamma, beta] = [weights.get('gamma')?.values, weights.get('beta')?.values];
  const mean = new Float64Array(channels).map((_, c) => (beta ? beta[c] : 0));
  const v = new Float64Array(channels).map((_, c) => (gamma ? gamma[c] ** 2 : 1));
  const m2 = v.map((x, c) => x + mean[c] ** 2);
  const { spatial, positions } = inputs[0] as Stats;
  // every position is normalized alike
  const map = positions && positions.channels === channels ? uniformMap(mapDims(positions), mean, v) : undefined;
  const moments: Stats = { mean, m2, ...(spatial ? { spatial } : {}), ...(map ? { positions: map } : {}) };
  const axis = configOf(layer).axis;
  if (Array.isArray(axis) ? axis.length !== 1 || axis[0] !== -1 : axis !== -1 && axis !== undefined)
    return { moments, note: 'normalized over several axes: taken as over the features', resets: true };
  return { moments, note: 'each example normalized over its features', exact: true, resets: true };
};

/** The rules of this family. */
export const NORMALIZATION_RULES: RuleFamily = {
  BatchNormalization: {
    weights: (layer) =>
      rolesByName(layer, {
        gamma: { role: 'gamma' },
        beta: { role: 'beta' },
        moving_mean: { role: 'movingMean' },
        moving_variance: { role: 'movingVariance' },
      }),
    passes: 'through',
    moments: batchNormMoments,
    positions: true,
    run: runBatchNorm,
  },
  LayerNormalization: {
    weights: (layer) => rolesByName(layer, { gamma: { role: 'gamma' }, beta: { role: 'beta' } }),
    passes: 'through',
    moments: layerNormMoments,
    positions: true,
  },
};
