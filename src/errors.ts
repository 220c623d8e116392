/**
 * Errors for bad input: each names the field, the value it got and what is allowed.
 * Every error this package throws is an InitializerConfigError or one of its subclasses.
 */

/**
 * Thrown for an option, config field or shape that is not allowed.
 *
 * @example
 * ```ts
 * import { InitializerConfigError, heNormal } from 'tfjs-initializers';
 *
 * try {
 *   heNormal({ negativeSlope: -0.1 });
 * } catch (error) {
 *   if (error instanceof InitializerConfigError) console.log(error.field, error.value, error.message);
 * }
 * ```
 * ```text output
 * negativeSlope -0.1 TfjsInit>HeNormal: negativeSlope must be a finite number >= 0; got -0.1
 * ```
 */
export class InitializerConfigError extends Error {
  /**
   * @param owner who checked: a className, a function name (`initializeModel`) or a module (`fileSystem`)
   * @param field the option, config key or argument that is wrong
   * @param value the value it got
   * @param allowed what would have been accepted, in words
   * @param message the full message, when the default `owner: field must be allowed; got value` does not read well
   */
  constructor(
    readonly owner: string,
    readonly field: string,
    readonly value: unknown,
    readonly allowed: string,
    message?: string,
  ) {
    super(message ?? `${owner}: ${field} must be ${allowed}; got ${describe(value)}`);
    this.name = 'InitializerConfigError';
  }
}

/**
 * Thrown by the model tools (`initializeModel`, `lsuv`, `signalPropagation`) when a model or a
 * batch does not fit them, or a layer fails during the run; the model's weights are then
 * exactly what they were before the call.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { ModelError, lsuv } from 'tfjs-initializers';
 *
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [8] })] });
 * const wrong = tf.zeros([16, 3]); // the model takes 8 features
 * try {
 *   lsuv(model, wrong);
 * } catch (error) {
 *   console.log(error instanceof ModelError); // and the weights are as they were
 * }
 * wrong.dispose();
 * ```
 * ```text output
 * true
 * ```
 */
export class ModelError extends InitializerConfigError {
  constructor(owner: string, field: string, value: unknown, allowed: string, message?: string) {
    super(owner, field, value, allowed, message);
    this.name = 'ModelError';
  }
}

/**
 * Thrown by the `file://` handler for a missing, unreadable, corrupt or unsafe model file.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { ModelFileError } from 'tfjs-initializers/node';
 *
 * try {
 *   await tf.loadLayersModel('file://./no-such-model/model.json');
 * } catch (error) {
 *   console.log(error instanceof ModelFileError);
 * }
 * ```
 * ```text output
 * true
 * ```
 */
export class ModelFileError extends InitializerConfigError {
  /** @param path the file or folder concerned */
  constructor(
    readonly path: string,
    field: string,
    allowed: string,
    message: string,
  ) {
    super('fileSystem', field, path, allowed, message);
    this.name = 'ModelFileError';
  }
}

/** A short, safe rendering of any value for an error message. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map(describe).join(', ');
    return value.length > 8 ? `[${shown}, ...]` : `[${shown}]`;
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
