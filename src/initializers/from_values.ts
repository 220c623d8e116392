/** An initializer that returns values it stores in its config. */
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

/** Options of FromValues. */
export interface FromValuesOptions extends OptionsOf<typeof SPEC> {}

/**
 * Returns the given values (row-major) for a shape with as many elements, as Keras accepts an
 * array as an initializer. The values live in the config, so a model built with it saves and
 * loads (and rebuilds from JSON) with them; configs hold at most MAX_STORED_VALUES (65,536) values.
 */
export class FromValues extends ConfiguredInitializer<typeof SPEC> {
  /** Registered name. */
  static className = `${CLASS_PREFIX}FromValues`;

  /** @param options see FromValuesOptions */
  constructor(options: FromValuesOptions) {
    super(SPEC, options);
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

/** An initializer from stored values; see FromValues. */
export const fromValues = (options: FromValuesOptions): FromValues => new FromValues(options);
