/**
 * Gate-aware bias initializers for recurrent layers (`biasInitializer` of tfjs LSTM and GRU).
 * tfjs lays a recurrent bias out as one block of `units` per gate: LSTM (i, f, c, o), GRU (z, r, h),
 * where the GRU's h = z h_prev + (1 - z) h~, so z is its keep (forget-gate) analogue.
 */
import { InitializerConfigError } from '../errors.js';
import { checkShape } from '../math/shape.js';
import { OptionsOf, SEED_FIELD, choice, defineOptions, finite, numberIn } from '../options.js';
import { generatorFor } from '../sampling/prng.js';
import { CLASS_PREFIX, ConfiguredInitializer, StockTranslation } from './base.js';

/** Recurrent cells whose gate layout these initializers know. */
export type GatedCell = 'lstm' | 'gru';

/** The gate layout of a tfjs recurrent cell. */
export interface GateLayout {
  /** Gate names in block order. */
  names: readonly string[];
  /** Block of the gate that keeps the previous state (LSTM f, GRU z). */
  keep: number;
  /** Block of the input gate, or null where the input weight is 1 - keep (GRU). */
  input: number | null;
}

/** Where each gate's block sits in a tfjs recurrent bias (and in the columns of its kernels). */
export const GATE_LAYOUTS: Readonly<Record<GatedCell, GateLayout>> = {
  lstm: { names: ['i', 'f', 'c', 'o'], keep: 1, input: 0 },
  gru: { names: ['z', 'r', 'h'], keep: 0, input: null },
};

const CELL_FIELD = {
  /** The cell the bias belongs to: `lstm` (i, f, c, o) or `gru` (z, r, h); default `lstm`. */
  cell: choice(['lstm', 'gru'], 'lstm'),
};

/** Checks a recurrent bias shape: rank 1, a multiple of the cell's gate count. Returns units per gate. */
function gateUnits(owner: string, shape: number[], cell: GatedCell): number {
  checkShape(owner, shape);
  const gates = GATE_LAYOUTS[cell].names.length;
  const order = GATE_LAYOUTS[cell].names.join(', ');
  if (shape.length !== 1 || shape[0] % gates !== 0) {
    const allowed = `[k * units] with k = ${gates}, a ${cell.toUpperCase()} bias (gates ${order})`;
    throw new InitializerConfigError(owner, 'shape', shape, allowed);
  }
  return shape[0] / gates;
}

const FORGET = defineOptions({
  ...CELL_FIELD,
  /** Bias of the forget gate (LSTM f, GRU z); default 1 (Jozefowicz et al. 2015; Keras's `unit_forget_bias`). */
  value: finite(1),
});

/** Options of ForgetGateBias. */
export interface ForgetGateBiasOptions extends OptionsOf<typeof FORGET> {}

/**
 * Forget-gate bias `value` (default 1), every other gate 0: Gers et al. 2000; Jozefowicz, Zaremba &
 * Sutskever, "An empirical exploration of recurrent network architectures", ICML 2015. Keras turns
 * this on by default (`unit_forget_bias=True`); tfjs's `unitForgetBias` defaults to off, so an LSTM
 * starts with every forget gate at sigma(0) = 1/2 and forgets half its state each step.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { ForgetGateBias } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new ForgetGateBias({ cell: 'lstm', value: 1 });
 * const layer = tf.layers.lstm({ units: 32, inputShape: [10, 8], biasInitializer: init });
 * const copy = ForgetGateBias.fromConfig(ForgetGateBias, init.getConfig());
 * ```
 */
