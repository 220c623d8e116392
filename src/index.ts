/**
 * tfjs-initializers: correct, activation-aware weight initializers for TensorFlow.js.
 * Importing this module registers every initializer class with tf.serialization.
 *
 * @packageDocumentation
 */
import './initializers/registry.js';

// Initializers: every class of the catalog, its factory and its options type.
export * from './initializers/catalog.js';
export { INITIALIZER_CLASSES } from './initializers/registry.js';
export type { InitializerClass } from './initializers/registry.js';
export type { FanMode, Distribution } from './initializers/core.js';

// Fans, gains, activations.
export { computeFans } from './math/fans.js';
export type { FanLayout, FanOptions, Fans } from './math/fans.js';
export { calculateGain, varianceGain } from './math/gains.js';
export type { GainCriterion, GainMode, PytorchNonlinearity, VarianceGainOptions } from './math/gains.js';
export { ACTIVATIONS } from './math/activations.js';
export { meanField } from './math/mean_field.js';
export type { CriticalPoint, MeanField, MeanFieldActivation, MeanFieldInput } from './math/mean_field.js';
export type { ActivationName } from './math/activations.js';

// Model tools.
export { initializeModel } from './model/initialize_model.js';
export type { InitializeModelOptions, LayerInitReport } from './model/initialize_model.js';
export { lsuv } from './model/lsuv.js';
export type { LsuvOptions, LsuvLayerReport } from './model/lsuv.js';
export { predictSignal } from './model/predict.js';
export type { PredictSignalOptions, PredictedLayer } from './model/predict.js';
export { signalPropagation } from './model/signal.js';
export { sampleInputs } from './model/inputs.js';
export type { SampleInputsOptions } from './model/inputs.js';
export type { SignalLayer, SignalOptions, SignalReport } from './model/signal.js';

// μP: width-transferable parametrization, its readout layer and per-weight learning rates.
export { mup } from './mup/parametrization.js';
export type { MupClass, MupOptions, MupPlan, MupRow } from './mup/parametrization.js';
export { MuReadout, muReadout } from './mup/readout.js';
export type { MuReadoutOptions } from './mup/readout.js';
export { MupOptimizer } from './mup/optimizer.js';
export { coordCheck } from './mup/coord_check.js';
export type { BuiltModel, CoordCheckOptions, CoordCheckResult } from './mup/coord_check.js';
export type { MupOptimizerOptions } from './mup/optimizer.js';

// Layer rules: what the model tools know about each layer class, and the user's own.
export { registerLayerRule, unregisterLayerRule } from './model/layers/index.js';
export type {
  BiasWeight,
  CellKind,
  ChannelMoments,
  InputKernelWeight,
  KernelWeight,
  PlainWeight,
  RecurrentKernelWeight,
  KernelAxes,
  LayerRule,
  MergeKind,
  MomentInput,
  MomentOutput,
  MomentRule,
  Nonlinearity,
  ProbeKind,
  RoleName,
  SignalPassing,
  WeightMap,
  WeightRole,
  WeightValues,
  WidthMultiplier,
} from './model/layers/index.js';
export { signalMoments } from './model/signal_moments.js';
export type { SignalMoments } from './model/signal_moments.js';

// Portable export and errors.
export { toPortable } from './io/portable.js';
export type { PortableEntry, PortableResult } from './io/portable.js';
export { InitializerConfigError, ModelError, ModelFileError } from './errors.js';
