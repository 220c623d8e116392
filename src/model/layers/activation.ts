/**
 * Activation layers: Activation, ReLU (relu6 at maxValue 6), LeakyReLU, PReLU (its learned slope is a weight),
 * ELU, ThresholdedReLU and Softmax. Moments: the Gaussian expectation of the nonlinearity per channel; softmax by
 * a lognormal treatment of the other elements' sum (moments.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { ActivationName, DEFAULT_ALPHA } from '../../math/activations.js';
import { Stats, softmaxMoments, throughActivation, throughFunction, throughLeaky } from '../moments.js';
import { elementwise } from '../moments_positions.js';
import { activationMoments, configOf, lastAxis, namedActivation, numberOf, rolesByName } from './common.js';
import { RuleFamily } from './registry.js';
import { MomentRule, Nonlinearity, WeightMap } from './types.js';

type Layer = tf.layers.Layer;

/** tfjs's ReLU layer: relu, relu6 at maxValue 6, a relu clipped at another maxValue. */
function reluOf(layer: Layer): Nonlinearity & { cap: number | null } {
  const cap = configOf(layer).maxValue;
  if (typeof cap !== 'number') return { name: 'relu', cap: null };
  if (cap === 6) return { name: 'relu6', cap: null };
  return { name: 'relu', cap, note: `relu clipped at ${cap}: its gain counted as relu's` };
}

/** The mean slope per channel of a PReLU's alpha (its last axis is the channels, or shared). */
function slopes(weights: WeightMap): Float64Array {
  const alpha = weights.get('alpha');
  if (!alpha) return Float64Array.of(DEFAULT_ALPHA.prelu as number);
  const channels = alpha.shape[alpha.shape.length - 1] ?? 1;
  const out = new Float64Array(channels);
  const rows = alpha.values.length / channels;
  alpha.values.forEach((v, i) => (out[i % channels] += v / rows));
  return out;
}

/** A per-element map of one input, position by position where it has a map. */
const each = (s: Stats, f: (x: Stats) => Stats): Stats => elementwise([s], ([x]) => f(x));

const simple =
  (name: ActivationName, alphaKey?: string): MomentRule =>
  ({ layer, inputs }) => ({
    moments: each(inputs[0], (x) =>
      throughActivation(x, name, alphaKey ? numberOf(layer, alphaKey, DEFAULT_ALPHA[name] ?? 0) : 0),
    ),
  });

/** Softmax over the layer's axis: the channels, or a position axis (each channel's positions exchangeable). */
const softmaxLayerMoments: MomentRule = ({ layer, inputs, inputShapes }) => {
  const shape = inputShapes[0];
  const raw = configOf(layer).axis;
  const axisValue = Array.isArray(raw) ? raw : [raw ?? 1];
  if (axisValue.length !== 1) return 'softmax over several axes';
  const axis = (axisValue[0] as number) < 0 ? shape.length + (axisValue[0] as number) : (axisValue[0] as number);
  if (axis === shape.length - 1) return { moments: softmaxMoments(inputs[0], lastAxis(shape)) };
  const length = shape[axis];
  if (typeof length !== 'number') return 'softmax over an axis of unknown size';
  const s = inputs[0];
  const parts = Array.from(s.mean, (_, c) =>
    softmaxMoments({ mean: s.mean.slice(c, c + 1), m2: s.m2.slice(c, c + 1) }, length),
  );
  const moments: Stats = {
    mean: Float64Array.from(parts, (p) => p.mean[0]),
    m2: Float64Array.from(parts, (p) => p.m2[0]),
  };
  return { moments, note: 'softmax over a position axis', exact: true };
};

/** The rules of this family. */
export const ACTIVATION_RULES: RuleFamily = {
  Activation: {
    passes: 'activation',
    activation: (layer) => namedActivation(configOf(layer).activation, layer.name),
    moments: ({ layer, inputs, inputShapes }) => ({
      moments: activationMoments(configOf(layer).activation, inputs[0], lastAxis(inputShapes[0]), layer.name),
    }),
    positions: true,
  },
  ReLU: {
    passes: 'activation',
    activation: (layer) => {
      const { cap: _cap, ...nonlinearity } = reluOf(layer);
      return nonlinearity;
    },
    moments: ({ layer, inputs }) => {
      const relu = reluOf(layer);
      if (relu.cap === null) return { moments: each(inputs[0], (x) => throughActivation(x, relu.name, 0)) };
      const cap = relu.cap;
      return { moments: each(inputs[0], (x) => throughFunction(x, (v) => Math.min(Math.max(v, 0), cap), [0, cap])) };
    },
    positions: true,
  },
  LeakyReLU: {
    passes: 'activation',
    activation: (layer) => ({ name: 'leakyRelu', alpha: numberOf(layer, 'alpha', DEFAULT_ALPHA.leakyRelu as number) }),
    moments: simple('leakyRelu', 'alpha'),
    positions: true,
  },
  ELU: {
    passes: 'activation',
    activation: (layer) => ({ name: 'elu', alpha: numberOf(layer, 'alpha', DEFAULT_ALPHA.elu as number) }),
    moments: simple('elu', 'alpha'),
    positions: true,
  },
  PReLU: {
    weights: (layer) => rolesByName(layer, { alpha: { role: 'slope' } }),
    passes: 'activation',
    activation: (_layer, weights) => {
      const s = slopes(weights);
      return { name: 'prelu', alpha: s.reduce((a, b) => a + b, 0) / s.length, note: 'its mean slope' };
    },
    moments: ({ inputs, weights }) => ({
      moments: each(inputs[0], (x) => throughLeaky(x, slopes(weights))),
      note: 'per-channel slope',
      exact: true,
    }),
    positions: true,
  },
  ThresholdedReLU: {
    passes: 'activation',
    activation: () => ({ name: 'linear', note: 'thresholded relu has no gain formula here: counted as linear' }),
    moments: ({ layer, inputs }) => {
      const theta = numberOf(layer, 'theta', 1);
      return { moments: each(inputs[0], (x) => throughFunction(x, (v) => (v > theta ? v : 0), [theta])) };
    },
    positions: true,
  },
  Softmax: {
    passes: 'activation',
    activation: () => ({ name: 'linear', note: 'softmax counted as linear', probabilities: true }),
    moments: softmaxLayerMoments,
  },
};
