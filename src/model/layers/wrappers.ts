/**
 * Wrappers and containers: TimeDistributed (the rule of the layer it wraps, applied at every step), Bidirectional
 * (two recurrent layers), models used as layers (Sequential, Functional: the tools walk the layers they hold) and
 * the InputLayer.
 */
import type * as tf from '@tensorflow/tfjs';
import { fusedActivation } from './common.js';
import { recurrentMoments } from './recurrent.js';
import { BuiltinRule, RuleFamily, ruleFor } from './registry.js';
import { MomentRule, WeightRole } from './types.js';

type Layer = tf.layers.Layer;

const inner = (layer: Layer): Layer => (layer as unknown as { layer: Layer }).layer;

/** TimeDistributed: the wrapped layer's rule, its moments computed on one step's shapes (time axis dropped). */
function timeDistributed(layer: Layer): BuiltinRule {
  const wrapped = inner(layer);
  const rule = ruleFor(wrapped);
  if (!rule || rule.unsupported) {
    return {
      unsupported: `TimeDistributed of ${wrapped.getClassName()}: ${rule?.unsupported ?? 'a class with no rule'}`,
    };
  }
  const drop = (s: tf.Shape): tf.Shape => [s[0], ...s.slice(2)];
  const moments: MomentRule | undefined =
    rule.moments &&
    ((input) =>
      (rule.moments as MomentRule)({
        ...input,
        layer: wrapped,
        weights: input.weightsOf(wrapped),
        inputShapes: input.inputShapes.map(drop),
        outputShapes: input.outputShapes.map(drop),
      }));
  return {
    weights: rule.weights && (() => (rule.weights as (l: Layer) => WeightRole[] | string)(wrapped)),
    passes: rule.passes,
    activation: (_layer, weights) => (rule.activation ? rule.activation(wrapped, weights) : fusedActivation(wrapped)),
    moments,
    probe: rule.probe,
  };
}

/** Bidirectional: the forward layer's weights, then the backward layer's. */
function bidirectionalRoles(layer: Layer): WeightRole[] | string {
  const { forwardLayer, backwardLayer } = layer as unknown as { forwardLayer: Layer; backwardLayer: Layer };
  const roles = [forwardLayer, backwardLayer].map((l) => ruleFor(l)?.weights?.(l) ?? `${l.getClassName()} has no rule`);
  const [f, b] = roles;
  if (typeof f === 'string') return f;
  if (typeof b === 'string') return b;
  return [...f, ...b];
}

const NESTED: BuiltinRule = { nested: true };

/** The rules of this family. */
export const WRAPPER_RULES: RuleFamily = {
  InputLayer: { passes: 'through', moments: ({ inputs }) => ({ moments: inputs[0] }), positions: true },
  TimeDistributed: { resolve: timeDistributed },
  Bidirectional: { weights: bidirectionalRoles, moments: recurrentMoments, probe: 'recurrent' },
  Model: NESTED,
  Functional: NESTED,
  Sequential: NESTED,
};
