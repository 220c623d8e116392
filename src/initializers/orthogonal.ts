/** Orthogonal initialization with a gain. */
import { InitializerConfigError } from '../errors.js';
import { checkShape } from '../math/shape.js';
import { randomOrthogonal } from '../sampling/orthogonal.js';
import { CLASS_PREFIX, ConfiguredInitializer } from './base.js';
import { OptionSpec, SEED_FIELD, positive } from './options.js';
import { generatorFor } from './variance_scaling.js';

export interface OrthogonalOptions {
  /** Multiplier g of the orthogonal matrix; default 1. */
  gain?: number;
  /** Same seed, same values on every apply; null or omitted: fresh values each time. */
  seed?: number | null;
}

const SPEC: OptionSpec = { gain: positive(1), seed: SEED_FIELD };

/**
 * Saxe et al., "Exact solutions to the nonlinear dynamics of learning in deep linear
 * neural networks", ICLR 2014: W = g Q, Q Haar-distributed with orthonormal columns
 * (rows when rows < cols). The shape is flattened to [prod(shape[:-1]), shape[-1]]
 * as Keras does; Q from Householder QR of a Gaussian matrix with sign(diag R) folded in.
 */
export class Orthogonal extends ConfiguredInitializer<{ gain: number; seed: number | null }> {
  static className = `${CLASS_PREFIX}Orthogonal`;

  constructor(options: OrthogonalOptions = {}) {
    super(SPEC, options);
  }

  sample(shape: number[]): Float32Array {
    const owner = this.getClassName();
    checkShape(owner, shape);
    if (shape.length < 2) throw new InitializerConfigError(owner, 'shape', shape, 'of rank 2 or more');
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    return randomOrthogonal(rows, cols, generatorFor(this.config.seed), this.config.gain);
  }
}
