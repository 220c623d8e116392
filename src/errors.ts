/**
 * Errors for bad input: each names the field, the value it got and what is allowed.
 */

/** Thrown for an option, config field or shape that is not allowed. */
export class InitializerConfigError extends Error {
  constructor(
    readonly owner: string,
    readonly field: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`${owner}: ${field} must be ${allowed}; got ${describe(value)}`);
    this.name = 'InitializerConfigError';
  }
}

/** A short, safe rendering of any value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value))
    return value.length > 8
      ? `[${value.slice(0, 8).map(describe).join(', ')}, ...]`
      : `[${value.map(describe).join(', ')}]`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
