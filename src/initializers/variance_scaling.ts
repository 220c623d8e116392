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

/** Var(W) = scale / fan; see VarianceScaling. */
export const varianceScaling = (options?: VarianceScalingOptions): VarianceScaling => new VarianceScaling(options);
