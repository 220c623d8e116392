/**
 * Signal-propagation diagnostics: per kernel, recurrent, embedding or probed user layer, the spread of
 * pre-activations and activations on a batch (forward) and of the loss gradient with respect to the kernel and the
 * pre-activation (backward), with vanishing / exploding flags: activations relative to the first layer, gradients
 * relative to the last. One forward pass over the batch, in chunks that fit in memory, with the backward pass taken
 * on the same pass for the examples that carry labels; the model is only read (readOnly).
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';
import {
  ConfigOf,
  OptionsOf,
  callback,
  choice,
  defineOptions,
  flag,
  integerIn,
  numberIn,
  parseOptions,
} from '../options.js';
import { runGraph, runNode } from './executor.js';
import { FoundActivation, GraphNode, ModelGraph, activationAfter, cachedReader, modelGraph } from './graph.js';
import { activationOption } from './layers/common.js';
import { ensureGradientKernels } from './gradient_kernels.js';
import { PredictedLayer, UNSTABLE_AMPLIFICATION, predictRows } from './predict.js';
import { disposeTwin, fusesActivation, inputProjection, linearTwin, tensorStats, tensorSums } from './probe.js';
import { outputKernel } from './roles.js';
import { Progress, checkModel, readOnly } from './transaction.js';

/** Signal statistics of one layer. */
export interface SignalLayer {
  /** Layer name (inside a nested model: `model/layer`). */
  layer: string;
  /** 1-based position among the rows. */
  depth: number;
  /**
   * `kernel` (Dense, Conv: pre is the linear output), `recurrent` (SimpleRNN/LSTM/GRU: pre is the input projection
   * x W_in over every gate and step, post the layer's output), `embedding` (pre = post = the output) or `layer` (a
   * user's layer whose rule probes its output: pre = post = the output).
   */
  kind: 'kernel' | 'recurrent' | 'embedding' | 'layer';
  /** The nonlinearity after the layer, e.g. `relu` or `leakyRelu(0.2)`, found through BatchNorm, pooling and reshapes. */
  activation: string;
  /** Std of the pre-activation (the layer's linear output) over the batch and units. */
  preStd: number;
  /** Second moment E[y^2] of the pre-activation. */
  preSecondMoment: number;
  /** Std of the activation (after the nonlinearity). */
  postStd: number;
  /** Second moment of the activation. */
  postSecondMoment: number;
  /** predictSignal's data-free prediction of postSecondMoment, or null where it has none. */
  predictedSecondMoment: number | null;
  /**
   * predictSignal's prediction of postStd: sqrt(E[y^2] - E[y]^2) over the output's elements, comparable with
   * postStd (the root second moment is not: a relu output has a mean), or null where it has none.
   */
  predictedStd: number | null;
  /** Std of dLoss/dKernel (backward; null without labels). */
  gradKernelStd: number | null;
  /** Std of dLoss/dPreActivation per example (backward; null without labels). */
  gradPreStd: number | null;
  /**
   * e.g. `activation vanishing`, `gradient exploding`, `prediction unstable` (predictSignal's amplification
   * above 2: the predicted value rests on a fixed point that amplifies errors, as gelu's does).
   */
  flags: string[];
}

const OWNER = 'signalPropagation';
const SPEC = defineOptions({
  /** Loss for the backward pass: `categoricalCrossentropy` (default) or `meanSquaredError`. */
  loss: choice(['categoricalCrossentropy', 'meanSquaredError'], 'categoricalCrossentropy'),
  /** Ratio beyond which a layer is flagged (activations vs the first layer, gradients vs the last); default 1e3 (and 1e-3). */
  ratio: numberIn(1e3, 1, undefined, { min: true }),
  /**
   * Measure as in training (BatchNorm on batch statistics, Dropout on; default true) or in inference; predictSignal
   * uses the same. In training mode each chunk's BatchNorm statistics are that chunk's; nothing is written to the model.
   */
  training: flag(true),
  /**
   * Examples the backward pass uses: the first n of the batch (default: all). Gradients cost about twice the
   * forward pass, so a sub-batch keeps a large batch's forward statistics cheap.
   */
  gradientExamples: integerIn(null, 1, 1e9),
  /**
   * Examples run at once (default: as many as fit in about 128 MB of activations, from the model's shapes): a large
   * batch of large images is measured chunk by chunk, its statistics summed over the chunks.
   */
  chunkSize: integerIn(null, 1, 1e9),
  /** Add predictSignal's data-free prediction to every row (default true; false: `predictedSecondMoment` null). */
  predict: flag(true),
  /** Called after each chunk with the examples done and the batch size (a progress bar). */
  onProgress: callback<(done: number, total: number) => void>(),
});

