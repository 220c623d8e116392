/**
 * Declarative option specs: the one place an option is declared. A spec gives each
 * option its kind, range and default; the options type a constructor takes and the
 * config type `getConfig` returns are derived from it (`OptionsOf`, `ConfigOf`), and one
 * parser validates constructor options and loaded configs alike, so getConfig and
 * fromConfig are symmetric. A config is untrusted input (it may come from a model.json):
 * only own keys are read, and unknown keys (including `__proto__`) are rejected.
 */
import { InitializerConfigError } from './errors.js';
import { MAX_SEED } from './sampling/prng.js';

/** A number in a range; `default: null` makes the option nullable. */
export interface NumberField<D extends number | null = number | null> {
  /** Discriminant. */
  readonly kind: 'number';
  /** Value when the option is omitted or null. */
  readonly default: D;
  /** Lower bound. */
  readonly min: number;
  /** Whether the lower bound is excluded. */
  readonly exclusiveMin?: boolean;
  /** Upper bound. */
  readonly max?: number;
  /** Whether the upper bound is excluded. */
  readonly exclusiveMax?: boolean;
}
/** An integer in [min, max]. */
export interface IntegerField<D extends number | null = number | null> {
  /** Discriminant. */
  readonly kind: 'integer';
  /** Value when the option is omitted or null. */
  readonly default: D;
  /** Lower bound. */
  readonly min: number;
  /** Upper bound. */
  readonly max: number;
}
/** One of a list of strings; `canonical` maps other spellings (and rejects the rest). */
export interface ChoiceField<V extends string = string, D extends V | null = V | null, In = V> {
  /** Discriminant. */
  readonly kind: 'choice';
  /** Value when the option is omitted or null. */
  readonly default: D;
  /** The allowed values. */
  readonly values: readonly V[];
  /** Maps other spellings to a value (and throws for the rest). */
  readonly canonical?: (value: unknown) => V;
  /** Other names for values (snake_case spellings of the values are accepted without one). */
  readonly aliases?: Readonly<Record<string, V>>;
  /** Phantom: the type a caller may pass (wider than V when `canonical` maps spellings). */
  readonly input?: In;
}
/** true or false. */
export interface BooleanField<D extends boolean = boolean> {
  /** Discriminant. */
  readonly kind: 'boolean';
  /** Value when the option is omitted or null. */
  readonly default: D;
}
/** An integer or a non-empty list of distinct integers in [min, max] (axes); null when unset. */
export interface AxesField {
  /** Discriminant. */
  readonly kind: 'axes';
  /** Value when the option is omitted or null. */
  readonly default: null;
  /** Lower bound. */
  readonly min: number;
  /** Upper bound. */
  readonly max: number;
}
/** A finite number >= min, or one of a few named values (e.g. `forgetBias`: a number or 'chrono'). */
export interface NumberOrChoiceField<A extends string = string, D extends number | A = number | A> {
  /** Discriminant. */
  readonly kind: 'numberOrChoice';
  /** Value when the option is omitted or null. */
  readonly default: D;
  /** Lower bound of the numbers. */
  readonly min: number;
  /** The named values allowed besides numbers. */
  readonly values: readonly A[];
}
/** A list of finite numbers of at most `maxLength` entries; null when unset. */
export interface NumbersField {
  /** Discriminant. */
  readonly kind: 'numbers';
  /** Value when the option is omitted or null. */
  readonly default: null;
  /** Longest list allowed. */
  readonly maxLength: number;
  /** Refuse null / omitted. */
  readonly required?: boolean;
}

/** A function the tool calls back (a progress report); null when unset. Never part of a config. */
export interface CallbackField<F extends (...args: never[]) => void = (...args: never[]) => void> {
  /** Discriminant. */
  readonly kind: 'callback';
  /** Value when the option is omitted or null. */
  readonly default: null;
  /** Phantom: the callback's type. */
  readonly signature?: F;
}

/** Any option declaration. */
export type Field =
  | NumberField
  | IntegerField
  | ChoiceField
  | BooleanField
  | AxesField
  | NumbersField
  | NumberOrChoiceField
  | CallbackField;
/** A record of option declarations, keyed by option name. */
export type OptionSpec = Readonly<Record<string, Field>>;
/** Any value a parsed option can hold. */
export type OptionValue = number | string | boolean | null | number[] | ((...args: never[]) => void);

