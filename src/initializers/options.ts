/**
 * Declarative option specs: one parser validates constructor options and loaded
 * configs alike, fills defaults, and so makes getConfig/fromConfig symmetric.
 * A config is untrusted input (it may come from a model.json): only own keys are
 * read, unknown keys (including `__proto__` and `constructor`) are rejected.
 */
import { InitializerConfigError } from '../errors.js';
import { MAX_SEED } from '../sampling/prng.js';

export type FieldSpec =
  | { kind: 'number'; default: number | null; min: number; exclusiveMin?: boolean; max?: number }
  | { kind: 'integer'; default: number | null; min: number; max: number }
  | { kind: 'choice'; default: string | null; values: readonly string[]; canonical?: (value: unknown) => string };

export type OptionSpec = Readonly<Record<string, FieldSpec>>;
export type OptionValue = number | string | null;

/** Keys the tfjs loader adds to every config it passes to fromConfig. */
const LOADER_KEYS = ['customObjects'];

function describeRange(spec: { min: number; exclusiveMin?: boolean; max?: number }): string {
  const low = `${spec.exclusiveMin ? '>' : '>='} ${spec.min}`;
  return spec.max === undefined ? low : `${low} and <= ${spec.max}`;
}

function parseField(owner: string, key: string, spec: FieldSpec, raw: unknown): OptionValue {
  if (raw === undefined || raw === null) return spec.default;
  const nullable = spec.default === null ? ', or null' : '';
  switch (spec.kind) {
    case 'number': {
      const ok =
        typeof raw === 'number' &&
        Number.isFinite(raw) &&
        (spec.exclusiveMin ? raw > spec.min : raw >= spec.min) &&
        (spec.max === undefined || raw <= spec.max);
      if (!ok) throw new InitializerConfigError(owner, key, raw, `a finite number ${describeRange(spec)}${nullable}`);
      return raw as number;
    }
    case 'integer': {
      const ok = typeof raw === 'number' && Number.isInteger(raw) && raw >= spec.min && raw <= spec.max;
      if (!ok) throw new InitializerConfigError(owner, key, raw, `an integer in [${spec.min}, ${spec.max}]${nullable}`);
      return raw as number;
    }
    case 'choice': {
      if (spec.canonical) return spec.canonical(raw);
      if (typeof raw !== 'string' || !spec.values.includes(raw)) {
        throw new InitializerConfigError(
          owner,
          key,
          raw,
          `one of ${spec.values.map((v) => `'${v}'`).join(', ')}${nullable}`,
        );
      }
      return raw;
    }
  }
}

/**
 * Validates `raw` against `spec` and returns every field of the spec, defaults filled
 * in. Throws InitializerConfigError naming the field, the value and what is allowed.
 */
export function parseOptions(
  owner: string,
  spec: OptionSpec,
  raw: unknown,
  extraKeys: readonly string[] = [],
): Record<string, OptionValue> {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new InitializerConfigError(owner, 'options', raw, 'an object');
  const given = raw as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(spec, key) && !LOADER_KEYS.includes(key) && !extraKeys.includes(key)) {
      throw new InitializerConfigError(
        owner,
        `option '${key}'`,
        given[key],
        `absent: allowed options are ${[...Object.keys(spec), ...extraKeys].join(', ')}`,
      );
    }
  }
  const parsed: Record<string, OptionValue> = {};
  for (const key of Object.keys(spec)) {
    const value = Object.prototype.hasOwnProperty.call(given, key) ? given[key] : undefined;
    parsed[key] = parseField(owner, key, spec[key], value);
  }
  return parsed;
}

/** An optional seed: null (fresh values on every apply) or an integer with |seed| <= 2^53 - 1. */
export const SEED_FIELD: FieldSpec = { kind: 'integer', default: null, min: -MAX_SEED, max: MAX_SEED };
/** A strictly positive finite number. */
export function positive(defaultValue: number): FieldSpec {
  return { kind: 'number', default: defaultValue, min: 0, exclusiveMin: true };
}
