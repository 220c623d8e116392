/**
 * The one core that draws: variance scaling (Keras `VarianceScaling`, JAX
 * `nn.initializers.variance_scaling`). Every preset only chooses its parameters; this
 * module turns (shape, scale, mode, distribution, seed) into values, and into the stock
 * tfjs config `toPortable` writes.
 */
import type * as tf from '@tensorflow/tfjs';
import { FAN_LAYOUTS, FanLayout, computeFans } from '../math/fans.js';
import { checkShape } from '../math/shape.js';
import { ConfigOf, OptionSpec, axes, choice, defineOptions, SEED_FIELD } from '../options.js';
import { TRUNCATED_NORMAL_STD, fillNormal, fillTruncatedNormal, fillUniform } from '../sampling/distributions.js';
import { generatorFor } from '../sampling/prng.js';
import { ConfiguredInitializer, StockTranslation } from './base.js';
import { filledTensor } from './filled_tensor.js';

/** Which fan divides the scale: fanIn, fanOut, (fanIn + fanOut) / 2, or sqrt(fanIn * fanOut). */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg' | 'fanGeoAvg';
/** Every FanMode. */
export const FAN_MODES: readonly FanMode[] = ['fanIn', 'fanOut', 'fanAvg', 'fanGeoAvg'];
/** `truncatedNormal` is cut at 2 sigma and rescaled to the exact std; `uniform` is U[-limit, limit). */
export type Distribution = 'truncatedNormal' | 'normal' | 'uniform';
/** Every Distribution. */
export const DISTRIBUTIONS: readonly Distribution[] = ['truncatedNormal', 'normal', 'uniform'];
/** Keras's name for the plain normal. */
export const UNTRUNCATED: Readonly<Record<string, 'normal'>> = { untruncatedNormal: 'normal' };

/** The parameters of one variance-scaling draw. */
export interface VarianceScalingParams {
  /** Variance multiplier s in Var(W) = s / fan. */
  scale: number;
  /** Which fan divides the scale. */
  mode: FanMode;
  /** The distribution drawn. */
  distribution: Distribution;
  /** Seed, or null for fresh values. */
  seed: number | null;
  /** Kernel layout for the fans. */
  layout: FanLayout;
  /** Explicit input axis or axes, or null. */
  inAxis: number | number[] | null;
  /** Explicit output axis or axes, or null. */
  outAxis: number | number[] | null;
  /** Axes of stacked independent kernels (in neither fan), or null. */
  batchAxis: number | number[] | null;
}

/** Options every variance-scaling initializer takes: a seed and the fans (see computeFans). */
export const COMMON_FIELDS = defineOptions({
  /** Same seed, same values on every apply (and every backend); null or omitted: fresh values each time. */
  seed: SEED_FIELD,
  /** Kernel layout for the fans; default `auto` (the Keras rule; see computeFans). */
  layout: choice(FAN_LAYOUTS, 'auto'),
  /** Explicit input axis or axes for the fans (JAX's `in_axis`); with `outAxis`, both or neither. */
  inAxis: axes(),
  /** Explicit output axis or axes for the fans (JAX's `out_axis`). */
  outAxis: axes(),
  /** Axes of stacked independent kernels, counted in neither fan (JAX's `batch_axis`). */
  batchAxis: axes(),
});
type CommonConfig = ConfigOf<typeof COMMON_FIELDS>;

/** The fan that `mode` selects. */
export function modeFan(
  shape: readonly number[],
  params: Pick<VarianceScalingParams, 'mode' | 'layout' | 'inAxis' | 'outAxis' | 'batchAxis'>,
): number {
  const { fanIn, fanOut } = computeFans(shape, params);
  switch (params.mode) {
    case 'fanIn':
      return fanIn;
    case 'fanOut':
      return fanOut;
    case 'fanAvg':
      return (fanIn + fanOut) / 2;
    case 'fanGeoAvg':
      return Math.sqrt(fanIn * fanOut);
  }
}

/** The std a variance-scaling draw has: sqrt(scale / fan). */
export function varianceScalingStd(shape: readonly number[], params: VarianceScalingParams): number {
  return Math.sqrt(params.scale / modeFan(shape, params));
}

/**
 * Values with variance scale / fan (row-major, `shape`): normal and truncated
 * normal with std sqrt(scale / fan); uniform on [-sqrt(3 scale / fan), sqrt(3 scale / fan)).
 */
