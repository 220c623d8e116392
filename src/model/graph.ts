/**
 * Reading a built tfjs model: which layers hold kernels, in what layout, and which
 * nonlinearity each kernel's input went through and which one consumes its output.
 */
import * as tf from '@tensorflow/tfjs';
import { ActivationName, DEFAULT_ALPHA, canonicalActivation } from '../math/activations.js';
import { kernelSlots } from './roles.js';

/** A nonlinearity as found in the model; `data` marks a model input (no nonlinearity, gain 1). */
export interface FoundActivation {
  name: ActivationName | 'data';
  alpha?: number;
  /** where it was found, e.g. "dense_1 (own activation)" or "leaky_re_lu_1" */
  source: string;
  /** the layer whose output is the activated value (the kernel layer itself, or the activation layer) */
  layer?: Layer;
}

type Layer = tf.layers.Layer;

/** Layers that pass values through unchanged in scale (looked through when searching activations). */
const PASS_THROUGH = new Set([
  'Flatten',
  'Reshape',
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'Permute',
  'ZeroPadding2D',
  'Cropping2D',
  'InputLayer',
]);
/** Activation layers and how to read their nonlinearity. */
const ACTIVATION_LAYERS = new Set(['Activation', 'ReLU', 'LeakyReLU', 'ELU', 'PReLU', 'Softmax', 'ThresholdedReLU']);

/** The layer's class name, e.g. `Dense`. */
export function className(layer: Layer): string {
  return layer.getClassName();
}

export function isKernelLayer(layer: Layer): boolean {
  return kernelSlots(layer).length > 0;
}

function fromName(name: unknown, source: string, alpha?: number): FoundActivation {
  if (typeof name !== 'string' || name === 'softmax' || name === 'logSoftmax' || name === 'linear')
    return { name: 'linear', source };
  return { name: canonicalActivation(name, 'initializeModel'), alpha, source };
}

/** The nonlinearity of an activation layer. */
function activationOfLayer(layer: Layer): FoundActivation {
  const config = layer.getConfig() as Record<string, unknown>;
  const source = layer.name;
  switch (className(layer)) {
    case 'ReLU':
      return { name: config.maxValue === 6 ? 'relu6' : 'relu', source };
    case 'LeakyReLU':
      return {
        name: 'leakyRelu',
        alpha: typeof config.alpha === 'number' ? config.alpha : DEFAULT_ALPHA.leakyRelu,
        source,
      };
    case 'ELU':
      return { name: 'elu', alpha: typeof config.alpha === 'number' ? config.alpha : DEFAULT_ALPHA.elu, source };
    case 'PReLU': {
      // the slope as it is now (its initial value on a fresh model), averaged over channels
      const w = layer.getWeights()[0];
      const alpha = w ? tf.tidy(() => w.mean().dataSync()[0]) : 0;
      return { name: 'prelu', alpha, source: `${source} (current slope)` };
    }
    case 'Softmax':
      return { name: 'linear', source: `${source} (softmax counted as linear)` };
    case 'ThresholdedReLU':
      return { name: 'linear', source: `${source} (thresholded relu has no gain formula here: counted as linear)` };
    case 'Activation':
      return fromName(config.activation, source);
    default:
      return { name: 'linear', source };
  }
}

/** A kernel layer's fused activation (Dense, Conv: their `activation` option). */
export function ownActivation(layer: Layer): FoundActivation {
  const config = layer.getConfig() as Record<string, unknown>;
  return fromName(config.activation, `${layer.name} (own activation)`);
}

function consumers(layer: Layer): Layer[] {
  return layer.outboundNodes.map((n) => n.outboundLayer);
}

function producers(layer: Layer): Layer[] {
  return layer.inboundNodes.length ? layer.inboundNodes[0].inboundLayers : [];
}

/**
 * The nonlinearity applied to a layer's output: its own activation if it has one, else an
 * activation layer reached through pass-through layers; linear if none, or if the output
 * branches (the report says so).
 */
export function activationAfter(layer: Layer): FoundActivation {
  const own = ownActivation(layer);
  if (own.name !== 'linear' || /softmax/.test(String((layer.getConfig() as Record<string, unknown>).activation)))
    return { ...own, layer };
  let current = layer;
  for (;;) {
    const next = consumers(current);
    if (next.length !== 1)
      return {
        name: 'linear',
        source: next.length ? `${current.name} (branches: assumed linear)` : `${current.name} (model output)`,
      };
    const c = next[0];
    if (ACTIVATION_LAYERS.has(className(c))) return { ...activationOfLayer(c), layer: c };
    if (!PASS_THROUGH.has(className(c))) return { name: 'linear', source: `${layer.name} (followed by ${c.name})` };
    current = c;
  }
}

/**
 * The nonlinearity the layer's input went through: `data` for a model input, the activation
 * of an activation layer or of the kernel layer upstream (through pass-through layers).
 */
export function activationBefore(layer: Layer): FoundActivation {
  let current = layer;
  for (;;) {
    const prev = producers(current);
    if (prev.length === 0) return { name: 'data', source: 'model input' };
    if (prev.length !== 1) return { name: 'linear', source: `${current.name} (merged inputs: assumed linear)` };
    const p = prev[0];
    const cls = className(p);
    if (cls === 'InputLayer') return { name: 'data', source: 'model input' };
    if (ACTIVATION_LAYERS.has(cls)) return activationOfLayer(p);
    if (isKernelLayer(p)) return ownActivation(p);
    if (!PASS_THROUGH.has(cls)) return { name: 'linear', source: `${p.name} (assumed linear)` };
    current = p;
  }
}

/** Kernel layers in the model's layer order (its topological order). */
export function kernelLayers(model: tf.LayersModel): Layer[] {
  return model.layers.filter(isKernelLayer);
}

/** True when every layer has at most one producer and one consumer (Sequential and chain-shaped functional models). */
export function isChain(model: tf.LayersModel): boolean {
  return model.layers.every((l) => producers(l).length <= 1 && consumers(l).length <= 1);
}

/**
 * Replaces weights of `layer` by index (the tensors are taken over and disposed) and, when
 * `zeroBiases`, sets its bias weights to zero.
 */
export function replaceWeights(layer: Layer, replacements: ReadonlyMap<number, tf.Tensor>, zeroBiases: boolean): void {
  const weights = layer.getWeights();
  const made: tf.Tensor[] = [...replacements.values()];
  const next = weights.map((w, i) => {
    const r = replacements.get(i);
    if (r) return r;
    if (zeroBiases && /bias$/.test(layer.weights[i].originalName)) {
      const zeros = tf.zerosLike(w);
      made.push(zeros);
      return zeros;
    }
    return w;
  });
  try {
    layer.setWeights(next);
  } finally {
    tf.dispose(made);
  }
}
