/** Dense MLPs whose kernels an arm initializes. */
import * as tf from '@tensorflow/tfjs';
import { orthogonal } from 'tfjs-initializers';
import { vggLike } from './architectures';
import type { Arm, LayerActivation, SequenceArm } from './arms';

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
        activation: fused as 'linear',
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

export interface SequenceSpec {
  /** token ids per example */
  length: number;
  vocabulary: number;
  embedding: number;
  units: number;
  classes: number;
}

/**
 * Embedding -> LSTM -> Dense(classes, softmax), recurrentActivation 'sigmoid'. Stock arms get the stock
 * initializers (seeded; the embedding's default U[-0.05, 0.05]); ours are built with our orthogonal()
 * as the recurrent initializer and then set by the arm's model-level step.
 */
export function buildSequenceModel(spec: SequenceSpec, arm: SequenceArm, seed: number): tf.Sequential {
  const recurrentInitializer = arm.ours
    ? orthogonal({ gates: 4, seed })
    : tf.initializers.orthogonal({ gain: 1, seed });
  return tf.sequential({
    layers: [
      tf.layers.embedding({
        inputDim: spec.vocabulary,
        outputDim: spec.embedding,
        inputLength: spec.length,
        embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }),
      }),
      tf.layers.lstm({
        units: spec.units,
        recurrentActivation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
        recurrentInitializer: recurrentInitializer as never,
        ...arm.lstm,
      }),
      tf.layers.dense({
        units: spec.classes,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }),
      }),
    ],
  });
}

export interface ResidualSpec {
  inputDim: number;
  width: number;
  blocks: number;
  classes: number;
}

/**
 * input -> Dense(width, relu) -> [Dense(width, relu) -> Dense(width) -> Add(skip)] x blocks -> Dense(classes,
 * softmax): a residual MLP with no normalization, kernels from the arm.
 */
export function buildResidualMlp(spec: ResidualSpec, arm: Arm, seed: number): tf.LayersModel {
  const input = tf.input({ shape: [spec.inputDim] });
  let k = 0;
  const dense = (units: number, activation: 'relu' | 'linear' | 'softmax', next: LayerActivation): tf.layers.Layer =>
    tf.layers.dense({ units, activation, kernelInitializer: arm.kernel(next, seed * 1000 + k++) as never });
  let h = dense(spec.width, 'relu', { name: 'relu' }).apply(input) as tf.SymbolicTensor;
  for (let b = 0; b < spec.blocks; b++) {
    const inner = dense(spec.width, 'relu', { name: 'relu' }).apply(h) as tf.SymbolicTensor;
    const branch = dense(spec.width, 'linear', { name: 'linear' }).apply(inner) as tf.SymbolicTensor;
    h = tf.layers.add().apply([h, branch]) as tf.SymbolicTensor;
  }
  const out = dense(spec.classes, 'softmax', { name: 'linear' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** A VGG-style conv net on images that arrive as flat vectors (vggLike's options but the kernels). */
export interface ConvSpec {
  size: number;
  channels: number;
  depth: number;
  stages: number;
  pooling: 'average' | 'max';
  head: 'average' | 'flatten';
  classes: number;
}

/** vggLike on flat inputs, each conv's kernel (relu after it) and the head's (linear) from the arm. */
export function buildConvNet(spec: ConvSpec, arm: Arm, seed: number): tf.LayersModel {
  const next = (i: number): LayerActivation => ({ name: i === spec.depth ? 'linear' : 'relu' });
  return vggLike({ ...spec, flat: true, kernel: (i) => arm.kernel(next(i), seed * 1000 + i) as never });
}
