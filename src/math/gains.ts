/**
 * Gains: the factor g in std = g / sqrt(fan) that keeps signals at unit scale
 * through a layer followed by a nonlinearity.
 */
import { InitializerConfigError } from '../errors.js';
import { ActivationName, DEFAULT_ALPHA, canonicalActivation, normalizeName, scalarActivation } from './activations.js';
import { gaussianExpectation } from './quadrature.js';

/** Nonlinearities in PyTorch's `torch.nn.init.calculate_gain` table. */
export type PytorchNonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

const PYTORCH_UNIT_GAIN = [
  'linear',
  'conv1d',
  'conv2d',
  'conv3d',
  'convtranspose1d',
  'convtranspose2d',
  'convtranspose3d',
  'sigmoid',
];
const PYTORCH_NAMES =
  'linear, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu (leakyRelu), selu';
/** PyTorch's default negative slope for leaky_relu in calculate_gain. */
export const PYTORCH_LEAKY_RELU_SLOPE = 0.01;

function checkFinite(owner: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InitializerConfigError(owner, field, value, 'a finite number');
  }
  return value;
}

/**
 * PyTorch's recommended gain (`torch/nn/init.py`, `calculate_gain`):
 * linear, conv*, conv_transpose*, sigmoid: 1; tanh: 5/3; relu: sqrt(2);
 * leaky_relu: sqrt(2 / (1 + a^2)) with a = `param` (default 0.01); selu: 3/4
 * (chosen by PyTorch for self-normalising nets, not derived).
 * Accepts PyTorch spellings (`leaky_relu`) and tfjs ones (`leakyRelu`).
 *
 * @example
 * ```ts
 * import { calculateGain } from 'tfjs-initializers';
 *
 * console.log(calculateGain('relu').toFixed(4), calculateGain('tanh').toFixed(4), calculateGain('leaky_relu', 0.2).toFixed(4));
 * ```
 * ```text output
 * 1.4142 1.6667 1.3868
 * ```
 */
export function calculateGain(nonlinearity: PytorchNonlinearity | string, param?: number): number {
  const key = typeof nonlinearity === 'string' ? normalizeName(nonlinearity) : '';
  if (PYTORCH_UNIT_GAIN.includes(key)) return 1;
  switch (key) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyrelu': {
      const a = param === undefined ? PYTORCH_LEAKY_RELU_SLOPE : checkFinite('calculateGain', 'param', param);
      return Math.sqrt(2 / (1 + a * a));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new InitializerConfigError('calculateGain', 'nonlinearity', nonlinearity, `one of ${PYTORCH_NAMES}`);
  }
}

/** Which variance a gain preserves. */
export type GainMode = 'fanIn' | 'fanOut';
/** Every GainMode. */
export const GAIN_MODES: readonly GainMode[] = ['fanIn', 'fanOut'];

/** Options of varianceGain. */
export interface VarianceGainOptions {
  /**
   * `fanIn` (forward, He et al. 2015 eq. 10): g = 1 / sqrt(E[phi(z)^2]) keeps the second
   * moment of activations; `fanOut` (backward, eq. 14): g = 1 / sqrt(E[phi'(z)^2]) keeps
   * the variance of gradients. Default `fanIn`.
   */
  mode?: GainMode;
  /** Slope of leakyRelu/prelu, or alpha of elu; defaults as tfjs layers: 0.3, 0, 1. */
  alpha?: number;
}

const ALPHA_ACTIVATIONS: readonly ActivationName[] = ['leakyRelu', 'prelu', 'elu'];
const cache = new Map<string, number>();

/** The activation's alpha after defaults, or an error if it takes none. */
export function resolveAlpha(owner: string, activation: ActivationName, alpha: number | null | undefined): number {
  if (alpha === undefined || alpha === null) return DEFAULT_ALPHA[activation] ?? 0;
  if (!ALPHA_ACTIVATIONS.includes(activation)) {
    throw new InitializerConfigError(
      owner,
      'alpha',
      alpha,
      `omitted for ${activation} (only ${ALPHA_ACTIVATIONS.join(', ')} take one)`,
    );
  }
  return checkFinite(owner, 'alpha', alpha);
}

