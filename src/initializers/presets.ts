/**
 * Named presets over the variance-scaling core. Each chooses scale, mode and
 * distribution; none draws by itself.
 */
import type { FanLayout } from '../math/fans.js';
import { CLASS_PREFIX } from './base.js';
import { FieldSpec, OptionSpec, SEED_FIELD, positive } from './options.js';
import {
  Distribution,
  FAN_FIELDS,
  VarianceScalingParams,
  VarianceScalingPreset,
  presetParams,
} from './variance_scaling.js';

/** Options every preset takes: a seed and the fan layout (see computeFans). */
export interface PresetOptions {
  /** Same seed, same values on every apply; null or omitted: fresh values each time. */
  seed?: number | null;
  layout?: FanLayout;
  inAxis?: number | null;
  outAxis?: number | null;
}
/** Normal presets may drop the truncation (PyTorch draws untruncated normals). */
export interface NormalPresetOptions extends PresetOptions {
  /** Default `truncatedNormal` (Keras); `normal` matches PyTorch's `*_normal_`. */
  distribution?: 'truncatedNormal' | 'normal';
}

type PresetConfig = { seed: number | null; layout: FanLayout; inAxis: number | null; outAxis: number | null };
const COMMON: OptionSpec = { seed: SEED_FIELD, ...FAN_FIELDS };
const NORMAL_FIELD: FieldSpec = { kind: 'choice', default: 'truncatedNormal', values: ['truncatedNormal', 'normal'] };

// ---------------------------------------------------------------- Glorot

export interface GlorotOptions extends PresetOptions {
  /** Gain g; default 1. Use calculateGain / varianceGain for the activation that follows. */
  gain?: number;
}
type GlorotConfig = PresetConfig & { gain: number; distribution?: Distribution };
const GLOROT_SPEC: OptionSpec = { gain: positive(1), ...COMMON };

/**
 * Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural
 * networks", AISTATS 2010: Var(W) = g^2 * 2 / (fanIn + fanOut), i.e.
 * U[-g sqrt(6 / (fanIn + fanOut)), +...) (PyTorch `xavier_uniform_`).
 */
export class GlorotUniform extends VarianceScalingPreset<GlorotConfig> {
  static className = `${CLASS_PREFIX}GlorotUniform`;
  constructor(options: GlorotOptions = {}) {
    super(GLOROT_SPEC, options);
  }
  get params(): VarianceScalingParams {
    return presetParams(this.config, { scale: this.config.gain ** 2, mode: 'fanAvg', distribution: 'uniform' });
  }
}

/** Glorot normal: std = g sqrt(2 / (fanIn + fanOut)), exact after truncation (PyTorch `xavier_normal_` with `distribution: 'normal'`). */
export class GlorotNormal extends VarianceScalingPreset<GlorotConfig> {
  static className = `${CLASS_PREFIX}GlorotNormal`;
  constructor(options: GlorotOptions & NormalPresetOptions = {}) {
    super({ ...GLOROT_SPEC, distribution: NORMAL_FIELD }, options);
  }
  get params(): VarianceScalingParams {
    return presetParams(this.config, {
      scale: this.config.gain ** 2,
      mode: 'fanAvg',
      distribution: this.config.distribution as Distribution,
    });
  }
}

// ---------------------------------------------------------------- He

export interface HeOptions extends PresetOptions {
  /** Negative slope a of the LeakyReLU/PReLU that follows; default 0 (ReLU). */
  negativeSlope?: number;
  /** `fanIn` preserves activations (forward), `fanOut` gradients (backward); default `fanIn`. */
  mode?: 'fanIn' | 'fanOut';
}
type HeConfig = PresetConfig & { negativeSlope: number; mode: 'fanIn' | 'fanOut'; distribution?: Distribution };
const HE_SPEC: OptionSpec = {
  negativeSlope: { kind: 'number', default: 0, min: 0 },
  mode: { kind: 'choice', default: 'fanIn', values: ['fanIn', 'fanOut'] },
  ...COMMON,
};
function heScale(negativeSlope: number): number {
  return 2 / (1 + negativeSlope * negativeSlope);
}

/**
 * He et al., "Delving Deep into Rectifiers", ICCV 2015: Var(W) = 2 / ((1 + a^2) fan),
 * a the negative slope; U[-sqrt(6 / ((1 + a^2) fan)), +...) (PyTorch `kaiming_uniform_`).
 */
export class HeUniform extends VarianceScalingPreset<HeConfig> {
  static className = `${CLASS_PREFIX}HeUniform`;
  constructor(options: HeOptions = {}) {
    super(HE_SPEC, options);
  }
  get params(): VarianceScalingParams {
    return presetParams(this.config, {
      scale: heScale(this.config.negativeSlope),
      mode: this.config.mode,
      distribution: 'uniform',
    });
  }
}

/** He normal: std = sqrt(2 / ((1 + a^2) fan)), exact after truncation (PyTorch `kaiming_normal_` with `distribution: 'normal'`). */
export class HeNormal extends VarianceScalingPreset<HeConfig> {
  static className = `${CLASS_PREFIX}HeNormal`;
  constructor(options: HeOptions & NormalPresetOptions = {}) {
    super({ ...HE_SPEC, distribution: NORMAL_FIELD }, options);
  }
  get params(): VarianceScalingParams {
    return presetParams(this.config, {
      scale: heScale(this.config.negativeSlope),
      mode: this.config.mode,
      distribution: this.config.distribution as Distribution,
    });
  }
}

// ---------------------------------------------------------------- LeCun

type LeCunConfig = PresetConfig & { distribution?: Distribution };

/** LeCun et al., "Efficient BackProp", 1998: Var(W) = 1 / fanIn; U[-sqrt(3 / fanIn), +...). */
export class LeCunUniform extends VarianceScalingPreset<LeCunConfig> {
  static className = `${CLASS_PREFIX}LeCunUniform`;
  constructor(options: PresetOptions = {}) {
    super(COMMON, options);
  }
  get params(): VarianceScalingParams {
    return presetParams(this.config, { scale: 1, mode: 'fanIn', distribution: 'uniform' });
  }
}

/** LeCun normal: std = sqrt(1 / fanIn), exact after truncation; the init SELU assumes (Klambauer et al. 2017). */
export class LeCunNormal extends VarianceScalingPreset<LeCunConfig> {
  static className = `${CLASS_PREFIX}LeCunNormal`;
  constructor(options: NormalPresetOptions = {}) {
    super({ ...COMMON, distribution: NORMAL_FIELD }, options);
  }
  get params(): VarianceScalingParams {
    return presetParams(this.config, {
      scale: 1,
      mode: 'fanIn',
      distribution: this.config.distribution as Distribution,
    });
  }
}