export function varianceScalingValues(
  owner: string,
  shape: number[],
  params: VarianceScalingParams,
  out?: Float32Array,
): Float32Array {
  checkShape(owner, shape);
  return valuesWithStd(owner, shape, varianceScalingStd(shape, params), params.distribution, params.seed, out);
}

/**
 * Zero-mean values of a given std (row-major, `shape`): normal, truncated normal (std exact after the cut)
 * or uniform on [-sqrt(3) std, sqrt(3) std). The sampling every variance-scaling draw goes through; into `into`
 * (of the shape's size) when given.
 */
export function valuesWithStd(
  owner: string,
  shape: number[],
  std: number,
  distribution: Distribution,
  seed: number | null,
  into?: Float32Array,
): Float32Array {
  const size = checkShape(owner, shape);
  const out = into ?? new Float32Array(size);
  const rng = generatorFor(seed);
  switch (distribution) {
    case 'normal':
      return fillNormal(out, rng, 0, std);
    case 'truncatedNormal':
      return fillTruncatedNormal(out, rng, 0, std);
    case 'uniform': {
      const limit = Math.sqrt(3) * std;
      return fillUniform(out, rng, -limit, limit);
    }
  }
}

/**
 * Stock tfjs `VarianceScaling` for these parameters. Exact: uniform -> stock 'uniform';
 * truncatedNormal -> stock 'normal' (truncated at 2 sigma without correction) with scale /
 * 0.8796^2, which gives exactly the corrected std. Otherwise the nearest, with the reason.
 */
export function stockVarianceScaling(p: VarianceScalingParams): StockTranslation {
  const reasons: string[] = [];
  let mode: FanMode = p.mode;
  if (mode === 'fanGeoAvg') {
    reasons.push('stock tfjs has no fanGeoAvg mode (used fanAvg)');
    mode = 'fanAvg';
  }
  if (p.layout !== 'auto' && p.layout !== 'dense' && p.layout !== 'conv') {
    reasons.push(`stock tfjs computes fans with the generic rule, not layout '${p.layout}'`);
  }
  if (p.inAxis !== null || p.outAxis !== null || p.batchAxis !== null)
    reasons.push('stock tfjs has no explicit fan axes');
  let scale = p.scale;
  let distribution = 'uniform';
  if (p.distribution !== 'uniform') {
    // stock 'normal' draws a normal truncated at 2 sigma with sigma = sqrt(scale / fan): std 0.8796 sigma.
    scale = p.scale / (TRUNCATED_NORMAL_STD * TRUNCATED_NORMAL_STD);
    distribution = 'normal';
    if (p.distribution === 'normal') {
      reasons.push('stock tfjs has no untruncated variance scaling (used the truncated normal with the same std)');
    }
  }
  const config = { scale, mode, distribution, seed: p.seed };
  return reasons.length === 0
    ? { className: 'VarianceScaling', config, exact: true }
    : { className: 'VarianceScaling', config, exact: false, reason: reasons.join('; ') };
}

/**
 * Base of the variance-scaling classes (the core and its presets): each only maps its
 * options to VarianceScalingParams; drawing and the stock translation are the core's.
 */
export abstract class VarianceScalingPreset<S extends OptionSpec> extends ConfiguredInitializer<S> {
  /** The core parameters this initializer stands for. */
  abstract get params(): VarianceScalingParams;

  /** Draws from the core with `params`. */
  sample(shape: number[]): Float32Array {
    return varianceScalingValues(this.getClassName(), shape, this.params);
  }

  /** The same values as `sample`, drawn straight into the tensor's memory (filledTensor). */
  override apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    this.checkDtype(dtype);
    const params = this.params;
    const size = checkShape(this.getClassName(), shape);
    return filledTensor(shape, size, (out) => varianceScalingValues(this.getClassName(), shape, params, out));
  }

  /** Stock `VarianceScaling` with the same std (see stockVarianceScaling). */
  toStock(): StockTranslation {
    return stockVarianceScaling(this.params);
  }

  /** Core parameters from a preset's scale, mode and distribution plus its seed and fan options. */
  protected preset(choice: { scale: number; mode: FanMode; distribution: Distribution }): VarianceScalingParams {
    const c = this.config as unknown as CommonConfig;
    return { ...choice, seed: c.seed, layout: c.layout, inAxis: c.inAxis, outAxis: c.outAxis, batchAxis: c.batchAxis };
  }
}
