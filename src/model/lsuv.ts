/**
 * Layer-sequential unit-variance initialization (Mishkin & Matas, "All you need is a good init", ICLR 2016,
 * arXiv:1511.06422, Algorithm 1), at the cost of one forward pass plus each layer's own iterations.
 *
 * Choices where reference implementations differ, made here:
 * - orthonormal pre-initialization of every kernel (gain 1), biases set to zero;
 * - BatchNorm-aware: every BatchNorm is reset to the identity (gamma 1, beta 0, moving mean 0, moving variance 1;
 *   a report row each) and the kernels are calibrated through it in inference mode, so the calibrated scale is the
 *   one the network starts with, not one the next BatchNorm would undo;
 * - every kernel layer is scaled, the classifier included (the paper's Caffe code does all conv and inner-product
 *   layers); `includeOutputLayer: false` skips the last one;
 * - the variance is that of the layer's pre-activation output over all batch elements and units, measured through
 *   a linear twin of the layer when tfjs fuses the activation; for a layer with several kernels (SeparableConv, an
 *   attention layer) the kernel that writes its output is scaled;
 * - the graph is run once in topological order, each layer's input cached: a layer's iterations run that layer, not
 *   the network;
 * - recurrent layers (SimpleRNN, LSTM, GRU, `rnn` with their cells, bare or in Bidirectional) get an input-kernel
 *   LSUV: an orthonormal input kernel, an orthogonal recurrent kernel per gate and the forget-gate bias 1 (LSTM f,
 *   GRU z), then the input kernel of the (first) cell is scaled until the input projection x W_in, every gate's
 *   pre-activation input, has unit variance on the batch. The recurrent kernel stays orthogonal. Unit variance of
 *   the layer's *output* is not the target: an LSTM's output o tanh(c) is bounded, so scaling toward it only
 *   saturates the gates;
 * - frozen layers (`trainable: false`) are left as they are unless `includeFrozen`.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';
import { ForgetGateBias } from '../initializers/gate_bias.js';
import { Orthogonal } from '../initializers/orthogonal.js';
import { ConfigOf, OptionsOf, SEED_FIELD, defineOptions, flag, integerIn, parseOptions, positive } from '../options.js';
import { Xoshiro128, freshSeed } from '../sampling/prng.js';
import { runGraph } from './executor.js';
import { activationOption } from './layers/common.js';
import { GraphLayer, GraphNode, ModelGraph, modelGraph } from './graph.js';
import { disposeTwin, firstInputKernels, fusesActivation, inputProjection, linearTwin, tensorStats } from './probe.js';
import { WeightSlot, outputKernel, weightSlots } from './roles.js';
import { Progress, checkModel, replaceWeights, withRollback } from './transaction.js';

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
  /** Re-initialize and scale frozen layers (`trainable: false`) too; default false: they stay as they are. */
  includeFrozen: flag(false),
});

/** Options of lsuv. */
export interface LsuvOptions extends OptionsOf<typeof SPEC> {}

/** One row of lsuv's report: a layer it scaled, a BatchNorm it reset, or a frozen layer it left alone. */
export interface LsuvLayerReport {
  /** Layer name. */
  layer: string;
  /** Layer class. */
  className: string;
  /** Rescalings done (0 for a reset or skipped layer). */
  iterations: number;
  /** Pre-activation variance on the batch after the last rescaling; null for a reset or skipped layer. */
  variance: number | null;
  /** Whether |variance - 1| < tolerance; null for a reset or skipped layer. */
  converged: boolean | null;
  /** What was done where it was not a rescaling: "reset to the identity", "frozen: left as it is". */
  note?: string;
}

type Layer = tf.layers.Layer;

/** The pre-initialization a weight gets, by role: orthonormal kernels, per-gate orthogonal recurrent kernels, biases. */
function preInitValue(slot: WeightSlot, shape: number[], seed: number): tf.Tensor | null {
  const role = slot.role;
  switch (role.role) {
    case 'kernel': {
      // a kernel with explicit leading input axes ([d, heads, headDim]) is orthonormal as the map [in, out]
      const inAxes = role.inAxis === undefined ? null : ([] as number[]).concat(role.inAxis).length;
      if (inAxes === null) return new Orthogonal({ seed }).apply(shape);
      const rows = shape.slice(0, inAxes).reduce((a, b) => a * b, 1);
      return tf.tidy(() =>
        new Orthogonal({ seed }).apply([rows, shape.reduce((a, b) => a * b, 1) / rows]).reshape(shape),
      );
    }
    case 'inputKernel':
      return new Orthogonal({ seed }).apply(shape);
    case 'recurrentKernel':
      return new Orthogonal({ gates: role.gates, seed }).apply(shape);
    case 'bias':
      return role.cell === 'lstm' || role.cell === 'gru'
        ? new ForgetGateBias({ cell: role.cell }).apply(shape)
        : tf.zeros(shape);
    case 'gamma':
    case 'movingVariance':
      return tf.ones(shape);
    case 'beta':
    case 'movingMean':
      return tf.zeros(shape);
    default:
      return null;
  }
}

