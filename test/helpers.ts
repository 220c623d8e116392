/** Statistics for the tests: moments, Kolmogorov-Smirnov, tensor leak checks. */
import * as tf from '@tensorflow/tfjs';
import { normalCdf } from '../src/math/special';
import { runGraph } from '../src/model/executor';
import { modelGraph } from '../src/model/graph';

export interface Moments {
  mean: number;
  std: number;
  min: number;
  max: number;
}

export function moments(values: ArrayLike<number>): Moments {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  const mean = sum / values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(ss / values.length), min, max };
}

/** Kolmogorov-Smirnov statistic D = sup |F_n(x) - F(x)|. */
export function ksStatistic(values: ArrayLike<number>, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/**
 * KS critical value at significance 0.001 (asymptotic, c(alpha) = sqrt(-ln(alpha / 2) / 2) = 1.949):
 * a correct sampler exceeds it with probability 0.1%; seeds are fixed, so the outcome is deterministic.
 */
export function ksCritical(n: number): number {
  return Math.sqrt(-Math.log(0.001 / 2) / 2) / Math.sqrt(n);
}

export type Distribution = 'normal' | 'truncatedNormal' | 'uniform';

/** CDF of the distribution an initializer with this std should draw from. */
export function targetCdf(distribution: Distribution, std: number): (x: number) => number {
  switch (distribution) {
    case 'normal':
      return (x) => normalCdf(x / std);
    case 'truncatedNormal': {
      const sigma = std / 0.87962566103423978;
      const lo = normalCdf(-2);
      const mass = normalCdf(2) - lo;
      return (x) => Math.min(1, Math.max(0, (normalCdf(x / sigma) - lo) / mass));
    }
    case 'uniform': {
      const limit = Math.sqrt(3) * std;
      return (x) => Math.min(1, Math.max(0, (x + limit) / (2 * limit)));
    }
  }
}

/**
 * Relative tolerance for a sample std: 6 standard errors. The relative standard error of a
 * sample std from n draws is sqrt((kurtosis - 1) / (4 n)): 1/sqrt(2n) for a normal, and
 * smaller for the truncated normal and the uniform (kurtosis 2.36 and 1.8 < 3).
 */
export function stdTolerance(n: number): number {
  return 6 / Math.sqrt(2 * n);
}

/** Runs `fn` and asserts it leaves no tensor behind. */
export async function expectNoLeak<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

/** A residual MLP: `blocks` x (Dense(width, relu) -> Dense(width) [-> BatchNorm] -> Add with the block's input). */
export function residualMlp(blocks: number, width: number, batchNorm = false): tf.LayersModel {
  const input = tf.input({ shape: [width] });
  let h = input;
  for (let b = 0; b < blocks; b++) {
    let branch = tf.layers.dense({ units: width, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
    branch = tf.layers.dense({ units: width }).apply(branch) as tf.SymbolicTensor;
    if (batchNorm) branch = tf.layers.batchNormalization().apply(branch) as tf.SymbolicTensor;
    h = tf.layers.add().apply([h, branch]) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: h });
}

/**
 * Measured E[y^2] of every node's output of the model's flattened graph (nested models' layers included), on `x`,
 * run node by node by the tools' executor (training mode unless told). Keyed by row name, as predictSignal names rows.
 */
export function measureNodes(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[], training = true): Map<string, number> {
  const graph = modelGraph(model);
  const keys = graph.nodes.map((n) => n.outputs[0]);
  const given = new Map(graph.inputs.map((k, i) => [k, ([] as tf.Tensor[]).concat(x)[i]]));
  const m2 = tf.tidy(() => {
    const values = runGraph(graph, given, { training, keep: keys });
    return keys.map(
      (k) => (given.get(k) ?? (values.get(k) as tf.Tensor)).cast('float32').square().mean().dataSync()[0],
    );
  });
  return new Map(graph.nodes.map((n, i) => [n.name, m2[i]]));
}

/** A user's layer the tools have no rule for: y = s x with one learned scalar s (ones). */
export class NoRuleScale extends tf.layers.Layer {
  static className = 'TestNoRuleScale';
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.addWeight('scale', [1], 'float32', tf.initializers.ones());
    super.build(inputShape);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.weights[0].read()));
  }
}
tf.serialization.registerClass(NoRuleScale);