/** Options of signalPropagation. */
export interface SignalOptions extends OptionsOf<typeof SPEC> {}
type Options = ConfigOf<typeof SPEC>;

/** What signalPropagation found. */
export interface SignalReport {
  /** One row per probed layer call, in topological order. */
  layers: SignalLayer[];
  /** Layers with a vanishing flag. */
  vanishing: string[];
  /** Layers with an exploding flag. */
  exploding: string[];
  /** Examples run at once. */
  chunkSize: number;
}

/** The activation memory a chunk may take (bytes). */
const CHUNK_BUDGET = 128 * 2 ** 20;

function lossOf(kind: Options['loss'], y: tf.Tensor, p: tf.Tensor): tf.Scalar {
  return kind === 'meanSquaredError'
    ? (tf.losses.meanSquaredError(y, p) as tf.Scalar)
    : (tf.metrics.categoricalCrossentropy(y, p).mean() as tf.Scalar);
}

/** sqrt(E[y^2] - E[y]^2) of a prediction, or null. */
const predictedStd = (p: PredictedLayer | undefined): number | null =>
  p?.secondMoment == null || p.mean === null ? null : Math.sqrt(Math.max(0, p.secondMoment - p.mean * p.mean));

const elements = (shape: tf.Shape): number => shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);

/** Examples per chunk: forward holds a node's inputs and output (and temporaries); backward every node's output. */
function autoChunk(graph: ModelGraph, backward: boolean): number {
  const perNode = graph.nodes.map((n) => [...n.inputShapes, ...n.outputShapes].reduce((a, s) => a + elements(s), 0));
  const perExample = backward ? 3 * perNode.reduce((a, b) => a + b, 0) : 4 * Math.max(1, ...perNode);
  return Math.max(1, Math.floor(CHUNK_BUDGET / (4 * perExample)));
}

/** A probed node: how its pre-activation is read, and where its activation's output is. */
interface Probe {
  node: GraphNode;
  kind: SignalLayer['kind'];
  /** The node whose output is the activation (the node itself, or the activation layer after it). */
  post: GraphNode;
  activation: string;
  /** A linear twin (kernel layers with a fused activation) and that activation, applied after it. */
  twin: tf.layers.Layer | null;
  fused: tf.layers.Layer | null;
  /** The kernel whose gradient is reported (null for recurrent layers). */
  kernelIndex: number | null;
  /** Its activation is a softmax: probabilities, whose spread says nothing of the signal (no activation flag). */
  probabilities: boolean;
}

/** Running sums of a value over the chunks. */
class Sums {
  sum: tf.Scalar | null = null;
  sq: tf.Scalar | null = null;
  count = 0;

  add(t: tf.Tensor, weight = 1): void {
    const [s, q] = tf.tidy(() => {
      const w = weight === 1 ? t : tf.mul(t, weight);
      return tensorSums(w);
    });
    this.sum = this.accumulate(this.sum, s);
    this.sq = this.accumulate(this.sq, q);
    this.count += t.size;
  }

  private accumulate(total: tf.Scalar | null, part: tf.Scalar): tf.Scalar {
    tf.keep(part);
    if (!total) return part;
    const next = tf.keep(tf.add(total, part)) as tf.Scalar;
    tf.dispose([total, part]);
    return next;
  }

  stats(): { std: number; secondMoment: number } | null {
    if (!this.sum || !this.sq || this.count === 0) return null;
    const mean = this.sum.dataSync()[0] / this.count;
    const secondMoment = this.sq.dataSync()[0] / this.count;
    return { std: Math.sqrt(Math.max(0, secondMoment - mean * mean)), secondMoment };
  }

  dispose(): void {
    tf.dispose([this.sum, this.sq].filter((t): t is tf.Scalar => t !== null));
  }
}

