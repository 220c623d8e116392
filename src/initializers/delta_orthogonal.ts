/** Delta-orthogonal convolution kernels (dynamical isometry for plain deep CNNs). */
import { InitializerConfigError } from '../errors.js';
import { centreTapOffset, checkShape } from '../math/shape.js';
import { OptionsOf, SEED_FIELD, defineOptions, positive } from '../options.js';
import { randomOrthogonal } from '../sampling/orthogonal.js';
import { generatorFor } from '../sampling/prng.js';
import { CLASS_PREFIX, ConfiguredInitializer, StockTranslation } from './base.js';

const SPEC = defineOptions({
  /** Multiplier g of the orthogonal centre tap; default 1 (use the critical sigma_w from meanField.edgeOfChaos). */
  gain: positive(1),
  /** Same seed, same values on every apply; null or omitted: fresh values each time. */
  seed: SEED_FIELD,
});

/** Options of DeltaOrthogonal. */
export interface DeltaOrthogonalOptions extends OptionsOf<typeof SPEC> {}

/**
 * Xiao et al., "Dynamical isometry and a mean field theory of CNNs: how to train 10,000-layer vanilla
 * convolutional neural networks", ICML 2018 (JAX `delta_orthogonal`): for a Conv1D/2D/3D kernel
 * [...kernel, in, out] with in <= out, W[centre] = g H with H an in x out matrix of orthonormal rows (Haar),
 * and every other tap 0; centre = floor(k / 2) on each spatial axis. The convolution is then an orthogonal
 * map of its input channels at every position, times g.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { DeltaOrthogonal } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new DeltaOrthogonal({ gain: Math.SQRT2, seed: 1 });
 * const layer = tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', inputShape: [16, 16, 16], kernelInitializer: init, activation: 'relu' });
 * const copy = DeltaOrthogonal.fromConfig(DeltaOrthogonal, init.getConfig());
 * ```
 */
export class DeltaOrthogonal extends ConfiguredInitializer<typeof SPEC> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}DeltaOrthogonal`;

  /** @param options see DeltaOrthogonalOptions */
  constructor(options: DeltaOrthogonalOptions = {}) {
    super(SPEC, options);
  }

  /** g H at the centre tap, zeros elsewhere. */
  sample(shape: number[]): Float32Array {
    const owner = this.getClassName();
    const size = checkShape(owner, shape);
    const base = centreTapOffset(owner, shape);
    const [inCh, outCh] = shape.slice(-2);
    if (inCh > outCh) {
      throw new InitializerConfigError(
        owner,
        'shape',
        shape,
        `a kernel with in <= out channels (here ${inCh} > ${outCh})`,
      );
    }
    const out = new Float32Array(size);
    out.set(randomOrthogonal(inCh, outCh, generatorFor(this.config.seed), this.config.gain), base);
    return out;
  }

  /** Stock tfjs has no delta-orthogonal kernel. */
  toStock(): StockTranslation {
    return { className: null, reason: 'stock tfjs has no delta-orthogonal initializer' };
  }
}

/**
 * Delta-orthogonal conv kernels (Xiao et al. 2018); see DeltaOrthogonal.
 *
 * @example
 * ```ts
 * import { deltaOrthogonal } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, an orthogonal [16, 32] at the centre tap, times sqrt 2; zero elsewhere
 * const values = deltaOrthogonal({ gain: Math.SQRT2, seed: 1 }).apply([3, 3, 16, 32]);
 * ```
 */
export const deltaOrthogonal = (options?: DeltaOrthogonalOptions): DeltaOrthogonal => new DeltaOrthogonal(options);
