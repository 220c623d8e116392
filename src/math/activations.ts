/**
 * Scalar forms of the tfjs activations and their derivatives, as tfjs-layers
 * defines them (`@tensorflow/tfjs-layers` src/activations.ts), for the gain integrals.
 */
import { InitializerConfigError } from '../errors.js';
import { normalCdf, normalPdf } from './special.js';

// Math's functions bound once: hot loops here; a global lookup of `Math` is ~20x slower in a vm context (jest).
const { abs, exp, expm1, log1p, max, min, sqrt, tanh } = Math;

/** Canonical activation names (tfjs spellings, camelCase so they survive tfjs's snake/camel config conversion). */
export type ActivationName =
  | 'linear'
  | 'relu'
  | 'relu6'
  | 'leakyRelu'
  | 'prelu'
  | 'elu'
  | 'selu'
  | 'sigmoid'
  | 'hardSigmoid'
  | 'tanh'
  | 'softplus'
  | 'softsign'
  | 'swish'
  | 'mish'
  | 'gelu'
  | 'geluNew';

/** Every activation varianceGain and ActivationAware support. */
export const ACTIVATIONS: readonly ActivationName[] = [
  'linear',
  'relu',
  'relu6',
  'leakyRelu',
  'prelu',
  'elu',
  'selu',
  'sigmoid',
  'hardSigmoid',
  'tanh',
  'softplus',
  'softsign',
  'swish',
  'mish',
  'gelu',
  'geluNew',
];

/**
 * Default `alpha` of the parameterised activations, as a tfjs model has them:
 * `tf.layers.leakyReLU` 0.3, `tf.layers.elu` 1, `tf.layers.prelu` 0 (its alpha
 * initializer is zeros). PyTorch's `calculate_gain` defaults leaky ReLU to 0.01 instead.
 */
export const DEFAULT_ALPHA: Readonly<Partial<Record<ActivationName, number>>> = { leakyRelu: 0.3, prelu: 0, elu: 1 };

/** The activations that are not nondecreasing (they dip below 0 before rising); the others are, for alpha >= 0. */
export const NON_MONOTONE: ReadonlySet<ActivationName> = new Set<ActivationName>(['swish', 'mish', 'gelu', 'geluNew']);

/** Where each activation is not smooth (its kinks), in x; smooth activations have none. */
export const ACTIVATION_KINKS: Readonly<Partial<Record<ActivationName, readonly number[]>>> = {
  relu: [0],
  relu6: [0, 6],
  leakyRelu: [0],
  prelu: [0],
  elu: [0],
  selu: [0],
  hardSigmoid: [-2.5, 2.5],
};

/** SELU constants (Klambauer et al. 2017), as tfjs uses them. */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;

/** Lower-cased, separator-free spellings -> canonical name. */
const ALIASES: Readonly<Record<string, ActivationName>> = {
  linear: 'linear',
  identity: 'linear',
  none: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  leakyrelu: 'leakyRelu',
  prelu: 'prelu',
  elu: 'elu',
  selu: 'selu',
  sigmoid: 'sigmoid',
  hardsigmoid: 'hardSigmoid',
  tanh: 'tanh',
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'swish',
  silu: 'swish',
  mish: 'mish',
  gelu: 'gelu',
  gelunew: 'geluNew',
};

/** Reduces a spelling (`leaky_relu`, `leakyReLU`, `gelu_new`, ...) to the key of ALIASES. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[_\-\s]/g, '');
}

/** The canonical name of an activation spelled the tfjs or the PyTorch way. */
export function canonicalActivation(name: unknown, owner = 'activation'): ActivationName {
  const key = typeof name === 'string' ? normalizeName(name) : '';
  if (!Object.prototype.hasOwnProperty.call(ALIASES, key)) {
    throw new InitializerConfigError(owner, 'activation', name, `one of ${ACTIVATIONS.join(', ')}`);
  }
  return ALIASES[key];
}

/** An activation as scalar functions. */
export interface ScalarActivation {
  /** phi(x). */
  value(x: number): number;
  /** phi'(x) (one-sided at kinks; zero-measure points do not matter to the integrals). */
  derivative(x: number): number;
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)));
const softplus = (x: number): number => (x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)));
const GELU_C = sqrt(2 / Math.PI);
const GELU_K = 0.044715;

/** phi and phi' for `name` with slope/scale `alpha` (used by leakyRelu, prelu, elu). */
export function scalarActivation(name: ActivationName, alpha: number): ScalarActivation {
  switch (name) {
    case 'linear':
      return { value: (x) => x, derivative: () => 1 };
    case 'relu':
      return { value: (x) => (x > 0 ? x : 0), derivative: (x) => (x > 0 ? 1 : 0) };
    case 'relu6':
      return { value: (x) => min(max(x, 0), 6), derivative: (x) => (x > 0 && x < 6 ? 1 : 0) };
    case 'leakyRelu':
    case 'prelu':
      return { value: (x) => (x > 0 ? x : alpha * x), derivative: (x) => (x > 0 ? 1 : alpha) };
    case 'elu':
      return {
        value: (x) => (x > 0 ? x : alpha * expm1(x)),
        derivative: (x) => (x > 0 ? 1 : alpha * exp(x)),
      };
    case 'selu':
      return {
        value: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * expm1(x)),
        derivative: (x) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * exp(x)),
      };
    case 'sigmoid':
      return { value: sigmoid, derivative: (x) => sigmoid(x) * (1 - sigmoid(x)) };
    case 'hardSigmoid': // tfjs: clip(0.2 x + 0.5, 0, 1)
      return {
        value: (x) => min(max(0.2 * x + 0.5, 0), 1),
        derivative: (x) => (x > -2.5 && x < 2.5 ? 0.2 : 0),
      };
    case 'tanh':
      return { value: tanh, derivative: (x) => 1 - tanh(x) ** 2 };
    case 'softplus':
      return { value: softplus, derivative: sigmoid };
    case 'softsign':
      return { value: (x) => x / (1 + abs(x)), derivative: (x) => 1 / (1 + abs(x)) ** 2 };
    case 'swish':
      return { value: (x) => x * sigmoid(x), derivative: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))) };
    case 'mish':
      return {
        value: (x) => x * tanh(softplus(x)),
        derivative: (x) => {
          const t = tanh(softplus(x));
          return t + x * (1 - t * t) * sigmoid(x);
        },
      };
    case 'gelu':
      return { value: (x) => x * normalCdf(x), derivative: (x) => normalCdf(x) + x * normalPdf(x) };
    case 'geluNew':
      return {
        value: (x) => 0.5 * x * (1 + tanh(GELU_C * (x + GELU_K * x ** 3))),
        derivative: (x) => {
          const t = tanh(GELU_C * (x + GELU_K * x ** 3));
          return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_K * x * x);
        },
      };
    default: {
      const unreachable: never = name;
      throw new InitializerConfigError('scalarActivation', 'name', unreachable, `one of ${ACTIVATIONS.join(', ')}`);
    }
  }
}