/**
 * Forward (and, given labels `y`, backward) signal statistics per probed layer on the batch `x`. The
 * pre-activation gradient is reported per example (the batch-mean loss's gradient times the batch size). Any model
 * with one input and one output (a DAG; nested models, shared layers and users' layers with a rule included). The
 * model's weights and BatchNorm statistics are bitwise as they were after the call, also when it throws.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { signalPropagation } from 'tfjs-initializers';
 *
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.dense({ units: 64, inputShape: [32], activation: 'relu' }),
 *     tf.layers.dense({ units: 64, activation: 'relu' }),
 *     tf.layers.dense({ units: 10, activation: 'softmax' }),
 *   ],
 * });
 * const x = tf.randomNormal([256, 32], 0, 1, 'float32', 1);
 * const { layers, vanishing, exploding } = signalPropagation(model, x);
 * for (const r of layers) console.log(r.layer, r.postStd.toFixed(3), r.predictedStd?.toFixed(3), r.flags.join(', '));
 * console.log(vanishing.length, exploding.length);
 * x.dispose();
 * ```
 */
export function signalPropagation(
  model: tf.LayersModel,
  x: tf.Tensor,
  y?: tf.Tensor,
  options: SignalOptions = {},
): SignalReport {
  checkModel(OWNER, model);
  const o = parseOptions(OWNER, SPEC, options);
  if (!(x instanceof tf.Tensor) || x.isDisposed) throw new ModelError(OWNER, 'x', x, 'a tensor that is not disposed');
  if (y !== undefined && (!(y instanceof tf.Tensor) || y.isDisposed)) {
    throw new ModelError(OWNER, 'y', y, 'a tensor that is not disposed, or undefined for forward statistics only');
  }
  if (model.inputs.length !== 1 || (y !== undefined && model.outputs.length !== 1)) {
    const allowed = `a model with one input${y !== undefined ? ' and one output when labels y are given' : ''}`;
    throw new ModelError(
      OWNER,
      'model',
      model.name,
      allowed,
      `${OWNER}: needs ${allowed}; this one has ${model.inputs.length} inputs and ${model.outputs.length} outputs`,
    );
  }
  if (y !== undefined && y.shape[0] !== x.shape[0]) {
    throw new ModelError(OWNER, 'y', y.shape, `labels for each of the ${x.shape[0]} examples of x`);
  }
  return readOnly(OWNER, model, (progress) => measure(modelGraph(model), x, y, o, progress));
}

