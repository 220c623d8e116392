/**
 * What the Init Lab computes, without the DOM, so the page and the Node tests run the same code: a network built
 * from the controls, initialized by an arm (the CLI's arm table), and its signal at initialization:
 * signalPropagation (activations, gradients, flags, and predictSignal's data-free prediction) on a seeded
 * standard-normal batch with seeded labels, plus one layer's kernel against the variance-preserving density.
 */
import * as tf from '@tensorflow/tfjs';
import { SignalReport, sampleInputs, signalPropagation, varianceGain } from 'tfjs-initializers';
import { DEFAULT_ALPHA } from 'tfjs-initializers/internals';
import { ARMS, Arm, LayerActivation } from '../../examples/src/arms';

/** Every arm the Lab offers (the CLI's arm table). */
export const LAB_ARM_NAMES: readonly string[] = ARMS.map((a) => a.name);
/** The arms that act on a built model (initializeModel, lsuv): the ones that can re-initialize a loaded model. */
export const MODEL_ARM_NAMES: readonly string[] = ARMS.filter((a) => a.prepare).map((a) => a.name);

/** The network and the batch. */
export interface RunSpec {
  depth: number;
  width: number;
  activation: string;
  residual: boolean;
  batchNorm: boolean;
  seed: number;
  batch: number;
  /** The first n examples of the batch go through the backward pass (signalPropagation's gradientExamples). */
  gradientExamples: number;
  /** 1-based index of the Dense kernel whose histogram is shown (clamped to the network). */
  layer: number;
}

/** One arm's result. */
export interface ArmRun {
  arm: string;
  description: string;
  report: SignalReport;
  /** The chosen Dense kernel: its name, values and the std that preserves the variance, g / sqrt(fanIn). */
  histogram: { layer: string; values: Float32Array; targetStd: number; gain: number; fanIn: number };
  /** Wall time to build, initialize and measure, in ms. */
  milliseconds: number;
}

/** signalPropagation's flag ratio, passed explicitly: the figures' bands sit at 1 / FLAG_RATIO and FLAG_RATIO. */
export const FLAG_RATIO = 1e3;
/** Output classes of the network's softmax head (labels are drawn uniformly). */
const CLASSES = 10;
/** tfjs's name of each activation that differs from ours. */
const TFJS_NAMES: Readonly<Record<string, string>> = { geluNew: 'gelu_new' };

function findArm(name: string): Arm {
  const arm = ARMS.find((a) => a.name === name);
  if (!arm) throw new RangeError(`arm: ${JSON.stringify(name)} is not one of ${LAB_ARM_NAMES.join(', ')}`);
  return arm;
}

/** The activation as the arms see it, with the alpha tfjs's layers default to (LeakyReLU 0.3, PReLU 0, ELU 1). */
function layerActivation(name: string): LayerActivation {
  const alpha = DEFAULT_ALPHA[name as keyof typeof DEFAULT_ALPHA];
  return alpha === undefined ? { name } : { name, alpha };
}

function activationLayer(name: string): tf.layers.Layer {
  if (name === 'leakyRelu') return tf.layers.leakyReLU({ alpha: DEFAULT_ALPHA.leakyRelu });
  if (name === 'prelu') return tf.layers.prelu();
  return tf.layers.activation({ activation: (TFJS_NAMES[name] ?? name) as 'relu' });
}

/**
 * input [width] -> depth x (Dense -> [BatchNorm] -> activation), or with `residual` depth x (Dense -> [BN] -> act
 * -> Dense -> [BN] -> Add with the block's input) -> Dense(CLASSES, softmax). Kernels from the arm, seeded per layer.
 */
