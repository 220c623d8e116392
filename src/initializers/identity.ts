/** Structure-preserving initializers: the identity matrix and its convolutional form (Dirac delta). */
import { InitializerConfigError } from '../errors.js';
import { centreTapOffset, checkShape } from '../math/shape.js';
import { OptionsOf, choice, defineOptions, integerIn, positive } from '../options.js';
import { CLASS_PREFIX, ConfiguredInitializer, StockTranslation } from './base.js';

const IDENTITY = defineOptions({
  /** Multiplier g of the identity; default 1. */
  gain: positive(1),
});

/** Options of Identity. */
export interface IdentityOptions extends OptionsOf<typeof IDENTITY> {}

/**
 * W[i][j] = g if i = j else 0, for any 2-D shape [rows, cols], square or not (PyTorch `eye_`,
 * which has g = 1; Keras 3 `Identity(gain)`). A Dense layer with it copies its first min(in, out)
 * inputs to its outputs. Stock tfjs `identity` refuses non-square shapes.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { Identity } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new Identity({ gain: 1 });
 * const layer = tf.layers.dense({ units: 64, inputShape: [64], kernelInitializer: init });
 * const copy = Identity.fromConfig(Identity, init.getConfig());
 * ```
 */
export class Identity extends ConfiguredInitializer<typeof IDENTITY> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}Identity`;

  /** @param options see IdentityOptions */
  constructor(options: IdentityOptions = {}) {
    super(IDENTITY, options);
  }

  /** g on the main diagonal. */
  sample(shape: number[]): Float32Array {
    const owner = this.getClassName();
    const size = checkShape(owner, shape);
    if (shape.length !== 2) throw new InitializerConfigError(owner, 'shape', shape, 'of rank 2 ([rows, cols])');
    const [rows, cols] = shape;
    const out = new Float32Array(size);
    for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = this.config.gain;
    return out;
  }

  /** Stock `Identity` for square kernels; it refuses non-square ones. */
  toStock(): StockTranslation {
    const reason =
      'exact for square kernels; stock Identity refuses non-square ones, so a fresh build from this JSON throws for them (loading with weights is unaffected)';
    return { className: 'Identity', config: { gain: this.config.gain }, exact: false, reason };
  }
}

const DIRAC = defineOptions({
  /** Number of groups the output channels split into (PyTorch's `groups`); default 1. */
  groups: integerIn(1, 1, 2 ** 31 - 1),
  /** `conv`: `[...kernel, in, out]` (Conv1D/2D/3D); `depthwise`: `[...kernel, channels, multiplier]`. */
  layout: choice(['conv', 'depthwise'], 'conv'),
  /** Multiplier g of the delta; default 1. */
  gain: positive(1),
});

/** Options of Dirac. */
export interface DiracOptions extends OptionsOf<typeof DIRAC> {}

/**
 * The Dirac delta kernel: a convolution that passes its input through (PyTorch `dirac_`), in tfjs's
 * channels-last layouts. `conv` (`[...kernel, in, out]`, rank 3 to 5): with the output channels in
 * `groups` groups of out/groups, W[center, d, g out/groups + d] = gain for every group g and
 * d < min(out/groups, in), where `in` is the input channels of one group and center = floor(k / 2) on
 * every spatial axis, as PyTorch. `depthwise` (`[...kernel, channels, multiplier]`): W[center, c, 0] =
 * gain, so output channel c multiplier passes input channel c. Everything else is 0.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { Dirac } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new Dirac({});
 * const layer = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', inputShape: [16, 16, 8], kernelInitializer: init });
 * const copy = Dirac.fromConfig(Dirac, init.getConfig());
 * ```
 */
export class Dirac extends ConfiguredInitializer<typeof DIRAC> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}Dirac`;

  /** @param options see DiracOptions */
  constructor(options: DiracOptions = {}) {
    super(DIRAC, options);
  }

  /** The delta at the centre tap. */
  sample(shape: number[]): Float32Array {
    const owner = this.getClassName();
    const size = checkShape(owner, shape);
    const base = centreTapOffset(owner, shape);
    const { groups, layout, gain } = this.config;
    const [inCh, outCh] = shape.slice(-2);
    const out = new Float32Array(size);
    if (layout === 'depthwise') {
      if (groups !== 1) throw new InitializerConfigError(owner, 'groups', groups, "1 with layout 'depthwise'");
      for (let c = 0; c < inCh; c++) out[base + c * outCh] = gain;
      return out;
    }
    if (outCh % groups !== 0) {
      throw new InitializerConfigError(owner, 'groups', groups, `a divisor of the output channels (${outCh})`);
    }
    const perGroup = outCh / groups;
    for (let g = 0; g < groups; g++) {
      for (let d = 0; d < Math.min(perGroup, inCh); d++) out[base + d * outCh + g * perGroup + d] = gain;
    }
    return out;
  }

  /** Stock tfjs has no delta kernel. */
  toStock(): StockTranslation {
    return { className: null, reason: 'stock tfjs has no Dirac (delta) kernel initializer' };
  }
}

/**
 * The identity matrix times a gain, any 2-D shape; see Identity.
 *
 * @example
 * ```ts
 * import { identity } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, ones on the diagonal (any 2-D shape)
 * const values = identity({ gain: 1 }).apply([4, 6]);
 * ```
 */
export const identity = (options?: IdentityOptions): Identity => new Identity(options);
/**
 * The Dirac delta conv kernel (identity convolution); see Dirac.
 *
 * @example
 * ```ts
 * import { dirac } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, 1 at the centre tap from each input channel to the same output channel
 * const values = dirac({}).apply([3, 3, 8, 8]);
 * ```
 */
export const dirac = (options?: DiracOptions): Dirac => new Dirac(options);