function measure(
  graph: ModelGraph,
  x: tf.Tensor,
  y: tf.Tensor | undefined,
  o: Options,
  progress: Progress,
): SignalReport {
  const read = cachedReader();
  const n = x.shape[0] ?? 1;
  const nGrad = y === undefined ? 0 : Math.min(o.gradientExamples ?? n, n);
  const probes = graph.nodes
    .filter((node) => node.rule?.probe !== undefined)
    .map((node): Probe => {
      const kind = node.rule?.probe as SignalLayer['kind'];
      const after: FoundActivation | null = kind === 'kernel' ? activationAfter(graph, node, read) : null;
      const fuses = kind === 'kernel' && fusesActivation(node.layer);
      return {
        node,
        kind,
        post: after?.node ?? node,
        activation: after ? `${after.name}${after.alpha !== undefined ? `(${after.alpha})` : ''}` : kind,
        twin: fuses ? linearTwin(node.layer, node.inputShapes[0]) : null,
        fused: fuses ? tf.layers.activation({ activation: activationOption(node.layer) as 'linear' }) : null,
        kernelIndex: kind === 'recurrent' ? null : (outputKernel(node.layer)?.index ?? null),
        probabilities: after?.probabilities === true,
      };
    });
  // The prediction starts from this batch's input second moment (float inputs; ids feed an Embedding).
  const inputSecondMoment = x.dtype === 'float32' ? tf.tidy(() => x.square().mean().dataSync()[0]) : 1;
  const prediction = o.predict
    ? predictRows(graph, read, inputSecondMoment > 0 ? inputSecondMoment : 1, o.training)
    : [];
  const predicted = new Map(prediction.map((r) => [r.layer, r]));
  const chunk = o.chunkSize ?? autoChunk(graph, y !== undefined);
  const pre = new Map(probes.map((p) => [p.node, new Sums()]));
  const post = new Map(probes.map((p) => [p.post, new Sums()]));
  const gradPre = new Map(probes.map((p) => [p.node, new Sums()]));
  const gradKernel = new Map<GraphNode, tf.Tensor>();
  const byNode = new Map(probes.map((p) => [p.node, p]));
  // Kernels whose gradient is read: frozen ones are made trainable for the call (restored below).
  const madeTrainable: tf.Variable[] = [];
  const kernelOf = (p: Probe): tf.Variable | null => {
    if (p.kernelIndex === null) return null;
    const v = (p.twin ?? p.node.layer).weights[p.kernelIndex].read() as tf.Variable;
    if (!v.trainable) {
      v.trainable = true;
      madeTrainable.push(v);
    }
    return v;
  };
  try {
    if (y !== undefined) ensureGradientKernels(tf.getBackend());
    // labelled examples first (forward and backward in one pass), then the rest forward only
    const chunks: Array<[number, number, boolean]> = [];
    for (let start = 0; start < nGrad; start += chunk) chunks.push([start, Math.min(start + chunk, nGrad), true]);
    for (let start = nGrad; start < n; start += chunk) chunks.push([start, Math.min(start + chunk, n), false]);
    for (const [start, end, withGrad] of chunks) {
      const size = end - start;
      const xs = size === n ? x : x.slice(start, size);
      try {
        if (withGrad) {
          const ys = size === n ? (y as tf.Tensor) : (y as tf.Tensor).slice(start, size);
          try {
            backwardChunk(graph, xs, ys, probes, o, {
              pre,
              post,
              gradPre,
              gradKernel,
              byNode,
              kernelOf,
              size,
              total: nGrad,
              progress,
            });
          } finally {
            if (ys !== y) ys.dispose();
          }
        } else {
          tf.dispose(tf.tidy(() => forwardChunk(graph, xs, o.training, byNode, pre, post, null, progress)));
        }
      } finally {
        if (xs !== x) xs.dispose();
      }
      o.onProgress?.(end, n);
    }
    const rows = probes.map((p, i): SignalLayer => {
      const preS = pre.get(p.node)?.stats() ?? { std: NaN, secondMoment: NaN };
      const postS = post.get(p.post)?.stats() ?? { std: NaN, secondMoment: NaN };
      const prediction = predicted.get(p.post.name);
      const g = gradPre.get(p.node)?.stats();
      const k = gradKernel.get(p.node);
      return {
        layer: p.node.name,
        depth: i + 1,
        kind: p.kind,
        activation: p.activation,
        preStd: preS.std,
        preSecondMoment: preS.secondMoment,
        postStd: postS.std,
        postSecondMoment: postS.secondMoment,
        predictedSecondMoment: prediction?.secondMoment ?? null,
        predictedStd: predictedStd(prediction),
        gradKernelStd: k ? tensorStats(k).std : null,
        gradPreStd: g ? g.std : null,
        flags: (prediction?.amplification ?? 0) > UNSTABLE_AMPLIFICATION ? ['prediction unstable'] : [],
      };
    });
    flagRows(rows, o.ratio, new Set(probes.filter((p) => p.probabilities).map((p) => p.node.name)));
    return {
      layers: rows,
      vanishing: rows.filter((r) => r.flags.some((f) => f.endsWith('vanishing'))).map((r) => r.layer),
      exploding: rows.filter((r) => r.flags.some((f) => f.endsWith('exploding'))).map((r) => r.layer),
      chunkSize: Math.min(chunk, n),
    };
  } finally {
    for (const v of madeTrainable) v.trainable = false;
    for (const s of [...pre.values(), ...post.values(), ...gradPre.values()]) s.dispose();
    tf.dispose([...gradKernel.values()]);
    for (const p of probes) if (p.twin) disposeTwin(p.twin);
  }
}

/**
 * One forward pass of a chunk: records each probe's pre-activation and activation. `eps` (backward): a zero
 * perturbation added to each probed pre-activation, whose gradient is the pre-activation's.
 */
function forwardChunk(
  graph: ModelGraph,
  xs: tf.Tensor,
  training: boolean,
  byNode: ReadonlyMap<GraphNode, Probe>,
  pre: ReadonlyMap<GraphNode, Sums>,
  post: ReadonlyMap<GraphNode, Sums>,
  eps: ReadonlyMap<GraphNode, tf.Variable> | null,
  progress: Progress,
): tf.Tensor {
  const outputs = runGraph(graph, new Map([[graph.inputs[0], xs]]), {
    training,
    compute: (node, inputs) => {
      progress.layer = node.name;
      const p = byNode.get(node);
      if (!p || p.kind === 'recurrent') return null;
      const e = eps?.get(node);
      if (p.twin) {
        const z0 = p.twin.apply(inputs[0], { training }) as tf.Tensor;
        const z = e ? tf.add(z0, e) : z0;
        pre.get(node)?.add(z);
        return [p.fused?.apply(z) as tf.Tensor];
      }
      if (!e) return null;
      const z = tf.add(runNode(node, inputs, training)[0], e);
      pre.get(node)?.add(z);
      return [z];
    },
    onNode: (node, inputs, outs) => {
      const p = byNode.get(node);
      if (p?.kind === 'recurrent') pre.get(node)?.add(tf.tidy(() => inputProjection(node.layer, inputs[0])));
      else if (p && !p.twin && !eps?.has(node)) pre.get(node)?.add(outs[0]);
      post.get(node)?.add(outs[0]);
    },
  });
  return outputs.get(graph.outputs[0]) as tf.Tensor;
}

