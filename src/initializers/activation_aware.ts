/** A preset that derives its gain from the activation that follows the layer. */
import { ACTIVATIONS, ActivationName, canonicalActivation } from '../math/activations.js';
import { GAIN_CRITERIA, GAIN_MODES, activationGain } from '../math/gains.js';
import { ChoiceField, OptionsOf, choice, defineOptions, positive } from '../options.js';
import { CLASS_PREFIX } from './base.js';
import { COMMON_FIELDS, DISTRIBUTIONS, UNTRUNCATED, VarianceScalingParams, VarianceScalingPreset } from './core.js';

const OWNER = `${CLASS_PREFIX}ActivationAware`;
const ACTIVATION_FIELD: ChoiceField<ActivationName, 'linear', string> = {
  kind: 'choice',
  default: 'linear',
  values: ACTIVATIONS,
  canonical: (v) => canonicalActivation(v, OWNER),
};
const SPEC = defineOptions({
  /** The activation after this layer, tfjs or PyTorch spelling (`leakyRelu`, `leaky_relu`); default `linear`. */
  activation: ACTIVATION_FIELD,
  /** leakyRelu/prelu slope or elu alpha; default as the tfjs layer (0.3, 0, 1). */
  alpha: positive(null, true),
  /** `fanIn`: forward gain over fanIn; `fanOut`: backward gain over fanOut. Default `fanIn`. */
  mode: choice(GAIN_MODES, 'fanIn'),
  /** Default `truncatedNormal`. */
  distribution: choice(DISTRIBUTIONS, 'truncatedNormal', UNTRUNCATED),
  /** `variance` (exact, default) or `pytorch` (calculateGain's table). */
  criterion: choice(GAIN_CRITERIA, 'variance'),
  ...COMMON_FIELDS,
});

/** Options of ActivationAware. */
export interface ActivationAwareOptions extends OptionsOf<typeof SPEC> {}

/**
 * Var(W) = g^2 / fan with g from the activation: criterion `variance` uses
 * g = 1 / sqrt(E[phi(z)^2]) over fanIn or g = 1 / sqrt(E[phi'(z)^2]) over fanOut
 * (He et al. 2015, eqs. 10 and 14; see varianceGain); `pytorch` uses calculateGain.
 * relu gives He init, linear gives LeCun, selu gives LeCun (variance) or 3/4 (pytorch).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { ActivationAware } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new ActivationAware({ activation: 'gelu', seed: 1 });
 * const layer = tf.layers.dense({ units: 128, inputShape: [256], activation: 'gelu', kernelInitializer: init });
 * const copy = ActivationAware.fromConfig(ActivationAware, init.getConfig());
 * ```
 */
export class ActivationAware extends VarianceScalingPreset<typeof SPEC> {
  /** Registered name. */
  static className = OWNER;
  /** The gain, resolved once at construction (so a bad activation/criterion fails early). */
  readonly gain: number;

  /** @param options see ActivationAwareOptions */
  constructor(options: ActivationAwareOptions = {}) {
    super(SPEC, options);
    const c = this.config;
    this.gain = activationGain(c.activation, c.alpha, c.mode, c.criterion, OWNER);
  }

  /** scale g^2, the chosen mode and distribution. */
  get params(): VarianceScalingParams {
    return this.preset({ scale: this.gain ** 2, mode: this.config.mode, distribution: this.config.distribution });
  }
}

/**
 * Gain derived from the activation; see ActivationAware.
 *
 * @example
 * ```ts
 * import { activationAware } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, std g / sqrt(256) with g = varianceGain('gelu')
 * const values = activationAware({ activation: 'gelu', seed: 1 }).apply([256, 128]);
 * ```
 */
export const activationAware = (options?: ActivationAwareOptions): ActivationAware => new ActivationAware(options);