type Nullable<D> = null extends D ? null : never;
/** The parsed value of a field. */
export type ValueOf<F> =
  F extends NumberField<infer D>
    ? number | Nullable<D>
    : F extends IntegerField<infer D>
      ? number | Nullable<D>
      : F extends ChoiceField<infer V, infer D, infer _In>
        ? V | Nullable<D>
        : F extends BooleanField
          ? boolean
          : F extends AxesField
            ? number | number[] | null
            : F extends NumbersField
              ? number[] | null
              : F extends NumberOrChoiceField<infer A>
                ? number | A
                : F extends CallbackField<infer C>
                  ? C | null
                  : never;
/** What a caller may pass for a field (null or omitted selects the default). */
export type InputOf<F> = F extends ChoiceField<string, infer D, infer In> ? In | Nullable<D> : ValueOf<F>;

/** The options a constructor takes: every field optional. */
export type OptionsOf<S extends OptionSpec> = { -readonly [K in keyof S]?: InputOf<S[K]> };
/** The config getConfig returns: every field, defaults filled in. */
export type ConfigOf<S extends OptionSpec> = { -readonly [K in keyof S]: ValueOf<S[K]> };

/** Declares a spec, keeping each field's literal type (and its doc comment, for the derived types). */
export function defineOptions<const S extends OptionSpec>(spec: S): S {
  return Object.freeze(spec);
}

/** Keys the tfjs loader adds to every config it passes to fromConfig. */
const LOADER_KEYS = ['customObjects'];

function describeRange(spec: { min: number; exclusiveMin?: boolean; max?: number; exclusiveMax?: boolean }): string {
  if (spec.min === -Infinity && spec.max === undefined) return '';
  const low = ` ${spec.exclusiveMin ? '>' : '>='} ${spec.min}`;
  return spec.max === undefined ? low : `${low} and ${spec.exclusiveMax ? '<' : '<='} ${spec.max}`;
}

const isInteger = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** What a field allows, in words (for error messages and docs). */
export function describeField(spec: Field): string {
  const nullable = spec.default === null ? ', or null' : '';
  switch (spec.kind) {
    case 'number':
      return `a finite number${describeRange(spec)}${nullable}`;
    case 'integer':
      return `an integer in [${spec.min}, ${spec.max}]${nullable}`;
    case 'choice':
      return `one of ${spec.values.map((v) => `'${v}'`).join(', ')}${nullable}`;
    case 'boolean':
      return 'true or false';
    case 'numberOrChoice':
      return `a finite number >= ${spec.min}, or ${spec.values.map((v) => `'${v}'`).join(', ')}`;
    case 'axes':
      return `an integer in [${spec.min}, ${spec.max}] or a non-empty list of distinct ones${nullable}`;
    case 'numbers':
      return `an array of at most ${spec.maxLength} finite numbers${spec.required ? '' : nullable}`;
    case 'callback':
      return 'a function, or null';
  }
}

