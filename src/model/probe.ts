/**
 * Pre-activation probes: a copy of a kernel layer with a linear activation and the same weights (a linear twin), so
 * that pre-activations can be measured even when tfjs fuses the activation into the layer; a recurrent layer's input
 * projection; statistics of a tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { activationOption } from './layers/common.js';
import { WeightSlot, weightSlots } from './roles.js';

type Layer = tf.layers.Layer;
let twinCounter = 0;

/** The layer's config with its activation (and a wrapped layer's) switched to linear and its initializers to zeros. */
function linearConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  if ('activation' in out) out.activation = 'linear';
  // Building the twin must not run the real initializers (a stock orthogonal is slow).
  for (const key of Object.keys(out)) if (key.endsWith('Initializer')) out[key] = { className: 'Zeros', config: {} };
  const wrapped = out.layer as { className: string; config: Record<string, unknown> } | undefined;
  if (wrapped && typeof wrapped === 'object' && wrapped.config)
    out.layer = { ...wrapped, config: linearConfig(wrapped.config) };
  return out;
}

/** True when a kernel layer fuses a nonlinearity into its output (its twin differs from it). */
export const fusesActivation = (layer: Layer): boolean => {
  const option = activationOption(layer);
  return typeof option === 'string' && option !== 'linear';
};

/**
 * A linear twin of `layer`, built for inputs of `inputShape` and holding the layer's current weights. Dispose it
 * when done.
 */
export function linearTwin(layer: Layer, inputShape: tf.Shape): Layer {
  const config = linearConfig(layer.getConfig() as Record<string, unknown>);
  config.name = `${layer.name}_linear_twin_${twinCounter++}`;
  delete config.batchInputShape;
  delete config.inputShape;
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
  if (!entry)
    throw new Error(`${layer.getClassName()} is not registered with tf.serialization, so it cannot be copied`);
  const [cls, fromConfig] = entry;
  const twin = fromConfig(cls, config as tf.serialization.ConfigDict) as unknown as Layer;
  twin.build(inputShape);
  twin.built = true;
  twin.setWeights(layer.getWeights());
  return twin;
}

/** Frees a twin's weights (it was built by hand, so tfjs's Layer.dispose refuses it). */
export function disposeTwin(twin: Layer): void {
  for (const w of twin.weights) w.dispose();
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

/** Sum, sum of squares and count of all elements, as scalars (kept for accumulation over chunks). */
export function tensorSums(t: tf.Tensor): [tf.Scalar, tf.Scalar] {
  return tf.tidy(() => [t.sum() as tf.Scalar, t.square().sum() as tf.Scalar]);
}

/** The first cells' input kernels of a recurrent layer (both directions of a Bidirectional). */
export function firstInputKernels(layer: Layer): WeightSlot[] {
  const slots = weightSlots(layer);
  return typeof slots === 'string' ? [] : slots.filter((s) => s.role.role === 'inputKernel' && s.role.first);
}

/**
 * A recurrent layer's input projection x W_in on `input` [batch, time, features], over every time step and gate of
 * its first cells (both directions of a Bidirectional), flattened: the part of every gate's pre-activation that
 * comes from the input, the recurrent analogue of a Dense pre-activation.
 */
export function inputProjection(layer: Layer, input: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const weights = layer.getWeights();
    const kernels = firstInputKernels(layer);
    return tf.concat(
      kernels.map((s) => {
        const w = weights[s.index];
        if (w.rank > 2) {
          // ConvLSTM2D: the input convolution of every step
          const config = layer.getConfig() as {
            strides?: number | [number, number];
            padding?: 'valid' | 'same';
            dilationRate?: number | [number, number];
          };
          const steps = input.reshape([-1, ...input.shape.slice(2)]) as tf.Tensor4D;
          return tf
            .conv2d(
              steps,
              w as tf.Tensor4D,
              config.strides ?? 1,
              config.padding ?? 'valid',
              'NHWC',
              config.dilationRate ?? 1,
            )
            .reshape([-1]);
        }
        const x = input.reshape([-1, input.shape[input.shape.length - 1] as number]);
        return tf.matMul(x, w).reshape([-1]);
      }),
    );
  });
}
