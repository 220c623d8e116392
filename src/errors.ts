/**
 * Errors for bad input: each names the field, the value it got and what is allowed.
 * Every error this package throws is an InitializerConfigError or one of its subclasses.
 */

/** Thrown for an option, config field or shape that is not allowed. */
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
 */
export class ModelError extends InitializerConfigError {
  constructor(owner: string, field: string, value: unknown, allowed: string, message?: string) {
    super(owner, field, value, allowed, message);
    this.name = 'ModelError';
  }
}

/** Thrown by the `file://` handler for a missing, unreadable, corrupt or unsafe model file. */
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
export function describe(value: unknown): string {
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
