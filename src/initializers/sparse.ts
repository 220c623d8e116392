/** Sparse initialization: a normal matrix with a fixed fraction of every column zeroed. */
import { InitializerConfigError } from '../errors.js';
import { checkShape } from '../math/shape.js';
import { OptionsOf, SEED_FIELD, defineOptions, numberIn, positive } from '../options.js';
import { fillNormal } from '../sampling/distributions.js';
import { generatorFor } from '../sampling/prng.js';
import { CLASS_PREFIX, ConfiguredInitializer, StockTranslation } from './base.js';

const SPEC = defineOptions({
  /** Fraction s of each column set to zero, in [0, 1]; default 0.9. */
  sparsity: numberIn(0.9, 0, 1),
  /** Std of the normal the non-zero entries are drawn from; default 0.01 (PyTorch's). */
  std: positive(0.01),
  /** Same seed, same values on every apply; null or omitted: fresh values each time. */
  seed: SEED_FIELD,
});

/** Options of Sparse. */
export interface SparseOptions extends OptionsOf<typeof SPEC> {}

/**
 * PyTorch `sparse_(tensor, sparsity, std)` (after Martens, "Deep learning via Hessian-free
 * optimization", ICML 2010): a 2-D [rows, cols] matrix drawn from N(0, std^2), then in every column
 * ceil(s rows) entries, at rows chosen uniformly without replacement, set to 0. In tfjs's Dense
 * layout [in, out] a column is one output unit, so each unit keeps rows - ceil(s rows) random inputs.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { Sparse } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new Sparse({ sparsity: 0.9, std: 0.01, seed: 1 });
 * const layer = tf.layers.dense({ units: 10, inputShape: [100], kernelInitializer: init });
 * const copy = Sparse.fromConfig(Sparse, init.getConfig());
 * ```
 */
export class Sparse extends ConfiguredInitializer<typeof SPEC> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}Sparse`;

  /** @param options see SparseOptions */
  constructor(options: SparseOptions = {}) {
    super(SPEC, options);
  }

  /** Normal draws, then ceil(s rows) zeros per column by a partial Fisher-Yates shuffle of the rows. */
  sample(shape: number[]): Float32Array {
    const owner = this.getClassName();
    checkShape(owner, shape);
    if (shape.length !== 2) throw new InitializerConfigError(owner, 'shape', shape, 'of rank 2 ([rows, cols])');
    const [rows, cols] = shape;
    const { sparsity, std, seed } = this.config;
    const rng = generatorFor(seed);
    const out = fillNormal(new Float32Array(rows * cols), rng, 0, std);
    const zeros = Math.ceil(sparsity * rows);
    const order = new Int32Array(rows);
    for (let c = 0; c < cols; c++) {
      for (let r = 0; r < rows; r++) order[r] = r;
      for (let k = 0; k < zeros; k++) {
        const j = k + Math.floor(rng.nextFloat53() * (rows - k));
        const pick = order[j];
        order[j] = order[k];
        order[k] = pick;
        out[pick * cols + c] = 0;
      }
    }
    return out;
  }

  /** Stock tfjs has no sparse initializer. */
  toStock(): StockTranslation {
    return { className: null, reason: 'stock tfjs has no sparse initializer' };
  }
}

/**
 * Normal weights with a fraction of each column zeroed; see Sparse.
 *
 * @example
 * ```ts
 * import { sparse } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, 90 of the 100 rows of every column zero
 * const values = sparse({ sparsity: 0.9, std: 0.01, seed: 1 }).apply([100, 10]);
 * ```
 */
export const sparse = (options?: SparseOptions): Sparse => new Sparse(options);
