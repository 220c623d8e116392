/**
 * The one core that draws: variance scaling (Keras `VarianceScaling`, JAX
 * `nn.initializers.variance_scaling`). Every preset only chooses its parameters.
 */
import { InitializerConfigError } from '../errors.js';
import { FAN_LAYOUTS, FanLayout, computeFans } from '../math/fans.js';
import { checkShape } from '../math/shape.js';
import { fillNormal, fillTruncatedNormal, fillUniform } from '../sampling/distributions.js';
import { Xoshiro128, freshSeed } from '../sampling/prng.js';
import { CLASS_PREFIX, ConfiguredInitializer } from './base.js';
import { FieldSpec, OptionSpec, SEED_FIELD, positive } from './options.js';

/** Which fan divides the scale: fanIn, fanOut, (fanIn + fanOut) / 2, or sqrt(fanIn * fanOut). */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg' | 'fanGeoAvg';
export const FAN_MODES: readonly FanMode[] = ['fanIn', 'fanOut', 'fanAvg', 'fanGeoAvg'];
/** `truncatedNormal` is cut at 2 sigma and rescaled to the exact std; `uniform` is U[-limit, limit). */
export type Distribution = 'truncatedNormal' | 'normal' | 'uniform';
export const DISTRIBUTIONS: readonly Distribution[] = ['truncatedNormal', 'normal', 'uniform'];

/** The parameters of one variance-scaling draw. */
export interface VarianceScalingParams {
  scale: number;
  mode: FanMode;
  distribution: Distribution;
  seed: number | null;
  layout: FanLayout;
  inAxis: number | null;
  outAxis: number | null;
}

/** Fan options shared by every variance-scaling initializer (see computeFans). */
export const FAN_FIELDS: Readonly<Record<'layout' | 'inAxis' | 'outAxis', FieldSpec>> = {
  layout: { kind: 'choice', default: 'auto', values: FAN_LAYOUTS },
  inAxis: { kind: 'integer', default: null, min: -32, max: 31 },
  outAxis: { kind: 'integer', default: null, min: -32, max: 31 },
};

/** The fan that `mode` selects. */
export function modeFan(
  shape: readonly number[],
  params: Pick<VarianceScalingParams, 'mode' | 'layout' | 'inAxis' | 'outAxis'>,
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

/** A generator for one apply: seeded ones restart their stream, unseeded ones draw a fresh seed. */
export function generatorFor(seed: number | null): Xoshiro128 {
  return new Xoshiro128(seed ?? freshSeed());
}

/**
 * Values with variance scale / fan (row-major, `shape`): normal and truncated
 * normal with std sqrt(scale / fan); uniform on [-sqrt(3 scale / fan), sqrt(3 scale / fan)).
 */
export function varianceScalingValues(owner: string, shape: number[], params: VarianceScalingParams): Float32Array {
  const size = checkShape(owner, shape);
  const std = varianceScalingStd(shape, params);
  const out = new Float32Array(size);
  const rng = generatorFor(params.seed);
  switch (params.distribution) {
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

export interface VarianceScalingOptions {
  /** Variance multiplier s in Var(W) = s / fan; default 1. Give this or `gain`. */
  scale?: number;
  /** Gain g, the same as scale = g^2; stored in the config as `scale`. */
  gain?: number;
  /** Default `fanIn`. */
  mode?: FanMode;
  /** Default `truncatedNormal`. */
  distribution?: Distribution;
  /** Same seed, same values on every apply; null or omitted: fresh values each time. */
  seed?: number | null;
  /** Kernel layout for the fans; default `auto` (see computeFans). */
  layout?: FanLayout;
  /** Explicit fan axes (JAX's in_axis / out_axis); both or neither. */
  inAxis?: number | null;
  outAxis?: number | null;
}

const SPEC: OptionSpec = {
  scale: positive(1),
  mode: { kind: 'choice', default: 'fanIn', values: FAN_MODES },
  distribution: { kind: 'choice', default: 'truncatedNormal', values: DISTRIBUTIONS },
  seed: SEED_FIELD,
  ...FAN_FIELDS,
};
const OWNER = `${CLASS_PREFIX}VarianceScaling`;

/** Folds the `gain` option into `scale` (scale = gain^2). */
function gainToScale(raw: Record<string, unknown>): Record<string, unknown> {
  if (!Object.prototype.hasOwnProperty.call(raw, 'gain') || raw.gain === undefined || raw.gain === null) return raw;
  const hasScale = raw.scale !== undefined && raw.scale !== null;
  if (hasScale)
    throw new InitializerConfigError(OWNER, 'gain', raw.gain, 'omitted when scale is given (scale = gain^2)');
  const gain = raw.gain;
  if (typeof gain !== 'number' || !Number.isFinite(gain) || gain <= 0) {
    throw new InitializerConfigError(OWNER, 'gain', gain, 'a finite number > 0');
  }
  const rest: Record<string, unknown> = { ...raw, scale: gain * gain };
  delete rest.gain;
  return rest;
}

/**
 * Var(W) = scale / fan, fan chosen by `mode` (Keras `VarianceScaling`; JAX
 * `variance_scaling`). normal/truncatedNormal: std = sqrt(scale / fan), the truncated
 * normal cut at 2 sigma and rescaled by 1 / 0.8796 so its std is exact; uniform:
 * U[-sqrt(3 scale / fan), sqrt(3 scale / fan)).
 */
export class VarianceScaling extends ConfiguredInitializer<VarianceScalingParams & ConfigRecord> {
  static className = OWNER;

  constructor(options: VarianceScalingOptions = {}) {
    super(SPEC, options, ['gain'], gainToScale);
  }

  /** The parameters this initializer draws with. */
  get params(): VarianceScalingParams {
    return this.config;
  }

  sample(shape: number[]): Float32Array {
    return varianceScalingValues(this.getClassName(), shape, this.params);
  }
}

type ConfigRecord = Record<string, string | number | null>;

/**
 * Base of the named presets (Glorot, He, LeCun, ActivationAware): each only maps its
 * options to VarianceScalingParams; drawing is the core's.
 */
export abstract class VarianceScalingPreset<Config extends ConfigRecord> extends ConfiguredInitializer<Config> {
  /** The core parameters this preset stands for. */
  abstract get params(): VarianceScalingParams;

  sample(shape: number[]): Float32Array {
    return varianceScalingValues(this.getClassName(), shape, this.params);
  }
}

/** Core parameters from a preset's scale, mode and distribution plus its seed and fan options. */
export function presetParams(
  config: Readonly<{ seed: number | null; layout: FanLayout; inAxis: number | null; outAxis: number | null }>,
  choice: { scale: number; mode: FanMode; distribution: Distribution },
): VarianceScalingParams {
  return { ...choice, seed: config.seed, layout: config.layout, inAxis: config.inAxis, outAxis: config.outAxis };
}
