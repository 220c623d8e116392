/**
 * A preset that derives its gain from the activation that follows the layer.
 */
import { ACTIVATIONS, ActivationName, canonicalActivation } from '../math/activations.js';
import type { FanLayout } from '../math/fans.js';
import { GAIN_MODES, GainMode, calculateGain, resolveAlpha, varianceGain } from '../math/gains.js';
import { CLASS_PREFIX } from './base.js';
import { OptionSpec, SEED_FIELD } from './options.js';
import type { PresetOptions } from './presets.js';
import {
  DISTRIBUTIONS,
  Distribution,
  FAN_FIELDS,
  VarianceScalingParams,
  VarianceScalingPreset,
  presetParams,
} from './variance_scaling.js';

/** `variance`: the exact gain of varianceGain; `pytorch`: PyTorch's calculateGain table. */
export type GainCriterion = 'variance' | 'pytorch';
export const GAIN_CRITERIA: readonly GainCriterion[] = ['variance', 'pytorch'];

/** PyTorch names for the activations its table knows. */
const PYTORCH_NAME: Partial<Record<ActivationName, string>> = {
  linear: 'linear',
  relu: 'relu',
  leakyRelu: 'leaky_relu',
  prelu: 'leaky_relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  selu: 'selu',
};

export interface ActivationAwareOptions extends PresetOptions {
  /** The activation after this layer, tfjs or PyTorch spelling; default `linear`. */
  activation?: ActivationName | string;
  /** leakyRelu/prelu slope or elu alpha; default as the tfjs layer (0.3, 0, 1). */
  alpha?: number | null;
  /** `fanIn`: forward gain over fanIn; `fanOut`: backward gain over fanOut. Default `fanIn`. */
  mode?: GainMode;
  /** Default `truncatedNormal`. */
  distribution?: Distribution;
  /** Default `variance`. */
  criterion?: GainCriterion;
}

type ActivationAwareConfig = {
  activation: ActivationName;
  alpha: number | null;
  mode: GainMode;
  distribution: Distribution;
  criterion: GainCriterion;
  seed: number | null;
  layout: FanLayout;
  inAxis: number | null;
  outAxis: number | null;
};

const OWNER = `${CLASS_PREFIX}ActivationAware`;
const SPEC: OptionSpec = {
  activation: {
    kind: 'choice',
    default: 'linear',
    values: ACTIVATIONS,
    canonical: (v) => canonicalActivation(v, OWNER),
  },
  alpha: { kind: 'number', default: null, min: 0 },
  mode: { kind: 'choice', default: 'fanIn', values: GAIN_MODES },
  distribution: { kind: 'choice', default: 'truncatedNormal', values: DISTRIBUTIONS },
  criterion: { kind: 'choice', default: 'variance', values: GAIN_CRITERIA },
  seed: SEED_FIELD,
  ...FAN_FIELDS,
};

/** The gain ActivationAware uses for `activation` under `criterion`. */
export function activationGain(
  activation: ActivationName,
  alpha: number | null,
  mode: GainMode,
  criterion: GainCriterion,
): number {
  const a = resolveAlpha(OWNER, activation, alpha); // validates alpha for this activation
  if (criterion === 'variance') return varianceGain(activation, { mode, alpha: alpha ?? undefined });
  const name = PYTORCH_NAME[activation];
  if (name === undefined) {
    throw new RangeError(
      `${OWNER}: criterion 'pytorch' has no gain for activation '${activation}'; PyTorch's table covers ${Object.keys(PYTORCH_NAME).join(', ')}. Use criterion 'variance'.`,
    );
  }
  return calculateGain(name, name === 'leaky_relu' ? a : undefined);
}

/**
 * Var(W) = g^2 / fan with g from the activation: criterion `variance` uses
 * g = 1 / sqrt(E[phi(z)^2]) over fanIn or g = 1 / sqrt(E[phi'(z)^2]) over fanOut
 * (He et al. 2015, eqs. 10 and 14; see varianceGain); `pytorch` uses calculateGain.
 * relu gives He init, linear gives LeCun, selu gives LeCun (variance) or 3/4 (pytorch).
 */
export class ActivationAware extends VarianceScalingPreset<ActivationAwareConfig> {
  static className = OWNER;
  /** The gain, resolved once at construction (so a bad activation/criterion fails early). */
  readonly gain: number;

  constructor(options: ActivationAwareOptions = {}) {
    super(SPEC, options);
    const c = this.config;
    this.gain = activationGain(c.activation, c.alpha, c.mode, c.criterion);
  }

  get params(): VarianceScalingParams {
    return presetParams(this.config, {
      scale: this.gain ** 2,
      mode: this.config.mode,
      distribution: this.config.distribution,
    });
  }
}