function checkBatch(model: tf.LayersModel, batch: unknown): tf.Tensor[] {
  const tensors = Array.isArray(batch) ? batch : [batch];
  const ok = tensors.length === model.inputs.length && tensors.every((t) => t instanceof tf.Tensor && !t.isDisposed);
  if (!ok) {
    const allowed = `a tensor (or an array of ${model.inputs.length}, one per model input) that is not disposed`;
    throw new ModelError(OWNER, 'batch', batch, allowed);
  }
  return tensors as tf.Tensor[];
}

/** The roles LSUV pre-initializes (kernels, biases, normalization); embeddings and slopes stay. */
const PRE_INIT = new Set([
  'kernel',
  'inputKernel',
  'recurrentKernel',
  'bias',
  'gamma',
  'beta',
  'movingMean',
  'movingVariance',
]);

/** The layers LSUV scales (kernel and recurrent layers), and those it pre-initializes or resets. */
function targetsOf(graph: ModelGraph, o: ConfigOf<typeof SPEC>): { scaled: Set<Layer>; touched: GraphLayer[] } {
  const writable = (e: GraphLayer): boolean => o.includeFrozen || !e.frozen;
  const scalable = (e: GraphLayer): boolean =>
    e.rule?.probe === 'recurrent' ? firstInputKernels(e.layer).length > 0 : outputKernel(e.layer) !== undefined;
  const all = graph.layers.filter(scalable);
  const chosen = o.includeOutputLayer ? all : all.slice(0, -1);
  const touched = graph.layers.filter((e) => {
    const slots = weightSlots(e.layer, e.rule);
    return typeof slots !== 'string' && slots.some((s) => PRE_INIT.has(s.role.role));
  });
  return { scaled: new Set(chosen.filter(writable).map((e) => e.layer)), touched };
}

/**
 * Runs LSUV in place on a built model with a batch of inputs; returns one row per scaled layer (and per reset
 * BatchNorm and frozen layer). Options and batch are checked before any weight changes; if anything fails part way,
 * the model is left exactly as it was.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { lsuv } from 'tfjs-initializers';
 *
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.dense({ units: 64, inputShape: [32], activation: 'relu' }),
 *     tf.layers.dense({ units: 64, activation: 'relu' }),
 *     tf.layers.dense({ units: 10, activation: 'softmax' }),
 *   ],
 * });
 * const batch = tf.randomNormal([256, 32], 0, 1, 'float32', 1);
 * const rows = lsuv(model, batch, { seed: 1 });
 * console.log(rows.map((r) => `${r.layer}: ${r.converged ? 'converged' : 'not converged'}`).length);
 * batch.dispose();
 * ```
 * ```text output
 * 3
 * ```
 */
export function lsuv(
  model: tf.LayersModel,
  batch: tf.Tensor | tf.Tensor[],
  options: LsuvOptions = {},
): LsuvLayerReport[] {
  checkModel(OWNER, model);
  const o = parseOptions(OWNER, SPEC, options);
  const inputs = checkBatch(model, batch);
  return withRollback(OWNER, model, (progress) => run(modelGraph(model), inputs, o, progress));
}

function run(graph: ModelGraph, batch: tf.Tensor[], o: ConfigOf<typeof SPEC>, progress: Progress): LsuvLayerReport[] {
  const { scaled, touched } = targetsOf(graph, o);
  const reports: LsuvLayerReport[] = [];
  const seeds = new Xoshiro128(o.seed ?? freshSeed());
  // pre-initialization: orthonormal kernels, zero biases, BatchNorm reset to the identity
  for (const entry of touched) {
    const slots = weightSlots(entry.layer, entry.rule) as WeightSlot[];
    const seedsOf = slots.map(() => seeds.nextInt32() >>> 0);
    const row = (note: string): LsuvLayerReport => ({
      layer: entry.name,
      className: entry.layer.getClassName(),
      iterations: 0,
      variance: null,
      converged: null,
      note,
    });
    if (!o.includeFrozen && entry.frozen) {
      reports.push(row('frozen (trainable: false): left as it is'));
      continue;
    }
    progress.layer = entry.name;
    const replacements = new Map<number, tf.Tensor>();
    slots.forEach((slot, i) => {
      const value = preInitValue(slot, entry.layer.weights[slot.index].shape as number[], seedsOf[i]);
      if (value) replacements.set(slot.index, value);
    });
    replaceWeights(entry.layer, replacements);
    const roles = new Set(slots.map((s) => s.role.role));
    if (roles.has('gamma') || roles.has('movingVariance')) {
      const what = roles.has('movingVariance')
        ? 'gamma 1, beta 0, moving mean 0, moving variance 1'
        : 'gamma 1, beta 0';
      reports.push(row(`normalization reset to the identity (${what})`));
    }
  }
  // one pass in topological order: each target layer is calibrated on its cached input, then run once
  const done = new Set<Layer>();
  const values = new Map(graph.inputs.map((k, i) => [k, batch[i]] as const));
  const outputs = runGraph(graph, values, {
    training: false,
    compute: (node, inputs) => {
      progress.layer = node.name;
      if (!scaled.has(node.layer) || done.has(node.layer)) return null;
      done.add(node.layer);
      if (node.rule?.probe === 'recurrent') {
        reports.push(scaleRecurrent(node, inputs, o.tolerance, o.maxIterations));
        return null;
      }
      // the last pre-activation measured is the layer's output (after its fused activation): no run again
      const { report, output } = scaleLayer(node, inputs, o.tolerance, o.maxIterations);
      reports.push(report);
      return output ? [output] : null;
    },
  });
  tf.dispose([...outputs.values()]);
  return reports;
}

