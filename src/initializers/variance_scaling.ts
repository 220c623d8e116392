/** The variance-scaling core as a class: every option of the draw, exposed. */
import { InitializerConfigError } from '../errors.js';
import { OptionsOf, choice, defineOptions, positive } from '../options.js';
import { CLASS_PREFIX } from './base.js';
import {
  COMMON_FIELDS,
  DISTRIBUTIONS,
  FAN_MODES,
  UNTRUNCATED,
  VarianceScalingParams,
  VarianceScalingPreset,
} from './core.js';

const OWNER = `${CLASS_PREFIX}VarianceScaling`;
const SPEC = defineOptions({
  /** Variance multiplier s in Var(W) = s / fan; default 1. Give this or `gain`. */
  scale: positive(1),
  /** Which fan divides the scale; default `fanIn`. */
  mode: choice(FAN_MODES, 'fanIn'),
  /** Default `truncatedNormal` (cut at 2 sigma, std exact). */
  distribution: choice(DISTRIBUTIONS, 'truncatedNormal', UNTRUNCATED),
  ...COMMON_FIELDS,
});

/** Options of VarianceScaling. */
export interface VarianceScalingOptions extends OptionsOf<typeof SPEC> {
  /** Gain g, the same as scale = g^2; stored in the config as `scale`. */
  gain?: number | null;
}

/** Folds the `gain` option into `scale` (scale = gain^2). */
function gainToScale(raw: Record<string, unknown>): Record<string, unknown> {
  if (!Object.prototype.hasOwnProperty.call(raw, 'gain') || raw.gain === undefined || raw.gain === null) return raw;
  const hasScale = raw.scale !== undefined && raw.scale !== null;
  if (hasScale)
    throw new InitializerConfigError(OWNER, 'gain', raw.gain, 'omitted when scale is given (scale = gain^2)');
  const gain = raw.gain;
  if (typeof gain !== 'number' || !Number.isFinite(gain) || gain <= 0) {
    throw new InitializerConfigError(OWNER, 'gain', gain, 'a finite number > 0');
  }
  const rest: Record<string, unknown> = { ...raw, scale: gain * gain };
  delete rest.gain;
  return rest;
}

/**
 * Var(W) = scale / fan, fan chosen by `mode` (Keras `VarianceScaling`; JAX
 * `variance_scaling`). normal/truncatedNormal: std = sqrt(scale / fan), the truncated
 * normal cut at 2 sigma and rescaled by 1 / 0.8796 so its std is exact; uniform:
 * U[-sqrt(3 scale / fan), sqrt(3 scale / fan)).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { VarianceScaling } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new VarianceScaling({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal', seed: 1 });
 * const layer = tf.layers.dense({ units: 256, inputShape: [512], kernelInitializer: init });
 * const copy = VarianceScaling.fromConfig(VarianceScaling, init.getConfig());
 * ```
 */
export class VarianceScaling extends VarianceScalingPreset<typeof SPEC> {
  /** Registered name. */
  static className = OWNER;

  /** @param options see VarianceScalingOptions */
  constructor(options: VarianceScalingOptions = {}) {
    super(SPEC, options, ['gain'], gainToScale);
  }

  /** The parameters this initializer draws with: its whole config. */
  get params(): VarianceScalingParams {
    return this.config;
  }
}

/**
 * Var(W) = scale / fan; see VarianceScaling.
 *
 * @example
 * ```ts
 * import { varianceScaling } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, std sqrt(2 / 512) exactly (truncated at 2 sigma, then rescaled)
 * const values = varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal', seed: 1 }).apply([512, 256]);
 * ```
 */
export const varianceScaling = (options?: VarianceScalingOptions): VarianceScaling => new VarianceScaling(options);
