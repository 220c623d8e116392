/**
 * The base every initializer here extends: options parsed once against the class's spec,
 * the tensor edge (`apply`) over a typed-array `sample`, and the stock translation that
 * `toPortable` writes.
 */
import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError } from '../errors.js';
import { ConfigOf, OptionSpec, parseOptions } from '../options.js';

/**
 * tfjs-layers' `Initializer` type, reached through `@tensorflow/tfjs` alone (its own module,
 * `@tensorflow/tfjs-layers/dist/initializers`, is not a dependency of this package).
 */
export type TfjsInitializer = ReturnType<typeof tf.initializers.ones>;

/** The static side tfjs's serialization needs of the base class. */
type InitializerBaseClass = (abstract new () => TfjsInitializer) & {
  /** tfjs's deserializer: `new cls(config)` (so getConfig and fromConfig are symmetric). */
  fromConfig: typeof tf.serialization.Serializable.fromConfig;
};

/** tfjs-layers' abstract `Initializer`, reached at run time (tfjs does not export the class). */
const InitializerBase = Object.getPrototypeOf(tf.initializers.zeros().constructor) as InitializerBaseClass;

/** Prefix of every className here: cannot collide with a built-in, has no `_` (tfjs camel-cases those on load). */
export const CLASS_PREFIX = 'TfjsInit>';

/**
 * How `toPortable` writes an initializer for stock tfjs: a stock className and config
 * (camelCase keys, as the stock constructor takes them), exact or the nearest with the
 * reason it is not exact; or no stock counterpart at all, with the reason.
 */
export type StockTranslation =
  | {
      /** The stock className, e.g. `VarianceScaling`. */
      className: string;
      /** Its config, camelCase keys and values (as the stock constructor takes them). */
      config: tf.serialization.ConfigDict;
      /** True when the stock initializer draws from the same distribution. */
      exact: boolean;
      /** Why the translation is not exact. */
      reason?: string;
    }
  | {
      /** No stock counterpart. */
      className: null;
      /** Why stock tfjs cannot express this initializer. */
      reason: string;
    };

/**
 * Base of the initializers in this package: options parsed once against a spec,
 * `getConfig` returns them all (defaults included) and the inherited
 * `fromConfig(cls, config)` is `new cls(config)`, so the two are symmetric.
 */
export abstract class ConfiguredInitializer<S extends OptionSpec> extends InitializerBase {
  /** The spec the options were parsed against (one declaration per option). */
  readonly optionSpec: S;
  /** The parsed options, defaults filled in. */
  protected readonly config: Readonly<ConfigOf<S>>;

  /**
   * @param spec the class's option spec
   * @param options constructor options or a loaded config
   * @param extraKeys aliases `prepare` folds into spec fields (accepted, not stored)
   * @param prepare rewrites the raw options before parsing (e.g. `gain` into `scale`)
   */
  protected constructor(
    spec: S,
    options: unknown,
    extraKeys: readonly string[] = [],
    prepare?: (raw: Record<string, unknown>) => Record<string, unknown>,
  ) {
    super();
    const owner = (new.target as unknown as { className: string }).className;
    const raw = prepare ? prepare(asRecord(owner, options)) : options;
    this.optionSpec = spec;
    this.config = Object.freeze(parseOptions(owner, spec, raw, extraKeys));
  }

  /** Every option, defaults filled in; `new Class(getConfig())` rebuilds this initializer. */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.config } as tf.serialization.ConfigDict;
  }

  /** Values for `shape`, row-major, as a typed array (no tensors). */
  abstract sample(shape: number[]): Float32Array;

  /** This initializer as stock tfjs writes it, for `toPortable`. */
  abstract toStock(): StockTranslation;

  /** A float32 tensor of `shape`; `dtype` must be float32 or omitted. */
  apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    this.checkDtype(dtype);
    return tf.tensor(this.sample(shape), shape, 'float32');
  }

  /** Refuses a dtype other than float32 (`apply`'s check). */
  protected checkDtype(dtype: tf.DataType | undefined): void {
    if (dtype !== undefined && dtype !== 'float32') {
      const allowed = "'float32' (random initial weights are floats)";
      throw new InitializerConfigError(this.getClassName(), 'dtype', dtype, allowed);
    }
  }
}

function asRecord(owner: string, options: unknown): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new InitializerConfigError(owner, 'options', options, 'an object');
  }
  return options as Record<string, unknown>;
}