/**
 * Exact variance-preserving gain of a tfjs activation, with z ~ N(0, 1):
 * `fanIn`: 1 / sqrt(E[phi(z)^2]); `fanOut`: 1 / sqrt(E[phi'(z)^2]) (He et al., "Delving
 * Deep into Rectifiers", ICCV 2015, eqs. 10 and 14), by quadrature to ~1e-15.
 * Closed forms it reproduces: linear 1; relu sqrt 2; leakyRelu/prelu sqrt(2 / (1 + a^2));
 * selu 1 forward (by construction of its constants). It differs from PyTorch's table
 * where that table is a convention: tanh gives 1.5925 forward (PyTorch: 5/3), sigmoid
 * gives 1.8462 forward (PyTorch: 1; sigmoid's output has mean 1/2 and slope at most 1/4).
 *
 * @example
 * ```ts
 * import { varianceGain } from 'tfjs-initializers';
 *
 * // exact, where PyTorch's table is a convention: tanh 1.5925 (PyTorch 5/3)
 * console.log(varianceGain('tanh').toFixed(4), varianceGain('gelu').toFixed(4), varianceGain('leakyRelu', { alpha: 0.2 }).toFixed(4));
 * console.log(varianceGain('tanh', { mode: 'fanOut' }).toFixed(4)); // preserves gradients instead
 * ```
 */
export function varianceGain(activation: ActivationName | string, options: VarianceGainOptions = {}): number {
  const owner = 'varianceGain';
  const name = canonicalActivation(activation, owner);
  const mode = options.mode ?? 'fanIn';
  if (!GAIN_MODES.includes(mode))
    throw new InitializerConfigError(owner, 'mode', mode, `one of ${GAIN_MODES.join(', ')}`);
  const alpha = resolveAlpha(owner, name, options.alpha);
  const key = `${name}|${mode}|${alpha}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const phi = scalarActivation(name, alpha);
  const moment =
    mode === 'fanIn'
      ? gaussianExpectation((z) => phi.value(z) ** 2)
      : gaussianExpectation((z) => phi.derivative(z) ** 2);
  if (!(moment > 0)) {
    throw new InitializerConfigError(
      owner,
      'activation',
      activation,
      `an activation with non-zero ${mode === 'fanIn' ? 'output' : 'slope'} (alpha ${alpha} gives E = 0)`,
    );
  }
  const gain = 1 / Math.sqrt(moment);
  cache.set(key, gain);
  return gain;
}

/** `variance`: the exact gain of varianceGain; `pytorch`: PyTorch's calculateGain table. */
export type GainCriterion = 'variance' | 'pytorch';
/** Every GainCriterion. */
export const GAIN_CRITERIA: readonly GainCriterion[] = ['variance', 'pytorch'];

/** PyTorch names for the activations its table knows. */
const PYTORCH_NAME: Partial<Record<ActivationName, PytorchNonlinearity>> = {
  linear: 'linear',
  relu: 'relu',
  leakyRelu: 'leaky_relu',
  prelu: 'leaky_relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  selu: 'selu',
};
/** The activations PyTorch's calculate_gain table covers (criterion `pytorch` takes only these). */
export const PYTORCH_ACTIVATIONS = Object.keys(PYTORCH_NAME) as readonly ActivationName[];

/**
 * The gain of `activation` under `criterion`: varianceGain for `variance`, calculateGain for
 * `pytorch` (with the activation's alpha as leaky_relu's slope). `owner` names the caller in errors.
 */
export function activationGain(
  activation: ActivationName,
  alpha: number | null,
  mode: GainMode,
  criterion: GainCriterion,
  owner = 'activationGain',
): number {
  const a = resolveAlpha(owner, activation, alpha); // validates alpha for this activation
  if (criterion === 'variance') return varianceGain(activation, { mode, alpha: alpha ?? undefined });
  const name = PYTORCH_NAME[activation];
  if (name === undefined) {
    const known = Object.keys(PYTORCH_NAME).join(', ');
    throw new InitializerConfigError(
      owner,
      "activation (criterion 'pytorch')",
      activation,
      `one of ${known}, which PyTorch's table covers; use criterion 'variance' for the others`,
      `${owner}: criterion 'pytorch' has no gain for activation '${activation}'; PyTorch's table covers ${known}. Use criterion 'variance'.`,
    );
  }
  return calculateGain(name, name === 'leaky_relu' ? a : undefined);
}
