/**
 * tfjs-initializers: correct, activation-aware weight initializers for TensorFlow.js.
 * Importing this module registers every class with tf.serialization.
 */
import './initializers/registry.js';
import { ActivationAware, ActivationAwareOptions } from './initializers/activation_aware.js';
import { Orthogonal, OrthogonalOptions } from './initializers/orthogonal.js';
import {
  GlorotNormal,
  GlorotOptions,
  GlorotUniform,
  HeNormal,
  HeOptions,
  HeUniform,
  LeCunNormal,
  LeCunUniform,
  NormalPresetOptions,
  PresetOptions,
} from './initializers/presets.js';
import { VarianceScaling, VarianceScalingOptions } from './initializers/variance_scaling.js';

export { InitializerConfigError } from './errors.js';
export { computeFans, FAN_LAYOUTS } from './math/fans.js';
export type { FanLayout, FanOptions, Fans } from './math/fans.js';
export { calculateGain, varianceGain, PYTORCH_LEAKY_RELU_SLOPE, GAIN_MODES } from './math/gains.js';
export type { GainMode, PytorchNonlinearity, VarianceGainOptions } from './math/gains.js';
export { ACTIVATIONS, DEFAULT_ALPHA, canonicalActivation } from './math/activations.js';
export type { ActivationName } from './math/activations.js';
export { TRUNCATED_NORMAL_STD } from './sampling/distributions.js';
export { Xoshiro128 } from './sampling/prng.js';
export { CLASS_PREFIX, ConfiguredInitializer } from './initializers/base.js';
export {
  VarianceScaling,
  VarianceScalingPreset,
  varianceScalingStd,
  FAN_MODES,
  DISTRIBUTIONS,
} from './initializers/variance_scaling.js';
export type {
  VarianceScalingOptions,
  VarianceScalingParams,
  FanMode,
  Distribution,
} from './initializers/variance_scaling.js';
export { GlorotUniform, GlorotNormal, HeUniform, HeNormal, LeCunUniform, LeCunNormal } from './initializers/presets.js';
export type { GlorotOptions, HeOptions, PresetOptions, NormalPresetOptions } from './initializers/presets.js';
export { Orthogonal } from './initializers/orthogonal.js';
export type { OrthogonalOptions } from './initializers/orthogonal.js';
export { ActivationAware, activationGain, GAIN_CRITERIA } from './initializers/activation_aware.js';
export type { ActivationAwareOptions, GainCriterion } from './initializers/activation_aware.js';
export { INITIALIZER_CLASSES } from './initializers/registry.js';
export { toPortable } from './io/portable.js';
export type { PortableEntry, PortableResult } from './io/portable.js';

/** Var(W) = scale / fan; see VarianceScaling. */
export const varianceScaling = (options?: VarianceScalingOptions): VarianceScaling => new VarianceScaling(options);
/** Xavier/Glorot uniform with a gain; see GlorotUniform. */
export const glorotUniform = (options?: GlorotOptions): GlorotUniform => new GlorotUniform(options);
/** Xavier/Glorot normal with a gain; see GlorotNormal. */
export const glorotNormal = (options?: GlorotOptions & NormalPresetOptions): GlorotNormal => new GlorotNormal(options);
/** Kaiming/He uniform, LeakyReLU-slope aware; see HeUniform. */
export const heUniform = (options?: HeOptions): HeUniform => new HeUniform(options);
/** Kaiming/He normal, LeakyReLU-slope aware; see HeNormal. */
export const heNormal = (options?: HeOptions & NormalPresetOptions): HeNormal => new HeNormal(options);
/** LeCun uniform; see LeCunUniform. */
export const leCunUniform = (options?: PresetOptions): LeCunUniform => new LeCunUniform(options);
/** LeCun normal; see LeCunNormal. */
export const leCunNormal = (options?: NormalPresetOptions): LeCunNormal => new LeCunNormal(options);
/** Orthogonal with a gain; see Orthogonal. */
export const orthogonal = (options?: OrthogonalOptions): Orthogonal => new Orthogonal(options);
/** Gain derived from the activation; see ActivationAware. */
export const activationAware = (options?: ActivationAwareOptions): ActivationAware => new ActivationAware(options);

export { initializeModel } from './model/initialize_model.js';
export type { InitializeModelOptions, LayerInitReport } from './model/initialize_model.js';
export { lsuv } from './model/lsuv.js';
export type { LsuvOptions, LsuvLayerReport } from './model/lsuv.js';
export { signalPropagation } from './model/signal.js';
export type { SignalLayer, SignalOptions, SignalReport } from './model/signal.js';
