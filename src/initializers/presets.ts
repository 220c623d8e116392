/**
 * Named presets over the variance-scaling core (Glorot, He, LeCun). Each chooses scale,
 * mode and distribution; none draws by itself.
 */
import { OptionsOf, choice, defineOptions, positive } from '../options.js';
import { CLASS_PREFIX } from './base.js';
import { COMMON_FIELDS, Distribution, UNTRUNCATED, VarianceScalingParams, VarianceScalingPreset } from './core.js';

/** Normal presets may drop the truncation (PyTorch draws untruncated normals). */
const NORMAL_FIELDS = defineOptions({
  /** Default `truncatedNormal` (Keras; std exact); `normal` matches PyTorch's `*_normal_`. */
  distribution: choice(['truncatedNormal', 'normal'], 'truncatedNormal', UNTRUNCATED),
});

// ---------------------------------------------------------------- Glorot

const GLOROT_UNIFORM = defineOptions({
  /** Gain g; default 1. Use calculateGain / varianceGain for the activation that follows. */
  gain: positive(1),
  ...COMMON_FIELDS,
});
const GLOROT_NORMAL = defineOptions({ ...GLOROT_UNIFORM, ...NORMAL_FIELDS });

/** Options of GlorotUniform. */
export interface GlorotUniformOptions extends OptionsOf<typeof GLOROT_UNIFORM> {}
/** Options of GlorotNormal. */
export interface GlorotNormalOptions extends OptionsOf<typeof GLOROT_NORMAL> {}

/**
 * Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural
 * networks", AISTATS 2010: Var(W) = g^2 * 2 / (fanIn + fanOut), i.e.
 * U[-b, b), b = g sqrt(6 / (fanIn + fanOut)) (PyTorch `xavier_uniform_`).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { GlorotUniform } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new GlorotUniform({ gain: 5 / 3, seed: 1 });
 * const layer = tf.layers.dense({ units: 128, inputShape: [256], activation: 'tanh', kernelInitializer: init });
 * const copy = GlorotUniform.fromConfig(GlorotUniform, init.getConfig());
 * ```
 */
export class GlorotUniform extends VarianceScalingPreset<typeof GLOROT_UNIFORM> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}GlorotUniform`;
  /** @param options see GlorotUniformOptions */
  constructor(options: GlorotUniformOptions = {}) {
    super(GLOROT_UNIFORM, options);
  }
  /** scale g^2, fanAvg, uniform. */
  get params(): VarianceScalingParams {
    return this.preset({ scale: this.config.gain ** 2, mode: 'fanAvg', distribution: 'uniform' });
  }
}

/**
 * Glorot normal: std = g sqrt(2 / (fanIn + fanOut)), exact after truncation (PyTorch
 * `xavier_normal_` with `distribution: 'normal'`).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { GlorotNormal } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new GlorotNormal({ seed: 1 });
 * const layer = tf.layers.dense({ units: 128, inputShape: [256], kernelInitializer: init });
 * const copy = GlorotNormal.fromConfig(GlorotNormal, init.getConfig());
 * ```
 */
export class GlorotNormal extends VarianceScalingPreset<typeof GLOROT_NORMAL> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}GlorotNormal`;
  /** @param options see GlorotNormalOptions */
  constructor(options: GlorotNormalOptions = {}) {
    super(GLOROT_NORMAL, options);
  }
  /** scale g^2, fanAvg, the chosen normal. */
  get params(): VarianceScalingParams {
    return this.preset({ scale: this.config.gain ** 2, mode: 'fanAvg', distribution: this.config.distribution });
  }
}

// ---------------------------------------------------------------- He

const HE_UNIFORM = defineOptions({
  /** Negative slope a of the LeakyReLU/PReLU that follows; default 0 (ReLU). */
  negativeSlope: positive(0, true),
  /** `fanIn` preserves activations (forward), `fanOut` gradients (backward); default `fanIn`. */
  mode: choice(['fanIn', 'fanOut'], 'fanIn'),
  ...COMMON_FIELDS,
});
const HE_NORMAL = defineOptions({ ...HE_UNIFORM, ...NORMAL_FIELDS });

/** Options of HeUniform. */
export interface HeUniformOptions extends OptionsOf<typeof HE_UNIFORM> {}
/** Options of HeNormal. */
export interface HeNormalOptions extends OptionsOf<typeof HE_NORMAL> {}

const heScale = (negativeSlope: number): number => 2 / (1 + negativeSlope * negativeSlope);

/**
 * He et al., "Delving Deep into Rectifiers", ICCV 2015: Var(W) = 2 / ((1 + a^2) fan),
 * a the negative slope; U[-b, b), b = sqrt(6 / ((1 + a^2) fan)) (PyTorch `kaiming_uniform_`).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { HeUniform } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new HeUniform({ negativeSlope: 0.2, seed: 1 });
 * const layer = tf.layers.dense({ units: 128, inputShape: [256], kernelInitializer: init });
 * const copy = HeUniform.fromConfig(HeUniform, init.getConfig());
 * ```
 */
