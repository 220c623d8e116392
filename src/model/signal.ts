/**
 * Signal-propagation diagnostics: per kernel, recurrent or embedding layer, the spread of pre-activations and
 * activations on a batch (forward) and of the loss gradient with respect to the kernel and
 * the pre-activation (backward), with vanishing / exploding flags: activations relative to the
 * first layer, gradients relative to the last.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';
import { ConfigOf, OptionsOf, choice, defineOptions, flag, integerIn, numberIn, parseOptions } from '../options.js';
import { FoundActivation, activationAfter } from './graph.js';
import { isRecurrentLayer, kernelSlots } from './roles.js';
import { inputProjection, intermediateValues, linearProbe, tensorStats } from './probe.js';
import { UNSTABLE_AMPLIFICATION, predictSignal } from './predict.js';
import { checkModel } from './transaction.js';

/** Signal statistics of one layer. */
export interface SignalLayer {
  /** Layer name. */
  layer: string;
  /** 1-based position among the rows. */
  depth: number;
  /**
   * `kernel` (Dense, Conv: pre is the linear output), `recurrent` (SimpleRNN/LSTM/GRU: pre is the input
   * projection x W_in over every gate and step, post the layer's output) or `embedding` (pre = post = the output).
   */
  kind: 'kernel' | 'recurrent' | 'embedding';
  /** The nonlinearity after the layer, e.g. `relu` or `leakyRelu(0.2)`. */
  activation: string;
  /** Std of the pre-activation (the layer's linear output) over the batch and units. */
  preStd: number;
  /** Second moment E[y^2] of the pre-activation. */
  preSecondMoment: number;
  /** Std of the activation (after the nonlinearity). */
  postStd: number;
  /** Second moment of the activation. */
  postSecondMoment: number;
  /** predictSignal's data-free prediction of postSecondMoment (inputs of unit second moment), or null where it has none. */
  predictedSecondMoment: number | null;
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
  /** Measure as in training (BatchNorm batch statistics, Dropout on; default true) or in inference; predictSignal uses the same. */
  training: flag(true),
  /**
   * Examples the backward pass uses: the first n of the batch (default: all). Gradients cost several times the
   * forward pass (tfjs's transposed matMuls), so a sub-batch keeps a large batch's forward statistics cheap.
   */
  gradientExamples: integerIn(null, 1, 1e9),
});

/** Options of signalPropagation. */
export interface SignalOptions extends OptionsOf<typeof SPEC> {}
type LossKind = ConfigOf<typeof SPEC>['loss'];

/** What signalPropagation found. */
export interface SignalReport {
  /** One row per kernel layer, in model order. */
  layers: SignalLayer[];
  /** Layers with a vanishing flag. */
  vanishing: string[];
  /** Layers with an exploding flag. */
  exploding: string[];
}

function lossOf(kind: LossKind, y: tf.Tensor, p: tf.Tensor): tf.Scalar {
  return kind === 'meanSquaredError'
    ? (tf.losses.meanSquaredError(y, p) as tf.Scalar)
    : (tf.metrics.categoricalCrossentropy(y, p).mean() as tf.Scalar);
}

/** One input, one output, every layer called once: the graphs the backward walk handles. */
function isSingleGraph(model: tf.LayersModel): boolean {
  return (
    model.inputs.length === 1 && model.outputs.length === 1 && model.layers.every((l) => l.inboundNodes.length === 1)
  );
}

/** Runs the model's graph layer by layer (topological order), each layer through `apply`; returns the output. */
function walk(
  model: tf.LayersModel,
  order: tf.layers.Layer[],
  x: tf.Tensor,
  apply: (layer: tf.layers.Layer, inputs: tf.Tensor[]) => tf.Tensor,
): tf.Tensor {
  const values = new Map<number, tf.Tensor>([[model.inputs[0].id, x]]);
  for (const layer of order) {
    const inputs = ([] as tf.SymbolicTensor[]).concat(layer.input as tf.SymbolicTensor | tf.SymbolicTensor[]);
    values.set(
      (layer.output as tf.SymbolicTensor).id,
      apply(
        layer,
        inputs.map((t) => values.get(t.id) as tf.Tensor),
      ),
    );
  }
  return values.get(model.outputs[0].id) as tf.Tensor;
}

