/** An initializer that returns values it stores in its config. */
import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError } from '../errors.js';
import { checkShape } from '../math/shape.js';
import { OptionsOf, defineOptions, numbers } from '../options.js';
import { CLASS_PREFIX, ConfiguredInitializer, StockTranslation } from './base.js';

/**
 * Most values a FromValues config stores: 65,536 numbers, about 1 MB in a model.json. Larger arrays
 * belong in the weights file: build the layer, then `layer.setWeights`.
 */
export const MAX_STORED_VALUES = 65536;

const SPEC = defineOptions({
  /** The values, row-major (required; at most 65,536). */
  values: numbers(MAX_STORED_VALUES, true),
  /** The shape they must be applied to, or null to accept any shape with as many elements. */
  shape: numbers(32),
});

/** Nested number arrays, as `tf.tensor` takes them (`[[1, 2], [3, 4]]`). */
export type NestedNumbers = ReadonlyArray<number | NestedNumbers>;

/** Values FromValues takes: numbers, nested or flat (row-major), a typed array, or a tensor (copied, not disposed). */
export type ValuesInput = NestedNumbers | ArrayLike<number> | tf.Tensor;

/** Options of FromValues. */
export interface FromValuesOptions extends Omit<OptionsOf<typeof SPEC>, 'values'> {
  /**
   * The values, row-major (required; at most 65,536): numbers, nested arrays, a typed array or a tensor. The
   * shape of a tensor or of nested arrays becomes `shape` when it is not given.
   */
  values: ValuesInput;
}

/** Flat values and the shape they came in (null for a flat list), or null when `raw` is not values at all. */
function flatten(raw: unknown): { values: number[]; shape: number[] | null } | null {
  if (raw instanceof tf.Tensor) return { values: Array.from(raw.dataSync()), shape: raw.shape };
  if (ArrayBuffer.isView(raw) && !(raw instanceof DataView)) {
    return { values: Array.from(raw as unknown as ArrayLike<number>, Number), shape: null };
  }
  if (!Array.isArray(raw) || !raw.some(Array.isArray)) return null;
  const shape: number[] = [];
  for (let level: unknown = raw; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values: number[] = [];
  const walk = (node: unknown, depth: number): boolean => {
    if (depth === shape.length) {
      values.push(node as number);
      return !Array.isArray(node);
    }
    return Array.isArray(node) && node.length === shape[depth] && node.every((child) => walk(child, depth + 1));
  };
  if (!walk(raw, 0)) {
    throw new InitializerConfigError(
      FromValues.className,
      'values',
      raw,
      `nested arrays of one shape (the first entries give [${shape.join(', ')}]), or flat values with a shape`,
    );
  }
  return { values, shape };
}

/** Options with `values` made a flat number list: the form the spec and the config hold. */
function normalized(options: FromValuesOptions | ValuesInput): Record<string, unknown> {
  const direct = flatten(options);
  if (direct !== null || Array.isArray(options))
    return { values: direct?.values ?? options, shape: direct?.shape ?? null };
  if (typeof options !== 'object' || options === null) return options as never;
  const given = options as FromValuesOptions & Record<string, unknown>;
  const flat = flatten(given.values);
  if (flat === null) return given;
  return { ...given, values: flat.values, shape: given.shape ?? flat.shape };
}

/**
 * Returns the given values (row-major) for a shape with as many elements, as Keras accepts an
 * array or a tensor as an initializer. The values are copied into the config (a tensor is read, not
 * disposed), so a model built with it saves and loads (and rebuilds from JSON) with them; configs hold
 * at most MAX_STORED_VALUES (65,536) values.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { FromValues } from 'tfjs-initializers';
 *
 * // usage in a layer; the config round-trips (getConfig / fromConfig), so the model saves and loads
 * const init = new FromValues({ values: [1, 2, 3, 4], shape: [2, 2] });
 * const layer = tf.layers.dense({ units: 2, inputShape: [2], kernelInitializer: init });
 * const copy = FromValues.fromConfig(FromValues, init.getConfig());
 * ```
 */
export class FromValues extends ConfiguredInitializer<typeof SPEC> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}FromValues`;

  /** @param options see FromValuesOptions; or the values alone */
  constructor(options: FromValuesOptions | ValuesInput) {
    super(SPEC, normalized(options));
    const shape = this.config.shape;
    if (shape !== null) {
      const size = checkShape(FromValues.className, shape);
      const n = (this.config.values as number[]).length;
      if (size !== n) {
        throw new InitializerConfigError(
          FromValues.className,
          'shape',
          shape,
          `a shape of ${n} elements (one per value)`,
        );
      }
    }
  }

  /** The stored values; `shape` must hold exactly as many elements (and equal the `shape` option when given). */
  sample(shape: number[]): Float32Array {
    const owner = this.getClassName();
    const size = checkShape(owner, shape);
    const values = this.config.values as number[];
    const expected = this.config.shape;
    if (expected !== null && (expected.length !== shape.length || expected.some((d, i) => d !== shape[i]))) {
      throw new InitializerConfigError(
        owner,
        'shape',
        shape,
        `[${expected.join(', ')}] (the shape the values were given for)`,
      );
    }
    if (size !== values.length) {
      throw new InitializerConfigError(
        owner,
        'shape',
        shape,
        `a shape of ${values.length} elements (one per stored value)`,
      );
    }
    return Float32Array.from(values);
  }

  /** Stock `Constant` when every value is the same; otherwise stock tfjs cannot store values. */
  toStock(): StockTranslation {
    const values = this.config.values as number[];
    if (values.length > 0 && values.every((v) => v === values[0])) {
      return { className: 'Constant', config: { value: values[0] }, exact: true };
    }
    return {
      className: null,
      reason: 'stock tfjs has no initializer that stores values (the weights file holds them)',
    };
  }
}

/**
 * An initializer from stored values (the options, or the values alone); see FromValues.
 *
 * @example
 * ```ts
 * import { fromValues } from 'tfjs-initializers';
 *
 * // standalone usage: a tf.Tensor of the shape, the values themselves (also: fromValues(tensor), fromValues([[1, 2], [3, 4]]))
 * const values = fromValues({ values: [1, 2, 3, 4], shape: [2, 2] }).apply([2, 2]);
 * ```
 */
export const fromValues = (options: FromValuesOptions | ValuesInput): FromValues => new FromValues(options);
