/** Orthogonal initialization with a gain. */
import { InitializerConfigError } from '../errors.js';
import { checkShape } from '../math/shape.js';
import { OptionsOf, SEED_FIELD, defineOptions, positive } from '../options.js';
import { randomOrthogonal } from '../sampling/orthogonal.js';
import { generatorFor } from '../sampling/prng.js';
import { CLASS_PREFIX, ConfiguredInitializer, StockTranslation } from './base.js';

const SPEC = defineOptions({
  /** Multiplier g of the orthogonal matrix; default 1. */
  gain: positive(1),
  /** Same seed, same values on every apply; null or omitted: fresh values each time. */
  seed: SEED_FIELD,
});

/** Options of Orthogonal. */
export interface OrthogonalOptions extends OptionsOf<typeof SPEC> {}

/**
 * Saxe et al., "Exact solutions to the nonlinear dynamics of learning in deep linear
 * neural networks", ICLR 2014: W = g Q, Q Haar-distributed with orthonormal columns
 * (rows when rows < cols). The shape is flattened to [prod(shape[:-1]), shape[-1]]
 * as Keras does; Q from Householder QR of a Gaussian matrix with sign(diag R) folded in.
 */
export class Orthogonal extends ConfiguredInitializer<typeof SPEC> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}Orthogonal`;

  /** @param options see OrthogonalOptions */
  constructor(options: OrthogonalOptions = {}) {
    super(SPEC, options);
  }

  /** g Q for the flattened shape. */
  sample(shape: number[]): Float32Array {
    const owner = this.getClassName();
    checkShape(owner, shape);
    if (shape.length < 2) throw new InitializerConfigError(owner, 'shape', shape, 'of rank 2 or more');
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    return randomOrthogonal(rows, cols, generatorFor(this.config.seed), this.config.gain);
  }

  /** Stock `Orthogonal` draws the same distribution (Haar, times the gain). */
  toStock(): StockTranslation {
    return { className: 'Orthogonal', config: { gain: this.config.gain, seed: this.config.seed }, exact: true };
  }
}

/** Orthogonal with a gain; see Orthogonal. */
export const orthogonal = (options?: OrthogonalOptions): Orthogonal => new Orthogonal(options);