/** How backward reaches a kernel layer's pre-activation: a linear twin (the layer itself when its own activation is linear). */
interface Twin {
  /** The layer whose output is the pre-activation. */
  linear: tf.layers.Layer;
  /** The layer's fused activation, applied after the twin (null when the layer is its own twin). */
  activation: tf.layers.Layer | null;
  /** Shape of the pre-activation on this batch. */
  shape: number[];
}

/**
 * Backward statistics: runs the model's graph eagerly (same `training` mode as the forward statistics) with each
 * kernel layer's pre-activation coming from its twin, plus a zero perturbation, and differentiates the loss with
 * respect to every perturbation and every twin's kernel.
 */
function backward(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  kind: LossKind,
  twins: ReadonlyMap<tf.layers.Layer, Twin>,
  training: boolean,
): Map<string, { kernel: number; pre: number }> {
  const order = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const out = new Map<string, { kernel: number; pre: number }>();
  const zeroVariable = (shape: number[]): tf.Variable => {
    const zeros = tf.zeros(shape);
    const v = tf.variable(zeros, true);
    zeros.dispose();
    return v;
  };
  const eps = new Map([...twins].map(([layer, t]) => [layer, zeroVariable(t.shape)]));
  const kernelOf = (layer: tf.layers.Layer): tf.Variable =>
    (twins.get(layer) as Twin).linear.weights[kernelSlots(layer).slice(-1)[0].index].read() as tf.Variable;
  const varList = [...[...twins.keys()].map(kernelOf), ...eps.values()];
  const { value, grads } = tf.variableGrads(() => {
    const h = walk(model, order, x, (layer, inputs) => {
      const twin = twins.get(layer);
      if (!twin) return layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training }) as tf.Tensor;
      const z = tf.add(twin.linear.apply(inputs[0], { training }) as tf.Tensor, eps.get(layer) as tf.Variable);
      return twin.activation ? (twin.activation.apply(z) as tf.Tensor) : z;
    });
    return lossOf(kind, y, h);
  }, varList);
  for (const layer of twins.keys()) {
    out.set(layer.name, {
      kernel: tensorStats(grads[kernelOf(layer).name]).std,
      pre: tensorStats(grads[(eps.get(layer) as tf.Variable).name]).std * (x.shape[0] ?? 1),
    });
  }
  tf.dispose([value, ...Object.values(grads), ...eps.values()]);
  return out;
}

/**
 * Forward (and, given labels `y`, backward) signal statistics per kernel layer on the batch `x`.
 * The pre-activation gradient is reported per example (the batch-mean loss's gradient times
 * the batch size). The backward pass walks the graph (chains, residual Adds, merges): one input, one output,
 * no shared layers.
 */