/** Validates one field; throws InitializerConfigError naming the field, the value and what is allowed. */
function parseField(owner: string, key: string, spec: Field, raw: unknown): OptionValue {
  if ((raw === undefined || raw === null) && spec.kind === 'numbers' && spec.required) {
    throw new InitializerConfigError(owner, key, raw, describeField(spec));
  }
  if (raw === undefined || raw === null) return spec.default;
  const fail = (): never => {
    throw new InitializerConfigError(owner, key, raw, describeField(spec));
  };
  switch (spec.kind) {
    case 'number': {
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return fail();
      const aboveMin = spec.exclusiveMin ? raw > spec.min : raw >= spec.min;
      const belowMax = spec.max === undefined || (spec.exclusiveMax ? raw < spec.max : raw <= spec.max);
      return aboveMin && belowMax ? raw : fail();
    }
    case 'integer':
      return isInteger(raw, spec.min, spec.max) ? raw : fail();
    case 'choice': {
      if (spec.canonical) return spec.canonical(raw);
      if (typeof raw !== 'string') return fail();
      // Keras and PyTorch spell values in snake_case (`fan_in`, `truncated_normal`); tfjs configs in camelCase.
      const camel = raw.replace(/_+([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
      const aliased = spec.aliases?.[raw] ?? spec.aliases?.[camel];
      if (aliased !== undefined) return aliased;
      if (spec.values.includes(raw)) return raw;
      return spec.values.includes(camel) ? camel : fail();
    }
    case 'boolean':
      return typeof raw === 'boolean' ? raw : fail();
    case 'numberOrChoice':
      if (typeof raw === 'string') return spec.values.includes(raw) ? raw : fail();
      return typeof raw === 'number' && Number.isFinite(raw) && raw >= spec.min ? raw : fail();
    case 'axes': {
      if (isInteger(raw, spec.min, spec.max)) return raw;
      const ok =
        Array.isArray(raw) &&
        raw.length > 0 &&
        raw.every((a) => isInteger(a, spec.min, spec.max)) &&
        new Set(raw).size === raw.length;
      return ok ? [...(raw as number[])] : fail();
    }
    case 'numbers': {
      const ok =
        Array.isArray(raw) &&
        raw.length <= spec.maxLength &&
        raw.every((v) => typeof v === 'number' && Number.isFinite(v));
      return ok ? [...(raw as number[])] : fail();
    }
    case 'callback':
      return typeof raw === 'function' ? (raw as (...args: never[]) => void) : fail();
  }
}

/**
 * Validates `raw` against `spec` and returns every field of the spec, defaults filled in.
 * `extraKeys` are accepted and dropped (an alias the caller folded in already). Throws
 * InitializerConfigError naming the field, the value and what is allowed.
 */
export function parseOptions<S extends OptionSpec>(
  owner: string,
  spec: S,
  raw: unknown,
  extraKeys: readonly string[] = [],
): ConfigOf<S> {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new InitializerConfigError(
      owner,
      'options',
      raw,
      `an object of named options (${Object.keys(spec).join(', ')}), e.g. {${Object.keys(spec)[0]}: ...}`,
    );
  const given = raw as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    const known = Object.prototype.hasOwnProperty.call(spec, key) || LOADER_KEYS.includes(key);
    if (!known && !extraKeys.includes(key)) {
      const allowed = [...Object.keys(spec), ...extraKeys].join(', ');
      throw new InitializerConfigError(owner, `option '${key}'`, given[key], `absent: allowed options are ${allowed}`);
    }
  }
  const parsed: Record<string, OptionValue> = {};
  for (const key of Object.keys(spec)) {
    const value = Object.prototype.hasOwnProperty.call(given, key) ? given[key] : undefined;
    parsed[key] = parseField(owner, key, spec[key], value);
  }
  return parsed as ConfigOf<S>;
}

// ------------------------------------------------------------------ field makers

/** A finite number > 0 (or >= 0 with `orZero`). */
export function positive<const D extends number | null>(defaultValue: D, orZero = false): NumberField<D> {
  return { kind: 'number', default: defaultValue, min: 0, exclusiveMin: !orZero };
}
/** Any finite number. */
export function finite<const D extends number | null>(defaultValue: D): NumberField<D> {
  return { kind: 'number', default: defaultValue, min: -Infinity };
}
/** A finite number in [min, max] (bounds exclusive where asked). */
export function numberIn<const D extends number | null>(
  defaultValue: D,
  min: number,
  max?: number,
  exclusive: { min?: boolean; max?: boolean } = {},
): NumberField<D> {
  return { kind: 'number', default: defaultValue, min, max, exclusiveMin: exclusive.min, exclusiveMax: exclusive.max };
}
/** An integer in [min, max]. */
export function integerIn<const D extends number | null>(defaultValue: D, min: number, max: number): IntegerField<D> {
  return { kind: 'integer', default: defaultValue, min, max };
}
/** One of `values` (or an alias of one; snake_case spellings are accepted too). */
export function choice<const V extends string, const D extends V | null>(
  values: readonly V[],
  defaultValue: D,
  aliases?: Readonly<Record<string, V>>,
): ChoiceField<V, D> {
  return { kind: 'choice', default: defaultValue, values, aliases };
}
/** true or false. */
export function flag<const D extends boolean>(defaultValue: D): BooleanField<D> {
  return { kind: 'boolean', default: defaultValue };
}
/** Optional axes: an integer or a non-empty list of distinct integers in [min, max]; null when unset. */
export function axes(min = -32, max = 31): AxesField {
  return { kind: 'axes', default: null, min, max };
}
/** An optional list of finite numbers (at most `maxLength`); `required` refuses null. */
export function numbers(maxLength: number, required = false): NumbersField {
  return { kind: 'numbers', default: null, maxLength, required };
}
/** A finite number >= min, or one of `values`. */
export function numberOr<const A extends string, const D extends number | A>(
  defaultValue: D,
  min: number,
  values: readonly A[],
): NumberOrChoiceField<A, D> {
  return { kind: 'numberOrChoice', default: defaultValue, min, values };
}
/** An optional callback of type F (a progress report). */
export function callback<F extends (...args: never[]) => void>(): CallbackField<F> {
  return { kind: 'callback', default: null };
}
/** An optional seed: null (fresh values on every apply) or an integer with |seed| <= 2^53 - 1. */
export const SEED_FIELD: IntegerField<null> = integerIn(null, -MAX_SEED, MAX_SEED);
