/**
 * Layer-sequential unit-variance initialization (Mishkin & Matas, "All you need is a good
 * init", ICLR 2016, arXiv:1511.06422, Algorithm 1).
 *
 * Choices where reference implementations differ, made here:
 * - orthonormal pre-initialization of every kernel (gain 1), biases set to zero;
 * - every Dense/Conv kernel layer is scaled, the classifier included (the paper's Caffe code
 *   does all conv and inner-product layers); `includeOutputLayer: false` skips the last one;
 * - the variance is that of the layer's pre-activation output over all batch elements and
 *   units, measured through a linear twin of the layer when tfjs fuses the activation;
 * - for layers with two kernels (SeparableConv), the last (pointwise) kernel is scaled;
 * - recurrent layers (SimpleRNN, LSTM, GRU, `rnn` with their cells, bare or in Bidirectional) get an
 *   input-kernel LSUV: pre-initialized with an orthonormal input kernel, an orthogonal recurrent kernel
 *   per gate and the forget-gate bias 1 (LSTM f, GRU z), then the input kernel of the (first) cell is
 *   scaled until the input projection x W_in, every gate's pre-activation input, has unit variance on the
 *   batch. The recurrent kernel stays orthogonal. Unit variance of the layer's *output* is not the target:
 *   an LSTM's output o tanh(c) is bounded, so scaling toward it only saturates the gates.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';
import { Orthogonal } from '../initializers/orthogonal.js';
import { ConfigOf, OptionsOf, SEED_FIELD, defineOptions, flag, integerIn, parseOptions, positive } from '../options.js';
import { Xoshiro128, freshSeed } from '../sampling/prng.js';
import { ForgetGateBias } from '../initializers/gate_bias.js';
import { isChain, replaceWeights } from './graph.js';
import { WeightSlot, isRecurrentLayer, kernelSlots, weightSlots } from './roles.js';
import { firstInputKernels, inputProjection, intermediateValues, linearProbe, tensorStats } from './probe.js';
import { Progress, checkModel, withRollback } from './transaction.js';

const OWNER = 'lsuv';
const SPEC = defineOptions({
  /** Stop when |Var - 1| < tolerance; default 0.1. */
  tolerance: positive(0.1),
  /** At most this many rescalings per layer; default 10. */
  maxIterations: integerIn(10, 1, 1000),
  /** Seed of the orthonormal pre-initialization; omitted: fresh. */
  seed: SEED_FIELD,
  /** Scale the last kernel layer too (default true). */
  includeOutputLayer: flag(true),
});

/** Options of lsuv. */
export interface LsuvOptions extends OptionsOf<typeof SPEC> {}

/** One row of lsuv's report: a layer it scaled. */
export interface LsuvLayerReport {
  /** Layer name. */
  layer: string;
  /** Rescalings done. */
  iterations: number;
  /** Pre-activation variance on the batch after the last rescaling. */
  variance: number;
  /** Whether |variance - 1| < tolerance. */
  converged: boolean;
}

/** The pre-initialization a weight gets, by role: orthonormal kernels, per-gate orthogonal recurrent kernels, biases. */
function preInitValue(slot: WeightSlot, shape: number[], seed: number): tf.Tensor | null {
  const role = slot.role;
  switch (role.role) {
    case 'kernel':
    case 'inputKernel':
      return new Orthogonal({ seed }).apply(shape);
    case 'recurrentKernel':
      return new Orthogonal({ gates: role.gates, seed }).apply(shape);
    case 'bias':
      return role.cell === 'lstm' || role.cell === 'gru'
        ? new ForgetGateBias({ cell: role.cell }).apply(shape)
        : tf.zeros(shape);
    default:
      return null;
  }
}

function orthonormalPreInit(layers: tf.layers.Layer[], seed: number, progress: Progress): void {
  const seeds = new Xoshiro128(seed);
  for (const layer of layers) {
    progress.layer = layer.name;
    const replacements = new Map<number, tf.Tensor>();
    for (const slot of weightSlots(layer) ?? []) {
      const value = preInitValue(slot, layer.weights[slot.index].shape as number[], seeds.nextInt32() >>> 0);
      if (value) replacements.set(slot.index, value);
    }
    replaceWeights(layer, replacements, false);
  }
}

function checkBatch(model: tf.LayersModel, batch: unknown): tf.Tensor | tf.Tensor[] {
  const tensors = Array.isArray(batch) ? batch : [batch];
  const ok = tensors.length === model.inputs.length && tensors.every((t) => t instanceof tf.Tensor && !t.isDisposed);
  if (!ok) {
    const allowed = `a tensor (or an array of ${model.inputs.length}, one per model input) that is not disposed`;
    throw new ModelError(OWNER, 'batch', batch, allowed);
  }
  return batch as tf.Tensor | tf.Tensor[];
}