export function signalPropagation(
  model: tf.LayersModel,
  x: tf.Tensor,
  y?: tf.Tensor,
  options: SignalOptions = {},
): SignalReport {
  checkModel(OWNER, model);
  const { ratio, loss, training, gradientExamples } = parseOptions(OWNER, SPEC, options);
  if (!(x instanceof tf.Tensor) || x.isDisposed) throw new ModelError(OWNER, 'x', x, 'a tensor that is not disposed');
  if (y !== undefined && (!(y instanceof tf.Tensor) || y.isDisposed)) {
    throw new ModelError(OWNER, 'y', y, 'a tensor that is not disposed, or undefined for forward statistics only');
  }
  if (y !== undefined && !isSingleGraph(model)) {
    const allowed = 'a model with one input, one output and no shared layers when labels y are given';
    const message = `${OWNER}: the backward pass needs ${allowed.replace(' when labels y are given', '')}; call it without y for forward statistics`;
    throw new ModelError(OWNER, 'model', model.name, allowed, message);
  }
  // Kernel layers, recurrent layers and embeddings, in model order (roles.ts).
  const layers = model.layers.filter(
    (l) => kernelSlots(l).length > 0 || isRecurrentLayer(l) || l.getClassName() === 'Embedding',
  );
  const kindOf = (l: tf.layers.Layer): SignalLayer['kind'] =>
    kernelSlots(l).length > 0 ? 'kernel' : isRecurrentLayer(l) ? 'recurrent' : 'embedding';
  const afters = layers.map((l) => (kindOf(l) === 'kernel' ? activationAfter(l) : null));
  // per layer: its input, its own output and the output after its activation (the same tensor when fused)
  const symbolic = layers.flatMap((l, i) => [
    l.input as tf.SymbolicTensor,
    l.output as tf.SymbolicTensor,
    (afters[i]?.layer ?? l).output as tf.SymbolicTensor,
  ]);
  const values = intermediateValues(model, x, symbolic, training);
  // The prediction starts from this batch's input second moment (float inputs; ids feed an Embedding).
  const inputSecondMoment = x.dtype === 'float32' ? tf.tidy(() => x.square().mean().dataSync()[0]) : 1;
  const predicted = new Map(
    predictSignal(model, { training, inputSecondMoment: inputSecondMoment > 0 ? inputSecondMoment : 1 }).map((r) => [
      r.layer,
      r,
    ]),
  );
  const twins = new Map<tf.layers.Layer, Twin>();
  const probes: tf.layers.Layer[] = [];
  let rows: SignalLayer[];
  try {
    rows = layers.map((layer, i) => {
      const [input, own, output] = [values[3 * i], values[3 * i + 1], values[3 * i + 2]];
      const kind = kindOf(layer);
      let pre: { std: number; secondMoment: number };
      let activation: string;
      if (kind === 'kernel') {
        const fused = (layer.getConfig() as { activation?: string }).activation ?? 'linear';
        if (fused === 'linear') {
          // its own output is the pre-activation: no twin to build, no extra pass
          pre = tensorStats(own);
          twins.set(layer, { linear: layer, activation: null, shape: own.shape });
        } else {
          const { probe, output: z } = linearProbe(layer, input, training);
          probes.push(probe);
          pre = tensorStats(z);
          twins.set(layer, {
            linear: probe,
            activation: tf.layers.activation({ activation: fused as 'linear' }),
            shape: z.shape,
          });
          z.dispose();
        }
        const a = afters[i] as FoundActivation;
        activation = `${a.name}${a.alpha !== undefined ? `(${a.alpha})` : ''}`;
      } else if (kind === 'recurrent') {
        pre = tf.tidy(() => tensorStats(inputProjection(layer, input)));
        activation = 'recurrent';
      } else {
        pre = tensorStats(output);
        activation = 'embedding';
      }
      const postS = tensorStats(output);
      return {
        layer: layer.name,
        depth: i + 1,
        kind,
        activation,
        preStd: pre.std,
        preSecondMoment: pre.secondMoment,
        postStd: postS.std,
        postSecondMoment: postS.secondMoment,
        predictedSecondMoment: predicted.get((afters[i]?.layer ?? layer).name)?.secondMoment ?? null,
        gradKernelStd: null,
        gradPreStd: null,
        flags:
          (predicted.get((afters[i]?.layer ?? layer).name)?.amplification ?? 0) > UNSTABLE_AMPLIFICATION
            ? ['prediction unstable']
            : [],
      };
    });
    tf.dispose(values);
    if (y !== undefined) {
      const n = Math.min(gradientExamples ?? Infinity, x.shape[0] ?? 1);
      const part = (t: tf.Tensor): tf.Tensor => (n < (t.shape[0] ?? 1) ? t.slice(0, n) : t);
      const [xs, ys] = [part(x), part(y)];
      const sized = new Map([...twins].map(([l, t]) => [l, { ...t, shape: [n, ...t.shape.slice(1)] }]));
      const grads = backward(model, xs, ys, loss, sized, training);
      if (xs !== x) tf.dispose([xs, ys]);
      for (const row of rows) {
        const g = grads.get(row.layer);
        row.gradKernelStd = g?.kernel ?? null;
        row.gradPreStd = g?.pre ?? null;
      }
    }
  } finally {
    tf.dispose(values);
    for (const probe of probes) probe.dispose();
  }
  // Each signal is compared with the layer it enters at: activations with the first layer,
  // gradients with the last (where the loss gradient enters the network).
  const flag = (pick: (r: SignalLayer) => number | null, what: string, reference: SignalLayer | undefined): void => {
    const ref = reference ? pick(reference) : null;
    if (ref === null || !(ref > 0)) return;
    for (const r of rows) {
      const v = pick(r);
      if (v === null) continue;
      if (v / ref < 1 / ratio) r.flags.push(`${what} vanishing`);
      if (v / ref > ratio) r.flags.push(`${what} exploding`);
    }
  };
  flag((r) => r.postStd, 'activation', rows[0]);
  flag((r) => r.gradPreStd, 'gradient', rows[rows.length - 1]);
  return {
    layers: rows,
    vanishing: rows.filter((r) => r.flags.some((f) => f.endsWith('vanishing'))).map((r) => r.layer),
    exploding: rows.filter((r) => r.flags.some((f) => f.endsWith('exploding'))).map((r) => r.layer),
  };
}
