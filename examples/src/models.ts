/** Dense MLPs whose kernels an arm initializes. */
import * as tf from '@tensorflow/tfjs';
import type { Arm, LayerActivation } from './arms';

export interface MlpSpec {
  inputDim: number;
  hidden: number[];
  activation: LayerActivation;
  classes: number;
}

/**
 * input -> [Dense(h) -> activation] x hidden -> Dense(classes, softmax). ReLU and tanh are
 * fused into the Dense layer; LeakyReLU is its own layer (`tf.layers.leakyReLU`, with its alpha).
 */
export function buildMlp(spec: MlpSpec, arm: Arm, seed: number): tf.Sequential {
  const model = tf.sequential();
  const act = spec.activation;
  spec.hidden.forEach((units, i) => {
    const fused = act.name === 'leakyRelu' ? 'linear' : act.name;
    model.add(
      tf.layers.dense({
        units,
        inputShape: i === 0 ? [spec.inputDim] : undefined,
        activation: fused,
        kernelInitializer: arm.kernel(act, seed * 1000 + i) as never,
      }),
    );
    if (act.name === 'leakyRelu') model.add(tf.layers.leakyReLU({ alpha: act.alpha }));
  });
  model.add(
    tf.layers.dense({
      units: spec.classes,
      activation: 'softmax',
      kernelInitializer: arm.kernel({ name: 'linear' }, seed * 1000 + spec.hidden.length) as never,
    }),
  );
  return model;
}