export function buildNetwork(spec: RunSpec, arm: Arm): tf.LayersModel {
  const next = layerActivation(spec.activation);
  let k = 0;
  const dense = (units: number, after: LayerActivation, activation: 'linear' | 'softmax' = 'linear') =>
    tf.layers.dense({ units, activation, kernelInitializer: arm.kernel(after, spec.seed * 1000 + k++) as never });
  const normalized = (x: tf.SymbolicTensor, after: LayerActivation): tf.SymbolicTensor => {
    const z = dense(spec.width, after).apply(x) as tf.SymbolicTensor;
    return spec.batchNorm ? (tf.layers.batchNormalization().apply(z) as tf.SymbolicTensor) : z;
  };
  const input = tf.input({ shape: [spec.width] });
  let h = input;
  for (let i = 0; i < spec.depth; i++) {
    const a = activationLayer(spec.activation).apply(normalized(h, next)) as tf.SymbolicTensor;
    if (!spec.residual) {
      h = a;
      continue;
    }
    h = tf.layers.add().apply([h, normalized(a, { name: 'linear' })]) as tf.SymbolicTensor;
  }
  const out = dense(CLASSES, { name: 'linear' }, 'softmax').apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** The seeded batch: x ~ N(0, 1) [batch, width] and one-hot labels uniform over CLASSES. */
function seededBatch(spec: Pick<RunSpec, 'batch' | 'width' | 'seed'>): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.randomNormal([spec.batch, spec.width], 0, 1, 'float32', spec.seed);
    const ids = tf.randomUniform([spec.batch], 0, CLASSES, 'int32', spec.seed + 1) as tf.Tensor1D;
    return { x, y: tf.oneHot(ids, CLASSES) };
  });
}

/** The gain that preserves the second moment of a kernel's input: 1 after data or a sum, else the activation's. */
function inputGain(layer: tf.layers.Layer, activation: string): number {
  const source = (layer.input as tf.SymbolicTensor).sourceLayer?.getClassName();
  if (source === undefined || source === 'InputLayer' || source === 'Add') return 1;
  return varianceGain(activation, { alpha: layerActivation(activation).alpha });
}

/** Builds the network under `armName`, initializes it, and measures its signal on the seeded batch. */
export function runArm(spec: RunSpec, armName: string): ArmRun {
  const arm = findArm(armName);
  const start = performance.now();
  const { x, y } = seededBatch(spec);
  const model = buildNetwork(spec, arm);
  try {
    arm.prepare?.(model, x, spec.seed);
    const report = signalPropagation(model, x, y, { gradientExamples: spec.gradientExamples, ratio: FLAG_RATIO });
    const kernels = model.layers.filter((l) => l.getClassName() === 'Dense');
    const chosen = kernels[Math.min(Math.max(spec.layer, 1), kernels.length) - 1];
    const kernel = chosen.getWeights()[0];
    const fanIn = kernel.shape[0];
    const gain = inputGain(chosen, spec.activation);
    return {
      arm: arm.name,
      description: arm.description,
      report,
      histogram: {
        layer: chosen.name,
        values: kernel.dataSync() as Float32Array,
        targetStd: gain / Math.sqrt(fanIn),
        gain,
        fanIn,
      },
      milliseconds: performance.now() - start,
    };
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

/**
 * A loaded model's seeded batch (one input, the library's sampleInputs): token ids uniform over the vocabulary when
 * the input feeds an Embedding, else standard-normal features, [batch, ...input shape].
 */
export function modelBatch(model: tf.LayersModel, batch: number, seed: number): tf.Tensor {
  if (model.inputs.length !== 1) throw new RangeError(`model: ${model.inputs.length} inputs; the Lab takes one`);
  return sampleInputs(model, batch, { seed })[0];
}

/** Forward statistics (and the prediction) of a loaded model on its seeded batch; `onProgress` per chunk. */
export function diagnoseModel(
  model: tf.LayersModel,
  batch: number,
  seed: number,
  onProgress?: (done: number, total: number) => void,
): SignalReport {
  const x = modelBatch(model, batch, seed);
  try {
    return signalPropagation(model, x, undefined, { onProgress });
  } finally {
    x.dispose();
  }
}

/** Re-initializes a loaded model in place with a model-level arm (initializeModel or lsuv) on its seeded batch. */
export function reinitialize(model: tf.LayersModel, armName: string, batch: number, seed: number): void {
  const arm = findArm(armName);
  if (!arm.prepare) {
    throw new RangeError(
      `arm: ${JSON.stringify(armName)} sets kernels at build time; use one of ${MODEL_ARM_NAMES.join(', ')}`,
    );
  }
  // LSUV holds its whole batch through the network (each layer's input cached): at most 32 examples of a loaded model
  const x = modelBatch(model, Math.min(batch, 32), seed);
  try {
    arm.prepare(model, x, seed);
  } finally {
    x.dispose();
  }
}
