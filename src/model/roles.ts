/**
 * The weights of a layer with their roles, as its rule states them (layers/). The model tools read weights through
 * these slots instead of walking layers their own way.
 */
import type * as tf from '@tensorflow/tfjs';
import { BuiltinRule, WeightRole, ruleFor } from './layers/index.js';

type Layer = tf.layers.Layer;

/** A kernel role with its defaults filled in. */
export type KernelRole = Extract<WeightRole, { role: 'kernel' }> & {
  reads: 'input' | 'inner';
  writes: 'output' | 'inner';
};

/** One weight of a layer: its index in `layer.weights`, its name and role. */
export interface WeightSlot {
  /** Index into layer.weights / layer.getWeights(). */
  index: number;
  /** The weight's original name. */
  name: string;
  /** What it is (kernels with `reads` and `writes` filled in). */
  role: WeightRole;
}

/**
 * Every weight of `layer` with its role, [] for a layer without weights, or a sentence saying why the layer's
 * weights have no roles (no rule, an unsupported class, a weight the rule does not name).
 */
export function weightSlots(layer: Layer, rule: BuiltinRule | undefined = ruleFor(layer)): WeightSlot[] | string {
  if (layer.weights.length === 0) return [];
  if (!rule) return `no rule for ${layer.getClassName()} (registerLayerRule adds one)`;
  if (rule.unsupported) return rule.unsupported;
  if (!rule.weights)
    return `the rule for ${layer.getClassName()} names no weights, but the layer has ${layer.weights.length}`;
  const roles = rule.weights(layer);
  if (typeof roles === 'string') return roles;
  if (roles.length !== layer.weights.length) {
    return `the rule for ${layer.getClassName()} gives ${roles.length} roles for ${layer.weights.length} weights`;
  }
  const kernels = roles.filter((r) => r.role === 'kernel').length;
  let k = 0;
  return roles.map((role, index) => {
    const filled: WeightRole =
      role.role === 'kernel'
        ? {
            ...role,
            reads: role.reads ?? (k === 0 ? 'input' : 'inner'),
            writes: role.writes ?? (k === kernels - 1 ? 'output' : 'inner'),
          }
        : role;
    if (role.role === 'kernel') k++;
    return { index, name: layer.weights[index].originalName, role: filled };
  });
}

/** The feed-forward kernel slots of a layer (Dense, Conv, a user's attention), or []. */
export function kernelSlots(layer: Layer): Array<WeightSlot & { role: KernelRole }> {
  const slots = weightSlots(layer);
  return typeof slots === 'string'
    ? []
    : (slots.filter((s) => s.role.role === 'kernel') as Array<WeightSlot & { role: KernelRole }>);
}

/** The kernel whose output leaves the layer (the last one by default): LSUV scales it, Fixup zeroes it. */
export function outputKernel(layer: Layer): (WeightSlot & { role: KernelRole }) | undefined {
  const kernels = kernelSlots(layer);
  return kernels.filter((s) => s.role.writes === 'output').pop() ?? kernels[kernels.length - 1];
}
