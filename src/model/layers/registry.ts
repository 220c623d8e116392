/**
 * The table of layer rules: one rule per layer class, built in (one file per family, listed in builtin.ts) or
 * registered by a user for a layer class of their own (`registerLayerRule`, which wins over a built-in rule).
 * The model tools ask `ruleFor(layer)` and nothing else about a layer's class.
 */
import type * as tf from '@tensorflow/tfjs';
import { InitializerConfigError } from '../../errors.js';
import { LayerRule, MergeKind, ProbeKind, SignalPassing } from './types.js';

type Layer = tf.layers.Layer;

/** A built-in rule: a LayerRule that may also run the layer for the tools (BatchNorm in training mode). */
export interface BuiltinRule extends LayerRule {
  /**
   * Runs the layer on concrete inputs in place of `layer.apply`, so that a tool neither changes the layer's state
   * (BatchNorm's moving statistics) nor trips over a tfjs limitation (BatchNorm without a scale in training mode).
   */
  run?: (layer: Layer, inputs: tf.Tensor[], training: boolean) => tf.Tensor;
  /** The class is a model (Sequential, Functional): the tools walk the layers it holds instead. */
  nested?: boolean;
  /**
   * Its moment rule keeps per-position moments (Stats.positions) right, or leaves them out; a prediction drops them
   * after a layer whose rule does not say so.
   */
  positions?: boolean;
  /** A wrapper whose rule depends on the layer it wraps (TimeDistributed): the rule for this layer. */
  resolve?: (layer: Layer) => BuiltinRule;
}

/** A family's rules by class name. */
export type RuleFamily = Readonly<Record<string, BuiltinRule>>;

const builtin = new Map<string, BuiltinRule>();
const user = new Map<string, LayerRule>();

/** Adds a family's rules to the built-in table (builtin.ts calls it once per family file). */
export function addBuiltinRules(family: RuleFamily): void {
  for (const [cls, rule] of Object.entries(family)) {
    if (builtin.has(cls)) throw new Error(`layer rule for ${cls} declared twice`);
    builtin.set(cls, rule);
  }
}

/** The built-in rules by class name (for the enumeration tests and the README's table). */
export function builtinRules(): ReadonlyMap<string, BuiltinRule> {
  return builtin;
}

/** The rule for a layer (a user's rule first), or undefined for a class the tools do not know. */
export function ruleFor(layer: Layer): BuiltinRule | undefined {
  const cls = layer.getClassName();
  const rule: BuiltinRule | undefined = user.get(cls) ?? builtin.get(cls);
  return rule?.resolve ? rule.resolve(layer) : rule;
}

/** The rule for a class name (a user's rule first). */
export function ruleForClass(className: string): BuiltinRule | undefined {
  return user.get(className) ?? builtin.get(className);
}

const FIELDS: Readonly<Record<keyof LayerRule, 'function' | readonly string[] | 'string'>> = {
  weights: 'function',
  passes: ['kernel', 'activation', 'through', 'opaque'] satisfies readonly SignalPassing[],
  activation: 'function',
  moments: 'function',
  probe: ['kernel', 'recurrent', 'embedding', 'layer'] satisfies readonly ProbeKind[],
  merge: ['sum', 'average', 'product', 'max', 'min', 'concat', 'dot'] satisfies readonly MergeKind[],
  ids: 'function',
  forwardMultiplier: 'function',
  unsupported: 'string',
};

/**
 * Registers the rule for a layer class of your own (its `getClassName()`), so that initializeModel, lsuv,
 * predictSignal, signalPropagation and residual detection handle it like a built-in layer. A rule registered
 * for a built-in class replaces the built-in rule; registering again replaces your earlier rule. A rule with an
 * unknown field or a field of the wrong kind is refused with an InitializerConfigError.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { predictSignal, registerLayerRule, signalMoments } from 'tfjs-initializers';
 *
 * // a user's layer: multiplies its input by a fixed factor
 * class ScaleBy extends tf.layers.Layer {
 *   static className = 'ScaleBy';
 *   factor: number;
 *   constructor(config: { factor: number }) {
 *     super({});
 *     this.factor = config.factor;
 *   }
 *   call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
 *     return tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.factor);
 *   }
 *   getConfig() {
 *     return { ...super.getConfig(), factor: this.factor };
 *   }
 * }
 * tf.serialization.registerClass(ScaleBy);
 *
 * // how the signal passes it: means times the factor, second moments times its square
 * registerLayerRule('ScaleBy', {
 *   passes: 'through',
 *   moments: ({ inputs, layer }) => {
 *     const f = (layer as unknown as ScaleBy).factor;
 *     return { moments: signalMoments.scale(inputs[0], f, f * f), exact: true };
 *   },
 * });
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 64, inputShape: [64] }), new ScaleBy({ factor: 2 })] });
 * console.log(predictSignal(model).map((r) => r.className).join(' > '));
 * ```
 * ```text output
 * InputLayer > Dense > ScaleBy
 * ```
 */
export function registerLayerRule(className: string, rule: LayerRule): void {
  const owner = 'registerLayerRule';
  if (typeof className !== 'string' || !/^[A-Za-z_][\w>.-]*$/.test(className)) {
    throw new InitializerConfigError(owner, 'className', className, 'a layer class name (its getClassName())');
  }
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
    throw new InitializerConfigError(owner, 'rule', rule, 'an object with the fields of a LayerRule');
  }
  for (const [key, value] of Object.entries(rule)) {
    const kind = (FIELDS as Record<string, (typeof FIELDS)[keyof LayerRule] | undefined>)[key];
    if (!Object.prototype.hasOwnProperty.call(FIELDS, key)) {
      throw new InitializerConfigError(
        owner,
        `rule.${key}`,
        value,
        `absent: a LayerRule has ${Object.keys(FIELDS).join(', ')}`,
      );
    }
    if (value === undefined) continue;
    if (kind === 'function' && typeof value !== 'function')
      throw new InitializerConfigError(owner, `rule.${key}`, value, 'a function');
    if (kind === 'string' && (typeof value !== 'string' || value.length === 0))
      throw new InitializerConfigError(owner, `rule.${key}`, value, 'a sentence saying why');
    if (Array.isArray(kind) && !kind.includes(value as string))
      throw new InitializerConfigError(owner, `rule.${key}`, value, `one of ${kind.join(', ')}`);
  }
  if (rule.probe === 'kernel' && rule.weights === undefined) {
    throw new InitializerConfigError(
      owner,
      'rule.probe',
      rule.probe,
      "'layer' (or a weights function) for a layer whose kernels the rule does not name",
    );
  }
  user.set(className, { ...rule });
}

/**
 * Removes a rule registered with registerLayerRule (the built-in rule, if any, applies again).
 *
 * @example
 * ```ts
 * import { registerLayerRule, unregisterLayerRule } from 'tfjs-initializers';
 *
 * registerLayerRule('MyPassThrough', { passes: 'through' });
 * console.log(unregisterLayerRule('MyPassThrough'), unregisterLayerRule('MyPassThrough'));
 * ```
 * ```text output
 * true false
 * ```
 */
export function unregisterLayerRule(className: string): boolean {
  return user.delete(className);
}
