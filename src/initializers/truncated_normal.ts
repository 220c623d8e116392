/** A normal truncated to bounds, in both peer conventions: absolute (PyTorch) or in sigmas (JAX). */
import { InitializerConfigError } from '../errors.js';
import { checkShape } from '../math/shape.js';
import { OptionsOf, SEED_FIELD, defineOptions, finite, positive } from '../options.js';
import { fillTruncatedNormalBetween, truncatedMass } from '../sampling/distributions.js';
import { generatorFor } from '../sampling/prng.js';
import { CLASS_PREFIX, ConfiguredInitializer, StockTranslation } from './base.js';

const OWNER = `${CLASS_PREFIX}TruncatedNormal`;
const SPEC = defineOptions({
  /** Mean of the normal before truncation; default 0. */
  mean: finite(0),
  /** Std sigma of the normal *before* truncation (as PyTorch, JAX and Keras define it); default 1. */
  std: positive(1),
  /** Lower bound in sigmas from the mean (JAX's `lower`); default -2 when no absolute bound `a` is given. */
  lower: finite(null),
  /** Upper bound in sigmas from the mean (JAX's `upper`); default 2 when no absolute bound `b` is given. */
  upper: finite(null),
  /** Absolute lower bound (PyTorch's `a`); give `a` and `b`, or `lower` and `upper`. */
  a: finite(null),
  /** Absolute upper bound (PyTorch's `b`). */
  b: finite(null),
  /** Same seed, same values on every apply; null or omitted: fresh values each time. */
  seed: SEED_FIELD,
});

/** Options of TruncatedNormal. */
export interface TruncatedNormalOptions extends OptionsOf<typeof SPEC> {}

/** Default bounds, in sigmas: Keras's and tfjs's truncation, JAX's default, PyTorch's with std 1. */
const DEFAULT_SIGMAS = 2;

/**
 * N(mean, std^2) restricted to [lo, hi]: values outside are redrawn (PyTorch `trunc_normal_`,
 * JAX `truncated_normal`, Keras `TruncatedNormal`). `std` is the std of the normal *before*
 * truncation, so the draws' own std is smaller: with alpha = (lo - mean) / std, beta = (hi - mean) / std
 * and Z = Phi(beta) - Phi(alpha), the mean is mean + std (phi(alpha) - phi(beta)) / Z and the variance
 * std^2 [1 + (alpha phi(alpha) - beta phi(beta)) / Z - ((phi(alpha) - phi(beta)) / Z)^2].
 * Bounds either absolute, `a` and `b` (PyTorch), or in sigmas from the mean, `lower` and `upper`
 * (JAX); default +-2 sigma. (For the variance-scaling normal whose std is exact after truncation,
 * use VarianceScaling.) Drawn by rejection when [alpha, beta] holds at least a quarter of the mass,
 * else by inverse CDF, so narrow and far-tail intervals are exact and fast too.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { TruncatedNormal } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new TruncatedNormal({ std: 0.02, a: -0.04, b: 0.04, seed: 1 });
 * const layer = tf.layers.dense({ units: 768, inputShape: [768], kernelInitializer: init });
 * const copy = TruncatedNormal.fromConfig(TruncatedNormal, init.getConfig());
 * ```
 */
export class TruncatedNormal extends ConfiguredInitializer<typeof SPEC> {
  /** Registered name. */
  static className = OWNER;
  /** Lower bound in standard units, alpha = (lo - mean) / std. */
  readonly alpha: number;
  /** Upper bound in standard units, beta = (hi - mean) / std. */
  readonly beta: number;

  /** @param options see TruncatedNormalOptions */
  constructor(options: TruncatedNormalOptions = {}) {
    super(SPEC, options);
    const { mean, std, lower, upper, a, b } = this.config;
    const sigmas = lower !== null || upper !== null;
    const absolute = a !== null || b !== null;
    if (sigmas && absolute) {
      throw new InitializerConfigError(OWNER, 'a', a, 'omitted when lower/upper (bounds in sigmas) are given');
    }
    if (absolute) {
      this.alpha = a === null ? -Infinity : (a - mean) / std;
      this.beta = b === null ? Infinity : (b - mean) / std;
    } else {
      this.alpha = lower ?? -DEFAULT_SIGMAS;
      this.beta = upper ?? DEFAULT_SIGMAS;
    }
    const [lowName, highName] = absolute ? ['a', 'b'] : ['lower', 'upper'];
    if (!(this.alpha < this.beta)) {
      const high = absolute ? b : this.beta;
      throw new InitializerConfigError(OWNER, highName, high, `greater than ${lowName}`);
    }
    if (!(truncatedMass(this.alpha, this.beta) > 0)) {
      const allowed = `bounds that hold some probability (alpha ${this.alpha}, beta ${this.beta} sigmas hold none in double precision)`;
      throw new InitializerConfigError(OWNER, highName, absolute ? b : this.beta, allowed);
    }
  }

  /** Draws in [lo, hi], row-major. */
  sample(shape: number[]): Float32Array {
    const out = new Float32Array(checkShape(this.getClassName(), shape));
    const { mean, std, seed } = this.config;
    return fillTruncatedNormalBetween(out, generatorFor(seed), mean, std, this.alpha, this.beta);
  }

  /** Stock `TruncatedNormal` (2 sigma, uncorrected): exact at the default bounds, else the nearest. */
  toStock(): StockTranslation {
    const { mean, std, seed } = this.config;
    const config = { mean, stddev: std, seed };
    const atDefault = Math.abs(this.alpha + DEFAULT_SIGMAS) < 1e-12 && Math.abs(this.beta - DEFAULT_SIGMAS) < 1e-12;
    if (atDefault) return { className: 'TruncatedNormal', config, exact: true };
    const reason = `stock TruncatedNormal always cuts at +-2 sigma; these bounds are [${this.alpha}, ${this.beta}] sigmas`;
    return { className: 'TruncatedNormal', config, exact: false, reason };
  }
}

/**
 * A normal truncated to bounds; see TruncatedNormal.
 *
 * @example
 * ```ts
 * import { truncatedNormal } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, N(0, 0.02^2) redrawn outside [-0.04, 0.04] (PyTorch's trunc_normal_(w, std=0.02, a=-0.04, b=0.04))
 * const values = truncatedNormal({ std: 0.02, a: -0.04, b: 0.04, seed: 1 }).apply([768, 768]);
 * ```
 */
export const truncatedNormal = (options?: TruncatedNormalOptions): TruncatedNormal => new TruncatedNormal(options);
