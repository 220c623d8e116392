/**
 * `tfjs-initializers/internals`: the building blocks under the public API, for writing a new
 * initializer class (see CONTRIBUTING.md), for tools and for tests. Stable within a minor
 * version, but not part of the API a user needs; the root entry is.
 *
 * @packageDocumentation
 */
import './initializers/registry.js';

// Writing an initializer class.
export { CLASS_PREFIX, ConfiguredInitializer } from './initializers/base.js';
export type { StockTranslation, TfjsInitializer } from './initializers/base.js';
export {
  COMMON_FIELDS,
  DISTRIBUTIONS,
  FAN_MODES,
  VarianceScalingPreset,
  modeFan,
  stockVarianceScaling,
  varianceScalingStd,
  varianceScalingValues,
} from './initializers/core.js';
export type { VarianceScalingParams } from './initializers/core.js';
export {
  SEED_FIELD,
  axes,
  choice,
  defineOptions,
  describeField,
  finite,
  flag,
  integerIn,
  numberIn,
  numberOr,
  numbers,
  parseOptions,
  positive,
} from './options.js';
export type {
  AxesField,
  BooleanField,
  ChoiceField,
  ConfigOf,
  Field,
  IntegerField,
  InputOf,
  NumberField,
  NumberOrChoiceField,
  NumbersField,
  OptionSpec,
  OptionValue,
  OptionsOf,
  ValueOf,
} from './options.js';

// Math and sampling.
export { FAN_LAYOUTS } from './math/fans.js';
export {
  GAIN_CRITERIA,
  GAIN_MODES,
  PYTORCH_ACTIVATIONS,
  PYTORCH_LEAKY_RELU_SLOPE,
  activationGain,
  resolveAlpha,
} from './math/gains.js';
export { DEFAULT_ALPHA, canonicalActivation, scalarActivation } from './math/activations.js';
export type { ScalarActivation } from './math/activations.js';
export { checkShape, MAX_ELEMENTS } from './math/shape.js';
export { chi1, edgeOfChaos, fixedPoint, lengthMap } from './math/mean_field.js';
export {
  TRUNCATED_NORMAL_STD,
  fillNormal,
  fillPath,
  fillTruncatedNormal,
  fillUniform,
  standardNormal,
} from './sampling/distributions.js';
export { allowWasm } from './sampling/wasm/load.js';
export { fillsInPlace } from './sampling/wasm/fill.js';
export { Xoshiro128, freshSeed, generatorFor } from './sampling/prng.js';
export { randomOrthogonal } from './sampling/orthogonal.js';