interface BackwardState {
  pre: ReadonlyMap<GraphNode, Sums>;
  post: ReadonlyMap<GraphNode, Sums>;
  gradPre: ReadonlyMap<GraphNode, Sums>;
  gradKernel: Map<GraphNode, tf.Tensor>;
  byNode: ReadonlyMap<GraphNode, Probe>;
  kernelOf: (p: Probe) => tf.Variable | null;
  /** Examples in this chunk, and labelled examples in all. */
  size: number;
  total: number;
  progress: Progress;
}

/** A chunk's forward pass under a gradient tape, then its gradients, accumulated over the labelled examples. */
function backwardChunk(
  graph: ModelGraph,
  xs: tf.Tensor,
  ys: tf.Tensor,
  probes: Probe[],
  o: Options,
  s: BackwardState,
): void {
  const withGrad = probes.filter((p) => p.kind !== 'recurrent');
  const shapes = new Map(withGrad.map((p) => [p.node, [s.size, ...(p.node.outputShapes[0].slice(1) as number[])]]));
  const eps = new Map(
    withGrad.map((p) => {
      const zeros = tf.zeros(shapes.get(p.node) as number[]);
      const v = tf.variable(zeros, true);
      zeros.dispose();
      return [p.node, v] as const;
    }),
  );
  const kernels = new Map(withGrad.map((p) => [p.node, s.kernelOf(p)] as const));
  const varList = [...new Set([...kernels.values()].filter((v): v is tf.Variable => v !== null)), ...eps.values()];
  try {
    const { value, grads } = tf.variableGrads(() => {
      try {
        return lossOf(o.loss, ys, forwardChunk(graph, xs, o.training, s.byNode, s.pre, s.post, eps, s.progress));
      } catch (error) {
        disposeTape();
        throw error;
      }
    }, varList);
    // the chunk-mean loss's gradients: the kernel's weighs in by the chunk's share, the pre-activation's per example
    for (const p of withGrad) {
      const e = eps.get(p.node) as tf.Variable;
      s.gradPre.get(p.node)?.add(grads[e.name], s.size);
      const k = kernels.get(p.node);
      if (!k) continue;
      const part = tf.mul(grads[k.name], s.size / s.total);
      const previous = s.gradKernel.get(p.node);
      s.gradKernel.set(p.node, previous ? tf.add(previous, part) : part);
      if (previous) tf.dispose([previous, part]);
    }
    tf.dispose([value, ...Object.values(grads)]);
  } finally {
    tf.dispose([...eps.values()]);
  }
}

/**
 * Frees the tensors the active gradient tape saved for a backward pass that will not run: tfjs keeps them until
 * its backward pass disposes them, so a forward pass that throws half way would leave them behind.
 */
function disposeTape(): void {
  const state = (tf.engine() as unknown as { state: { activeTape: Array<{ saved?: tf.Tensor[] }> | null } }).state;
  for (const node of state.activeTape ?? []) tf.dispose(node.saved ?? []);
}

/**
 * Each signal is compared with the layer it enters at: activations with the first row, gradients with the last. A
 * softmax output's spread is that of probabilities (about 1 / classes), not of a signal: it gets no activation flag.
 */
function flagRows(rows: SignalLayer[], ratio: number, probabilities: ReadonlySet<string>): void {
  const flag = (pick: (r: SignalLayer) => number | null, what: string, reference: SignalLayer | undefined): void => {
    const ref = reference ? pick(reference) : null;
    if (ref === null || !(ref > 0)) return;
    for (const r of rows) {
      if (what === 'activation' && probabilities.has(r.layer)) continue;
      const v = pick(r);
      if (v === null || !Number.isFinite(v)) continue;
      if (v / ref < 1 / ratio) r.flags.push(`${what} vanishing`);
      if (v / ref > ratio) r.flags.push(`${what} exploding`);
    }
  };
  flag((r) => r.postStd, 'activation', rows[0]);
  flag((r) => r.gradPreStd, 'gradient', rows[rows.length - 1]);
}