/** The layer's pre-activation on `inputs`: its linear twin's output, or its own when it fuses no activation. */
function preActivation(node: GraphNode, twin: Layer | null, inputs: tf.Tensor[]): tf.Tensor {
  const layer = twin ?? node.layer;
  const out = layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out[0] : out;
}

/**
 * LSUV's loop for one layer: measure the variance, stop within tolerance (or after maxIterations), else divide the
 * scaled weights by its square root and measure again.
 */
function calibrate(
  node: GraphNode,
  measure: () => number,
  rescale: (divisor: number) => void,
  tolerance: number,
  maxIterations: number,
): LsuvLayerReport {
  let iterations = 0;
  let variance: number;
  for (;;) {
    variance = measure();
    if (Math.abs(variance - 1) < tolerance || iterations === maxIterations || !(variance > 0)) break;
    rescale(Math.sqrt(variance));
    iterations++;
  }
  const converged = Math.abs(variance - 1) < tolerance;
  return { layer: node.name, className: node.layer.getClassName(), iterations, variance, converged };
}

/**
 * Scales the layer's output kernel until its pre-activation variance on `inputs` is 1 within tolerance; returns the
 * report and, for a layer with one output, that output from the last pre-activation measured.
 */
function scaleLayer(
  node: GraphNode,
  inputs: tf.Tensor[],
  tolerance: number,
  maxIterations: number,
): { report: LsuvLayerReport; output: tf.Tensor | null } {
  const layer = node.layer;
  const slot = outputKernel(layer) as WeightSlot;
  const twin = node.rule?.probe === 'kernel' && fusesActivation(layer) ? linearTwin(layer, node.inputShapes[0]) : null;
  let last: tf.Tensor | null = null;
  try {
    const measure = (): number => {
      last?.dispose();
      last = preActivation(node, twin, inputs);
      const { std } = tensorStats(last);
      return std * std;
    };
    const rescale = (divisor: number): void => {
      replaceWeights(layer, new Map([[slot.index, tf.div(layer.getWeights()[slot.index], divisor)]]));
      twin?.setWeights(layer.getWeights());
    };
    const report = calibrate(node, measure, rescale, tolerance, maxIterations);
    const z = last as tf.Tensor | null;
    last = null;
    if (!z || node.outputs.length !== 1) {
      z?.dispose();
      return { report, output: null };
    }
    if (!twin) return { report, output: z };
    const activated = tf.tidy(
      () => tf.layers.activation({ activation: activationOption(layer) as 'linear' }).apply(z) as tf.Tensor,
    );
    z.dispose();
    return { report, output: activated };
  } finally {
    (last as tf.Tensor | null)?.dispose();
    if (twin) disposeTwin(twin);
  }
}

/** Input-kernel LSUV for a recurrent layer: scales the first input kernels until Var(x W_in) = 1 within tolerance. */
function scaleRecurrent(
  node: GraphNode,
  [input]: tf.Tensor[],
  tolerance: number,
  maxIterations: number,
): LsuvLayerReport {
  const layer = node.layer;
  const slots = firstInputKernels(layer);
  const measure = (): number =>
    tf.tidy(() => {
      const { std } = tensorStats(inputProjection(layer, input));
      return std * std;
    });
  const rescale = (divisor: number): void => {
    const weights = layer.getWeights();
    replaceWeights(layer, new Map(slots.map((s) => [s.index, tf.div(weights[s.index], divisor)])));
  };
  return calibrate(node, measure, rescale, tolerance, maxIterations);
}
