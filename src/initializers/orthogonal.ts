/** Orthogonal initialization with a gain. */
import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError } from '../errors.js';
import { checkShape } from '../math/shape.js';
import { OptionsOf, SEED_FIELD, defineOptions, integerIn, positive } from '../options.js';
import { randomOrthogonal } from '../sampling/orthogonal.js';
import { generatorFor } from '../sampling/prng.js';
import { CLASS_PREFIX, ConfiguredInitializer, StockTranslation } from './base.js';
import { blockedOnBackend, orthogonalTensor } from './orthogonal_blocked.js';

const SPEC = defineOptions({
  /** Multiplier g of the orthogonal matrix; default 1. */
  gain: positive(1),
  /**
   * Gate blocks k: the last axis splits into k blocks of cols / k (a recurrent kernel [units, k units]:
   * LSTM 4, GRU 3), each orthogonal on its own; default 1 (the whole matrix, as Keras and tfjs do).
   */
  gates: integerIn(1, 1, 64),
  /** Same seed, same values on every apply; null or omitted: fresh values each time. */
  seed: SEED_FIELD,
});

/** Options of Orthogonal. */
export interface OrthogonalOptions extends OptionsOf<typeof SPEC> {}

/**
 * Saxe et al., "Exact solutions to the nonlinear dynamics of learning in deep linear
 * neural networks", ICLR 2014: W = g Q, Q Haar-distributed with orthonormal columns
 * (rows when rows < cols). The shape is flattened to [prod(shape[:-1]), shape[-1]]
 * as Keras does; Q from Householder QR of a Gaussian matrix with sign(diag R) folded in. From 64 columns up the
 * reflections are accumulated in compact WY blocks on WebAssembly SIMD products (the same values on cpu and wasm);
 * from 192 x 192 up on a GPU backend or tfjs-node, on the backend's matMul. The same draws everywhere, the values
 * equal to float32 rounding.
 * With `gates: k` the columns split into k blocks [rows, cols / k], each an independent g Q (one per
 * gate of a recurrent kernel, as Flax initializes them), so every gate's recurrent matrix is itself
 * orthogonal; tfjs's gate order is LSTM (i, f, c, o), GRU (z, r, h).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { Orthogonal } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new Orthogonal({ gain: 1, seed: 1 });
 * const layer = tf.layers.dense({ units: 64, inputShape: [64], kernelInitializer: init });
 * const copy = Orthogonal.fromConfig(Orthogonal, init.getConfig());
 * ```
 */
export class Orthogonal extends ConfiguredInitializer<typeof SPEC> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}Orthogonal`;

  /** @param options see OrthogonalOptions */
  constructor(options: OrthogonalOptions = {}) {
    super(SPEC, options);
  }

  /** g Q for the flattened shape, as a typed array (read back from `apply` where that runs on the backend). */
  sample(shape: number[]): Float32Array {
    const { rows, cols, width } = this.matrixOf(shape);
    if (blockedOnBackend(rows, width)) {
      const t = this.apply(shape);
      const values = t.dataSync() as Float32Array;
      t.dispose();
      return values;
    }
    const { gain, gates } = this.config;
    const rng = generatorFor(this.config.seed);
    if (gates === 1) return randomOrthogonal(rows, cols, rng, gain);
    const out = new Float32Array(rows * cols);
    for (let g = 0; g < gates; g++) {
      const block = randomOrthogonal(rows, width, rng, gain);
      for (let r = 0; r < rows; r++) out.set(block.subarray(r * width, (r + 1) * width), r * cols + g * width);
    }
    return out;
  }

  /**
   * g Q as a tensor: from a matrix of 192 x 192 up on a GPU backend or tfjs-node, products on the backend's matMul
   * (blocked Householder in WY form; equal to `sample`'s values to float32 rounding), else `sample`'s values.
   */
  override apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    this.checkDtype(dtype);
    const { rows, width } = this.matrixOf(shape);
    if (!blockedOnBackend(rows, width)) return tf.tensor(this.sample(shape), shape, 'float32');
    const { gain, gates } = this.config;
    const rng = generatorFor(this.config.seed);
    return tf.tidy(() => {
      const blocks = Array.from({ length: gates }, () => orthogonalTensor(rows, width, rng, gain));
      return (gates === 1 ? blocks[0] : tf.concat(blocks, 1)).reshape(shape);
    });
  }

  /** The flattened matrix [rows, cols] and each gate block's width, checked. */
  private matrixOf(shape: number[]): { rows: number; cols: number; width: number } {
    const owner = this.getClassName();
    checkShape(owner, shape);
    if (shape.length < 2) throw new InitializerConfigError(owner, 'shape', shape, 'of rank 2 or more');
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const { gates } = this.config;
    if (cols % gates !== 0) {
      throw new InitializerConfigError(owner, 'gates', gates, `a divisor of the last dimension (${cols})`);
    }
    return { rows, cols, width: cols / gates };
  }

  /** Stock `Orthogonal` draws the same distribution (Haar, times the gain) when there is one gate block. */
  toStock(): StockTranslation {
    const config = { gain: this.config.gain, seed: this.config.seed };
    if (this.config.gates === 1) return { className: 'Orthogonal', config, exact: true };
    const reason = 'stock Orthogonal makes the whole matrix orthogonal, not each gate block';
    return { className: 'Orthogonal', config, exact: false, reason };
  }
}

/**
 * Orthogonal with a gain; see Orthogonal.
 *
 * @example
 * ```ts
 * import { orthogonal } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, a Haar-orthogonal matrix: values^T values = I
 * const values = orthogonal({ gain: 1, seed: 1 }).apply([64, 64]);
 * ```
 */
export const orthogonal = (options?: OrthogonalOptions): Orthogonal => new Orthogonal(options);