/**
 * Runs LSUV in place on a built model with a batch of inputs; returns one row per scaled
 * layer. Options and batch are checked before any weight changes; if anything fails part
 * way, the model is left exactly as it was.
 */
export function lsuv(
  model: tf.LayersModel,
  batch: tf.Tensor | tf.Tensor[],
  options: LsuvOptions = {},
): LsuvLayerReport[] {
  checkModel(OWNER, model);
  const o = parseOptions(OWNER, SPEC, options);
  checkBatch(model, batch);
  return withRollback(OWNER, model, (progress) => run(model, batch, o, progress));
}

function run(
  model: tf.LayersModel,
  batch: tf.Tensor | tf.Tensor[],
  o: ConfigOf<typeof SPEC>,
  progress: Progress,
): LsuvLayerReport[] {
  const { tolerance, maxIterations } = o;
  const all = model.layers.filter((l) => kernelSlots(l).length > 0 || isRecurrentLayer(l));
  const layers = o.includeOutputLayer ? all : all.slice(0, -1);
  orthonormalPreInit(all, o.seed ?? freshSeed(), progress);
  const reports: LsuvLayerReport[] = [];
  const targets = new Set(layers);
  // A chain is walked once, layer by layer; other graphs recompute each layer's input.
  const chain = isChain(model) && !Array.isArray(batch);
  let h: tf.Tensor | null = chain ? (batch as tf.Tensor).clone() : null;
  const steps = chain ? model.layers.filter((l) => l.getClassName() !== 'InputLayer') : layers;
  try {
    for (const layer of steps) {
      progress.layer = layer.name;
      if (!targets.has(layer)) {
        const next = layer.apply(h as tf.Tensor) as tf.Tensor;
        tf.dispose(h as tf.Tensor);
        h = next;
        continue;
      }
      const input = chain ? (h as tf.Tensor) : intermediateValues(model, batch, [layer.input as tf.SymbolicTensor])[0];
      h = null; // `input` owns the chain's tensor now
      try {
        const scale = isRecurrentLayer(layer) ? scaleRecurrent : scaleLayer;
        reports.push(scale(layer, input, tolerance, maxIterations));
        if (chain) h = layer.apply(input) as tf.Tensor;
      } finally {
        tf.dispose(input);
      }
    }
  } finally {
    if (h !== null) tf.dispose(h);
  }
  return reports;
}

/** Scales the layer's last kernel until its pre-activation variance on `input` is 1 within tolerance. */
function scaleLayer(
  layer: tf.layers.Layer,
  input: tf.Tensor,
  tolerance: number,
  maxIterations: number,
): LsuvLayerReport {
  let probe: tf.layers.Layer | null = null;
  try {
    const built = linearProbe(layer, input);
    probe = built.probe;
    const slot = kernelSlots(layer).slice(-1)[0];
    let iterations = 0;
    let variance: number;
    let z = built.output;
    for (;;) {
      const { std } = tensorStats(z);
      z.dispose();
      variance = std * std;
      if (Math.abs(variance - 1) < tolerance || iterations === maxIterations || !(variance > 0)) break;
      const scaled = tf.div(layer.getWeights()[slot.index], Math.sqrt(variance));
      replaceWeights(layer, new Map([[slot.index, scaled]]), false);
      probe.setWeights(layer.getWeights());
      iterations++;
      z = probe.apply(input) as tf.Tensor;
    }
    return { layer: layer.name, iterations, variance, converged: Math.abs(variance - 1) < tolerance };
  } finally {
    probe?.dispose();
  }
}

/** Input-kernel LSUV for a recurrent layer: scales the first input kernels until Var(x W_in) = 1 within tolerance. */
function scaleRecurrent(
  layer: tf.layers.Layer,
  input: tf.Tensor,
  tolerance: number,
  maxIterations: number,
): LsuvLayerReport {
  const slots = firstInputKernels(layer);
  const inputProjectionVariance = (): number =>
    tf.tidy(() => {
      const { std } = tensorStats(inputProjection(layer, input));
      return std * std;
    });
  let iterations = 0;
  let variance: number;
  for (;;) {
    variance = inputProjectionVariance();
    if (Math.abs(variance - 1) < tolerance || iterations === maxIterations || !(variance > 0)) break;
    const weights = layer.getWeights();
    const scaled = new Map(slots.map((s) => [s.index, tf.div(weights[s.index], Math.sqrt(variance))]));
    replaceWeights(layer, scaled, false);
    iterations++;
  }
  return { layer: layer.name, iterations, variance, converged: Math.abs(variance - 1) < tolerance };
}
