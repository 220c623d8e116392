/**
 * The runtime base class every initializer here extends, and the tensor edge.
 * tfjs does not export its `Initializer` class from the package root; it is the
 * prototype of any stock initializer's constructor.
 */
import * as tf from '@tensorflow/tfjs';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers';
import { InitializerConfigError } from '../errors.js';
import { OptionSpec, OptionValue, parseOptions } from './options.js';

/** tfjs-layers' abstract `Initializer`, reached at run time. */
export const InitializerBase = Object.getPrototypeOf(tf.initializers.zeros().constructor) as typeof Initializer;

/** Prefix of every className here: cannot collide with a built-in, has no `_` (tfjs camel-cases those on load). */
export const CLASS_PREFIX = 'TfjsInit>';

/**
 * Base of the initializers in this package: options parsed once against a spec,
 * `getConfig` returns them all (defaults included) and the inherited
 * `fromConfig(cls, config)` is `new cls(config)`, so the two are symmetric.
 */
export abstract class ConfiguredInitializer<Config extends Record<string, OptionValue>> extends InitializerBase {
  protected readonly config: Readonly<Config>;

  protected constructor(
    spec: OptionSpec,
    options: unknown,
    extraKeys: readonly string[] = [],
    prepare?: (raw: Record<string, unknown>) => Record<string, unknown>,
  ) {
    super();
    const owner = (new.target as unknown as { className: string }).className;
    const raw = prepare ? prepare(asRecord(owner, options)) : options;
    this.config = Object.freeze(parseOptions(owner, spec, raw, extraKeys)) as Readonly<Config>;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.config };
  }

  /** Values for `shape`, row-major, as a typed array (no tensors). */
  abstract sample(shape: number[]): Float32Array;

  /** A float32 tensor of `shape`; `dtype` must be float32 or omitted. */
  apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    if (dtype !== undefined && dtype !== 'float32') {
      throw new InitializerConfigError(
        this.getClassName(),
        'dtype',
        dtype,
        "'float32' (random initial weights are floats)",
      );
    }
    return tf.tensor(this.sample(shape), shape, 'float32');
  }
}

function asRecord(owner: string, options: unknown): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options))
    throw new InitializerConfigError(owner, 'options', options, 'an object');
  return options as Record<string, unknown>;
}