export class ForgetGateBias extends ConfiguredInitializer<typeof FORGET> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}ForgetGateBias`;

  /** @param options see ForgetGateBiasOptions */
  constructor(options: ForgetGateBiasOptions = {}) {
    super(FORGET, options);
  }

  /** `value` on the keep gate's block, 0 elsewhere. */
  sample(shape: number[]): Float32Array {
    const { cell, value } = this.config;
    const units = gateUnits(this.getClassName(), shape, cell);
    const out = new Float32Array(shape[0]);
    out.fill(value, GATE_LAYOUTS[cell].keep * units, (GATE_LAYOUTS[cell].keep + 1) * units);
    return out;
  }

  /** Stock tfjs has the layer option `unitForgetBias` (LSTM, value 1), but no initializer with a gate layout. */
  toStock(): StockTranslation {
    return {
      className: null,
      reason: "stock tfjs has no gate-aware bias initializer (LSTM's unitForgetBias is a layer option)",
    };
  }
}

const CHRONO = defineOptions({
  ...CELL_FIELD,
  /** T_max, the longest dependency (in steps) the task needs; at least 2; default 100. */
  maxTimescale: numberIn(100, 2, 1e9),
  /** Same seed, same values on every apply; null or omitted: fresh values each time. */
  seed: SEED_FIELD,
});

/** Options of ChronoBias. */
export interface ChronoBiasOptions extends OptionsOf<typeof CHRONO> {}

/**
 * Chrono initialization (Tallec & Ollivier, "Can recurrent neural networks warp time?", ICLR 2018):
 * forget-gate bias b_f = log(u), u ~ U[1, T_max - 1], so unit j keeps its state for about u_j steps;
 * LSTM input-gate bias b_i = -b_f; every other gate 0. For the GRU (h = z h_prev + (1 - z) h~) the
 * update gate z takes b_f and there is no separate input gate. With tfjs's default
 * `recurrentActivation: 'hardSigmoid'` (flat for |x| >= 2.5), biases above 2.5 saturate the gate
 * (zero gradient): use `recurrentActivation: 'sigmoid'` with chrono biases.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { ChronoBias } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new ChronoBias({ cell: 'lstm', maxTimescale: 100, seed: 1 });
 * const layer = tf.layers.lstm({ units: 32, inputShape: [100, 8], biasInitializer: init });
 * const copy = ChronoBias.fromConfig(ChronoBias, init.getConfig());
 * ```
 */
export class ChronoBias extends ConfiguredInitializer<typeof CHRONO> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}ChronoBias`;

  /** @param options see ChronoBiasOptions */
  constructor(options: ChronoBiasOptions = {}) {
    super(CHRONO, options);
  }

  /** log U[1, T_max - 1] on the keep gate, its negative on the LSTM input gate, 0 elsewhere. */
  sample(shape: number[]): Float32Array {
    const { cell, maxTimescale, seed } = this.config;
    const units = gateUnits(this.getClassName(), shape, cell);
    const { keep, input } = GATE_LAYOUTS[cell];
    const rng = generatorFor(seed);
    const out = new Float32Array(shape[0]);
    for (let j = 0; j < units; j++) {
      const b = Math.log(1 + (maxTimescale - 2) * rng.nextFloat53());
      out[keep * units + j] = b;
      if (input !== null) out[input * units + j] = -b;
    }
    return out;
  }

  /** Stock tfjs has no chrono initializer. */
  toStock(): StockTranslation {
    return { className: null, reason: 'stock tfjs has no gate-aware (chrono) bias initializer' };
  }
}

/**
 * Forget-gate bias (default 1), other gates 0; see ForgetGateBias.
 *
 * @example
 * ```ts
 * import { forgetGateBias } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, LSTM gates (i, f, c, o): the f block 1, the others 0
 * const values = forgetGateBias({ cell: 'lstm', value: 1 }).apply([4 * 32]);
 * ```
 */
export const forgetGateBias = (options?: ForgetGateBiasOptions): ForgetGateBias => new ForgetGateBias(options);
/**
 * Chrono initialization of recurrent biases; see ChronoBias.
 *
 * @example
 * ```ts
 * import { chronoBias } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, forget gate log U[1, 99], input gate its negative, others 0
 * const values = chronoBias({ cell: 'lstm', maxTimescale: 100, seed: 1 }).apply([4 * 32]);
 * ```
 */
export const chronoBias = (options?: ChronoBiasOptions): ChronoBias => new ChronoBias(options);