export class HeUniform extends VarianceScalingPreset<typeof HE_UNIFORM> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}HeUniform`;
  /** @param options see HeUniformOptions */
  constructor(options: HeUniformOptions = {}) {
    super(HE_UNIFORM, options);
  }
  /** scale 2 / (1 + a^2), the chosen mode, uniform. */
  get params(): VarianceScalingParams {
    return this.preset({ scale: heScale(this.config.negativeSlope), mode: this.config.mode, distribution: 'uniform' });
  }
}

/**
 * He normal: std = sqrt(2 / ((1 + a^2) fan)), exact after truncation (PyTorch
 * `kaiming_normal_` with `distribution: 'normal'`).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { HeNormal } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new HeNormal({ negativeSlope: 0.2, seed: 1 });
 * const layer = tf.layers.dense({ units: 128, inputShape: [256], kernelInitializer: init });
 * const copy = HeNormal.fromConfig(HeNormal, init.getConfig());
 * ```
 */
export class HeNormal extends VarianceScalingPreset<typeof HE_NORMAL> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}HeNormal`;
  /** @param options see HeNormalOptions */
  constructor(options: HeNormalOptions = {}) {
    super(HE_NORMAL, options);
  }
  /** scale 2 / (1 + a^2), the chosen mode and normal. */
  get params(): VarianceScalingParams {
    const { negativeSlope, mode, distribution } = this.config;
    return this.preset({ scale: heScale(negativeSlope), mode, distribution });
  }
}

// ---------------------------------------------------------------- LeCun

const LECUN_UNIFORM = COMMON_FIELDS;
const LECUN_NORMAL = defineOptions({ ...COMMON_FIELDS, ...NORMAL_FIELDS });

/** Options of LeCunUniform. */
export interface LeCunUniformOptions extends OptionsOf<typeof LECUN_UNIFORM> {}
/** Options of LeCunNormal. */
export interface LeCunNormalOptions extends OptionsOf<typeof LECUN_NORMAL> {}

/**
 * LeCun et al., "Efficient BackProp", 1998: Var(W) = 1 / fanIn; U[-b, b), b = sqrt(3 / fanIn).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { LeCunUniform } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new LeCunUniform({ seed: 1 });
 * const layer = tf.layers.dense({ units: 128, inputShape: [256], activation: 'selu', kernelInitializer: init });
 * const copy = LeCunUniform.fromConfig(LeCunUniform, init.getConfig());
 * ```
 */
export class LeCunUniform extends VarianceScalingPreset<typeof LECUN_UNIFORM> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}LeCunUniform`;
  /** @param options see LeCunUniformOptions */
  constructor(options: LeCunUniformOptions = {}) {
    super(LECUN_UNIFORM, options);
  }
  /** scale 1, fanIn, uniform. */
  get params(): VarianceScalingParams {
    return this.preset({ scale: 1, mode: 'fanIn', distribution: 'uniform' });
  }
}

/**
 * LeCun normal: std = sqrt(1 / fanIn), exact after truncation; the init SELU assumes (Klambauer et al. 2017).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { LeCunNormal } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new LeCunNormal({ seed: 1 });
 * const layer = tf.layers.dense({ units: 128, inputShape: [256], activation: 'selu', kernelInitializer: init });
 * const copy = LeCunNormal.fromConfig(LeCunNormal, init.getConfig());
 * ```
 */
