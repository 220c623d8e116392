/**
 * Portable export: rewrites this package's initializer configs in a model's JSON into
 * stock tfjs ones, so the model loads where this package is not installed.
 * Exact translations: uniform -> stock VarianceScaling 'uniform'; truncatedNormal -> stock
 * 'normal' (which is truncated at 2 sigma without correction) with scale / 0.8796^2, which
 * gives exactly the corrected std; Orthogonal -> stock Orthogonal. Where stock tfjs cannot
 * express a config (untruncated normal, fanGeoAvg, non-default fan layouts or axes), the
 * nearest stock config is used and the report says why it is not exact. Weights are untouched:
 * only the initializers a model would use for a fresh build change.
 */
import * as tf from '@tensorflow/tfjs';
import { CLASS_PREFIX } from '../initializers/base.js';
import type { VarianceScalingParams } from '../initializers/variance_scaling.js';
import { TRUNCATED_NORMAL_STD } from '../sampling/distributions.js';

export interface PortableEntry {
  /** JSON path of the initializer, e.g. `config.layers[0].config.kernel_initializer` */
  path: string;
  className: string;
  stockClassName: string;
  exact: boolean;
  reason?: string;
}

export interface PortableResult {
  /** The model topology (snake_case JSON, as model.toJSON gives) with stock initializers. */
  modelTopology: tf.io.ModelJSON['modelTopology'];
  entries: PortableEntry[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const camel = (s: string): string => s.replace(/_+(\w)/g, (_m, c: string) => c.toUpperCase());
const snake = (s: string): string =>
  s
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();

/** A pythonic config back to the camelCase form our constructors take (as tfjs's loader does). */
function toCamel(value: Json): Json {
  if (typeof value === 'string') return camel(value);
  if (Array.isArray(value)) return value.map(toCamel);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value)) out[camel(key)] = toCamel(value[key]);
    return out;
  }
  return value;
}

function stockVarianceScaling(p: VarianceScalingParams): {
  config: { [key: string]: Json };
  exact: boolean;
  reason?: string;
} {
  const reasons: string[] = [];
  let mode = p.mode;
  if (mode === 'fanGeoAvg') {
    reasons.push('stock tfjs has no fanGeoAvg mode (used fanAvg)');
    mode = 'fanAvg';
  }
  if (p.layout !== 'auto' && p.layout !== 'dense' && p.layout !== 'conv')
    reasons.push(`stock tfjs computes fans with the generic rule, not layout '${p.layout}'`);
  if (p.inAxis !== null || p.outAxis !== null) reasons.push('stock tfjs has no explicit fan axes');
  let scale = p.scale;
  let distribution = 'uniform';
  if (p.distribution !== 'uniform') {
    // stock 'normal' draws a normal truncated at 2 sigma with sigma = sqrt(scale / fan), std 0.8796 sigma.
    scale = p.scale / (TRUNCATED_NORMAL_STD * TRUNCATED_NORMAL_STD);
    distribution = 'normal';
    if (p.distribution === 'normal')
      reasons.push('stock tfjs has no untruncated variance scaling (used the truncated normal with the same std)');
  }
  return {
    config: { scale, mode: snake(mode), distribution, seed: p.seed },
    exact: reasons.length === 0,
    reason: reasons.length ? reasons.join('; ') : undefined,
  };
}

/** Stock replacement of one of our initializer configs (snake_case JSON). */
function translate(
  className: string,
  config: Json,
): { stock: { [key: string]: Json }; entry: Omit<PortableEntry, 'path'> } {
  const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[className] ?? [];
  if (cls === undefined) throw new Error(`toPortable: unknown initializer className '${className}'`);
  const init = fromConfig(cls, toCamel(config ?? {}) as tf.serialization.ConfigDict) as unknown as {
    params?: VarianceScalingParams;
    getConfig(): tf.serialization.ConfigDict;
  };
  if (className === `${CLASS_PREFIX}Orthogonal`) {
    const c = init.getConfig();
    return {
      stock: { class_name: 'Orthogonal', config: { gain: c.gain as number, seed: c.seed as number | null } },
      entry: { className, stockClassName: 'Orthogonal', exact: true },
    };
  }
  if (!init.params) throw new Error(`toPortable: no stock translation for '${className}'`);
  const t = stockVarianceScaling(init.params);
  return {
    stock: { class_name: 'VarianceScaling', config: t.config },
    entry: { className, stockClassName: 'VarianceScaling', exact: t.exact, reason: t.reason },
  };
}

function rewrite(node: Json, where: string, entries: PortableEntry[]): Json {
  if (Array.isArray(node)) return node.map((v, i) => rewrite(v, `${where}[${i}]`, entries));
  if (node === null || typeof node !== 'object') return node;
  const className = node.class_name ?? node.className;
  if (typeof className === 'string' && className.startsWith(CLASS_PREFIX)) {
    const { stock, entry } = translate(className, node.config);
    entries.push({ path: where, ...entry });
    return stock;
  }
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(node)) out[key] = rewrite(node[key], where ? `${where}.${key}` : key, entries);
  return out;
}

/**
 * The model's topology with every initializer of this package replaced by a stock tfjs one,
 * and a report of what was translated exactly. Accepts a LayersModel or the topology JSON
 * (`model.toJSON(null, false)`, or `modelTopology` from a model.json).
 */
export function toPortable(model: tf.LayersModel | object): PortableResult {
  const topology = (
    model instanceof tf.LayersModel ? model.toJSON(null, false) : JSON.parse(JSON.stringify(model))
  ) as Json;
  const entries: PortableEntry[] = [];
  const modelTopology = rewrite(topology, '', entries) as tf.io.ModelJSON['modelTopology'];
  return { modelTopology, entries };
}
