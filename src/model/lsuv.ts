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
 * - for layers with two kernels (SeparableConv), the last (pointwise) kernel is scaled.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';
import { Orthogonal } from '../initializers/orthogonal.js';
import { ConfigOf, OptionsOf, SEED_FIELD, defineOptions, flag, integerIn, parseOptions, positive } from '../options.js';
import { Xoshiro128, freshSeed } from '../sampling/prng.js';
import { isChain, kernelLayers, kernelSlots, replaceWeights } from './graph.js';
import { intermediateValues, linearProbe, tensorStats } from './probe.js';
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

function orthonormalPreInit(layers: tf.layers.Layer[], seed: number, progress: Progress): void {
  const seeds = new Xoshiro128(seed);
  for (const layer of layers) {
    progress.layer = layer.name;
    const weights = layer.getWeights();
    const kernels = new Map(
      kernelSlots(layer).map((slot) => [
        slot.index,
        new Orthogonal({ seed: seeds.nextInt32() >>> 0 }).apply(weights[slot.index].shape),
      ]),
    );
    replaceWeights(layer, kernels, true);
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
  let layers = kernelLayers(model);
  if (!o.includeOutputLayer) layers = layers.slice(0, -1);
  orthonormalPreInit(kernelLayers(model), o.seed ?? freshSeed(), progress);
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
        reports.push(scaleLayer(layer, input, tolerance, maxIterations));
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
    probe = linearProbe(layer, input);
    const slot = kernelSlots(layer).slice(-1)[0];
    let iterations = 0;
    let variance: number;
    for (;;) {
      const z = probe.apply(input) as tf.Tensor;
      const { std } = tensorStats(z);
      z.dispose();
      variance = std * std;
      if (Math.abs(variance - 1) < tolerance || iterations === maxIterations || !(variance > 0)) break;
      const scaled = tf.div(layer.getWeights()[slot.index], Math.sqrt(variance));
      replaceWeights(layer, new Map([[slot.index, scaled]]), false);
      probe.setWeights(layer.getWeights());
      iterations++;
    }
    return { layer: layer.name, iterations, variance, converged: Math.abs(variance - 1) < tolerance };
  } finally {
    probe?.dispose();
  }
}
