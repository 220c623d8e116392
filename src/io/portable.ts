/**
 * Portable export: rewrites this package's initializer configs in a model's JSON into
 * stock tfjs ones, so the model loads where this package is not installed. Each class says
 * how (its `toStock`): exactly, as the nearest stock config with the reason it is not exact,
 * or not at all (the config is then left as it is, and the report says why). Weights are
 * untouched: only the initializers a model would use for a fresh build change.
 */
import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError } from '../errors.js';
import { CLASS_PREFIX, ConfiguredInitializer } from '../initializers/base.js';
import type { OptionSpec } from '../options.js';

/** What toPortable did with one initializer. */
export interface PortableEntry {
  /** JSON path of the initializer, e.g. `config.layers[0].config.kernel_initializer` */
  path: string;
  /** Our className, e.g. `TfjsInit>HeNormal`. */
  className: string;
  /** The stock className written in its place; null when stock tfjs has no counterpart (left as it was). */
  stockClassName: string | null;
  /** True when the stock initializer draws from the same distribution. */
  exact: boolean;
  /** Why the translation is not exact, or why there is none. */
  reason?: string;
}

/** The rewritten topology and what was done to each initializer. */
export interface PortableResult {
  /** The model topology (snake_case JSON, as model.toJSON gives) with stock initializers. */
  modelTopology: tf.io.ModelJSON['modelTopology'];
  /** One entry per initializer of this package found in the topology. */
  entries: PortableEntry[];
  /** True when no initializer of this package is left: the topology loads without the plugin. */
  loadsWithoutPlugin: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const camel = (s: string): string => s.replace(/_+(\w)/g, (_m, c: string) => c.toUpperCase());
const snake = (s: string): string =>
  s
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();

/** Converts keys (and string values) between tfjs's pythonic JSON and the camelCase our constructors take. */
function convert(value: Json, f: (s: string) => string): Json {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => convert(v, f));
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value)) out[f(key)] = convert(value[key], f);
    return out;
  }
  return value;
}

/** Our initializer for a pythonic config, as the tfjs loader would build it. */
function revive(className: string, config: Json): ConfiguredInitializer<OptionSpec> {
  const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[className] ?? [];
  if (cls === undefined) {
    throw new InitializerConfigError('toPortable', 'className', className, 'a className this package registers');
  }
  const camelConfig = convert(config ?? {}, camel) as tf.serialization.ConfigDict;
  return fromConfig(cls, camelConfig) as unknown as ConfiguredInitializer<OptionSpec>;
}

function rewrite(node: Json, where: string, entries: PortableEntry[]): Json {
  if (Array.isArray(node)) return node.map((v, i) => rewrite(v, `${where}[${i}]`, entries));
  if (node === null || typeof node !== 'object') return node;
  const className = node.class_name ?? node.className;
  if (typeof className === 'string' && className.startsWith(CLASS_PREFIX)) {
    const stock = revive(className, node.config).toStock();
    if (stock.className === null) {
      entries.push({ path: where, className, stockClassName: null, exact: false, reason: stock.reason });
      return node;
    }
    entries.push({ path: where, className, stockClassName: stock.className, exact: stock.exact, reason: stock.reason });
    return { class_name: stock.className, config: convert(stock.config as Json, snake) };
  }
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(node)) out[key] = rewrite(node[key], where ? `${where}.${key}` : key, entries);
  return out;
}

/**
 * The model's topology with every initializer of this package replaced by a stock tfjs one,
 * and a report of what was translated exactly. Accepts a LayersModel or the topology JSON
 * (`model.toJSON(null, false)`, or `modelTopology` from a model.json).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { heUniform, toPortable } from 'tfjs-initializers';
 *
 * const model = tf.sequential({
 *   layers: [tf.layers.dense({ units: 8, inputShape: [4], kernelInitializer: heUniform({ seed: 1 }) })],
 * });
 * const { modelTopology, entries, loadsWithoutPlugin } = toPortable(model);
 * console.log(entries[0].stockClassName, entries[0].exact, loadsWithoutPlugin);
 * ```
 * ```text output
 * VarianceScaling true true
 * ```
 */
export function toPortable(model: tf.LayersModel | object): PortableResult {
  const topology = (
    model instanceof tf.LayersModel ? model.toJSON(null, false) : JSON.parse(JSON.stringify(model))
  ) as Json;
  const entries: PortableEntry[] = [];
  const modelTopology = rewrite(topology, '', entries) as tf.io.ModelJSON['modelTopology'];
  return { modelTopology, entries, loadsWithoutPlugin: entries.every((e) => e.stockClassName !== null) };
}
