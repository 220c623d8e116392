/**
 * Pre-activation probes: a copy of a kernel layer with a linear activation and the same
 * weights, so pre-activations can be measured even when tfjs fuses the activation into the
 * layer (`tf.layers.dense({activation: 'relu'})` returns post-activation values).
 */
import * as tf from '@tensorflow/tfjs';
import { WeightSlot, weightSlots } from './roles.js';

type Layer = tf.layers.Layer;
let probeCounter = 0;

/**
 * A linear twin of `layer`, holding the layer's current weights, and its output on `input` (the pre-activation):
 * one pass, which also builds it. Dispose both when done.
 */
export function linearProbe(layer: Layer, input: tf.Tensor, training = false): { probe: Layer; output: tf.Tensor } {
  const config: Record<string, unknown> = { ...(layer.getConfig() as Record<string, unknown>) };
  config.activation = 'linear';
  config.name = `${layer.name}_linear_probe_${probeCounter++}`;
  delete config.batchInputShape;
  delete config.inputShape;
  // Building the probe must not run the real initializers (a stock orthogonal is slow).
  for (const key of Object.keys(config))
    if (key.endsWith('Initializer')) config[key] = { className: 'Zeros', config: {} };
  const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
  // the first apply builds the probe and then sets these weights (tfjs's initialWeights), before computing
  config.weights = layer.getWeights();
  const probe = fromConfig(cls, config as tf.serialization.ConfigDict) as unknown as Layer;
  return { probe, output: probe.apply(input, { training }) as tf.Tensor };
}

/** Values of the given symbolic tensors of `model` on input `x` (one forward pass; inference mode unless `training`). */
export function intermediateValues(
  model: tf.LayersModel,
  x: tf.Tensor | tf.Tensor[],
  outputs: tf.SymbolicTensor[],
  training = false,
): tf.Tensor[] {
  if (outputs.length === 0) return [];
  const unique = [...new Set(outputs)];
  const sub = tf.model({ inputs: model.inputs, outputs: unique });
  // training: BatchNorm on batch statistics and Dropout active, as the first steps of training see them
  const result = training ? (sub.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]) : sub.predict(x);
  const values = Array.isArray(result) ? result : [result];
  // Repeated outputs share one tensor; give every position its own so each can be disposed.
  const seen = new Set<tf.Tensor>();
  return outputs.map((o) => {
    const v = values[unique.indexOf(o)];
    if (seen.has(v)) return v.clone();
    seen.add(v);
    return v;
  });
}

/** Mean, std and second moment of all elements. */
export function tensorStats(t: tf.Tensor): { mean: number; std: number; secondMoment: number } {
  const [mean, secondMoment] = tf.tidy(() => {
    const m = t.mean().dataSync()[0];
    const s = t.square().mean().dataSync()[0];
    return [m, s];
  });
  return { mean, std: Math.sqrt(Math.max(0, secondMoment - mean * mean)), secondMoment };
}

/** The first cells' input kernels of a recurrent layer (both directions of a Bidirectional). */
export function firstInputKernels(layer: Layer): WeightSlot[] {
  return (weightSlots(layer) ?? []).filter((s) => s.role.role === 'inputKernel' && s.role.first);
}

/**
 * A recurrent layer's input projection x W_in on `input` [batch, time, features], over every time step and
 * gate of its first cells (both directions of a Bidirectional), flattened: the part of every gate's
 * pre-activation that comes from the input, the recurrent analogue of a Dense pre-activation.
 */
export function inputProjection(layer: Layer, input: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const weights = layer.getWeights();
    const x = input.reshape([-1, input.shape[input.shape.length - 1] as number]);
    return tf.concat(firstInputKernels(layer).map((s) => tf.matMul(x, weights[s.index]).reshape([-1])));
  });
}
