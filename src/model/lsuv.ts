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
import { Orthogonal } from '../initializers/orthogonal.js';
import { InitializerConfigError } from '../errors.js';
import { Xoshiro128, freshSeed } from '../sampling/prng.js';
import { isChain, kernelLayers, kernelSlots, replaceWeights } from './graph.js';
import { intermediateValues, linearProbe, tensorStats } from './probe.js';

export interface LsuvOptions {
  /** Stop when |Var - 1| < tolerance; default 0.1. */
  tolerance?: number;
  /** At most this many rescalings per layer; default 10. */
  maxIterations?: number;
  /** Seed of the orthonormal pre-initialization; omitted: fresh. */
  seed?: number | null;
  /** Scale the last kernel layer too (default true). */
  includeOutputLayer?: boolean;
}

export interface LsuvLayerReport {
  layer: string;
  /** rescalings done */
  iterations: number;
  /** pre-activation variance on the batch after the last rescaling */
  variance: number;
  converged: boolean;
}

function orthonormalPreInit(layers: tf.layers.Layer[], seed: number): void {
  const seeds = new Xoshiro128(seed);
  for (const layer of layers) {
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

/** Runs LSUV in place on a built model with a batch of inputs; returns one row per scaled layer. */
export function lsuv(
  model: tf.LayersModel,
  batch: tf.Tensor | tf.Tensor[],
  options: LsuvOptions = {},
): LsuvLayerReport[] {
  const tolerance = options.tolerance ?? 0.1;
  const maxIterations = options.maxIterations ?? 10;
  if (!(tolerance > 0 && Number.isFinite(tolerance)))
    throw new InitializerConfigError('lsuv', 'tolerance', tolerance, 'a finite number > 0');
  if (!Number.isInteger(maxIterations) || maxIterations < 1)
    throw new InitializerConfigError('lsuv', 'maxIterations', maxIterations, 'an integer >= 1');
  let layers = kernelLayers(model);
  if (options.includeOutputLayer === false) layers = layers.slice(0, -1);
  orthonormalPreInit(kernelLayers(model), options.seed ?? freshSeed());
  const reports: LsuvLayerReport[] = [];
  const targets = new Set(layers);
  // A chain is walked once, layer by layer; other graphs recompute each layer's input.
  const chain = isChain(model) && !Array.isArray(batch);
  let h: tf.Tensor | null = chain ? (batch as tf.Tensor).clone() : null;
  const steps = chain ? model.layers.filter((l) => l.getClassName() !== 'InputLayer') : layers;
  for (const layer of steps) {
    if (!targets.has(layer)) {
      const next = layer.apply(h as tf.Tensor) as tf.Tensor;
      tf.dispose(h as tf.Tensor);
      h = next;
      continue;
    }
    const input = chain ? (h as tf.Tensor) : intermediateValues(model, batch, [layer.input as tf.SymbolicTensor])[0];
    const probe = linearProbe(layer, input);
    const slot = kernelSlots(layer).slice(-1)[0];
    let iterations = 0;
    let variance: number;
    for (;;) {
      const z = probe.apply(input) as tf.Tensor;
      const { std } = tensorStats(z);
      z.dispose();
      variance = std * std;
      if (Math.abs(variance - 1) < tolerance || iterations === maxIterations || !(variance > 0)) break;
      replaceWeights(
        layer,
        new Map([[slot.index, tf.div(layer.getWeights()[slot.index], Math.sqrt(variance))]]),
        false,
      );
      probe.setWeights(layer.getWeights());
      iterations++;
    }
    if (chain) h = layer.apply(input) as tf.Tensor;
    tf.dispose(input);
    probe.dispose();
    reports.push({ layer: layer.name, iterations, variance, converged: Math.abs(variance - 1) < tolerance });
  }
  if (h !== null) tf.dispose(h);
  return reports;
}