export class LeCunNormal extends VarianceScalingPreset<typeof LECUN_NORMAL> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}LeCunNormal`;
  /** @param options see LeCunNormalOptions */
  constructor(options: LeCunNormalOptions = {}) {
    super(LECUN_NORMAL, options);
  }
  /** scale 1, fanIn, the chosen normal. */
  get params(): VarianceScalingParams {
    return this.preset({ scale: 1, mode: 'fanIn', distribution: this.config.distribution as Distribution });
  }
}

// ---------------------------------------------------------------- PyTorch's default

const PYTORCH_DEFAULT = COMMON_FIELDS;

/** Options of PytorchDefault. */
export interface PytorchDefaultOptions extends OptionsOf<typeof PYTORCH_DEFAULT> {}

/**
 * The default kernel init of PyTorch's `nn.Linear` and `nn.ConvNd` (`reset_parameters` in
 * `torch/nn/modules/linear.py` and `conv.py`): `kaiming_uniform_(w, a=sqrt(5))`, i.e. gain
 * sqrt(2 / (1 + 5)) = 1/sqrt(3) and bound gain sqrt(3 / fanIn) = 1 / sqrt(fanIn): U[-1/sqrt(fanIn),
 * 1/sqrt(fanIn)), Var(W) = 1 / (3 fanIn). PyTorch draws the bias from the same interval;
 * `initializeModel(model, {rule: 'pytorchDefault'})` sets both, so a ported model starts where PyTorch starts.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { PytorchDefault } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new PytorchDefault({ seed: 1 });
 * const layer = tf.layers.conv2d({ filters: 32, kernelSize: 3, inputShape: [28, 28, 16], kernelInitializer: init });
 * const copy = PytorchDefault.fromConfig(PytorchDefault, init.getConfig());
 * ```
 */
export class PytorchDefault extends VarianceScalingPreset<typeof PYTORCH_DEFAULT> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}PytorchDefault`;
  /** @param options see PytorchDefaultOptions */
  constructor(options: PytorchDefaultOptions = {}) {
    super(PYTORCH_DEFAULT, options);
  }
  /** scale 1/3, fanIn, uniform. */
  get params(): VarianceScalingParams {
    return this.preset({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform' });
  }
}

/**
 * Xavier/Glorot uniform with a gain; see GlorotUniform.
 *
 * @example
 * ```ts
 * import { glorotUniform } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, U[-b, b), b = (5/3) sqrt(6 / (256 + 128))
 * const values = glorotUniform({ gain: 5 / 3, seed: 1 }).apply([256, 128]);
 * ```
 */
export const glorotUniform = (options?: GlorotUniformOptions): GlorotUniform => new GlorotUniform(options);
/**
 * Xavier/Glorot normal with a gain; see GlorotNormal.
 *
 * @example
 * ```ts
 * import { glorotNormal } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, std sqrt(2 / (256 + 128))
 * const values = glorotNormal({ seed: 1 }).apply([256, 128]);
 * ```
 */
export const glorotNormal = (options?: GlorotNormalOptions): GlorotNormal => new GlorotNormal(options);
/**
 * Kaiming/He uniform, LeakyReLU-slope aware; see HeUniform.
 *
 * @example
 * ```ts
 * import { heUniform } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, U[-b, b), b = sqrt(6 / ((1 + 0.2^2) 256))
 * const values = heUniform({ negativeSlope: 0.2, seed: 1 }).apply([256, 128]);
 * ```
 */
export const heUniform = (options?: HeUniformOptions): HeUniform => new HeUniform(options);
/**
 * Kaiming/He normal, LeakyReLU-slope aware; see HeNormal.
 *
 * @example
 * ```ts
 * import { heNormal } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, std sqrt(2 / ((1 + 0.2^2) 256)) exactly (stock tfjs's heNormal: 0.88x)
 * const values = heNormal({ negativeSlope: 0.2, seed: 1 }).apply([256, 128]);
 * ```
 */
export const heNormal = (options?: HeNormalOptions): HeNormal => new HeNormal(options);
/**
 * LeCun uniform; see LeCunUniform.
 *
 * @example
 * ```ts
 * import { leCunUniform } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, U[-b, b), b = sqrt(3 / 256)
 * const values = leCunUniform({ seed: 1 }).apply([256, 128]);
 * ```
 */
export const leCunUniform = (options?: LeCunUniformOptions): LeCunUniform => new LeCunUniform(options);
/**
 * LeCun normal; see LeCunNormal.
 *
 * @example
 * ```ts
 * import { leCunNormal } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, std sqrt(1 / 256) exactly
 * const values = leCunNormal({ seed: 1 }).apply([256, 128]);
 * ```
 */
export const leCunNormal = (options?: LeCunNormalOptions): LeCunNormal => new LeCunNormal(options);
/**
 * PyTorch's default Linear/Conv kernel init, U[-1/sqrt(fanIn), 1/sqrt(fanIn)); see PytorchDefault.
 *
 * @example
 * ```ts
 * import { pytorchDefault } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, U[-b, b), b = 1 / sqrt(3 * 3 * 16), as PyTorch's nn.Conv2d(16, 32, 3)
 * const values = pytorchDefault({ seed: 1 }).apply([3, 3, 16, 32]);
 * ```
 */
export const pytorchDefault = (options?: PytorchDefaultOptions): PytorchDefault => new PytorchDefault(options);
