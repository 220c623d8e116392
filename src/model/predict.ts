/**
 * Analytic, data-free prediction of the second moment of every layer's output, for any built LayersModel (a DAG,
 * nested models walked as the layers they hold). It reads the model's actual weights: each channel's mean and
 * variance, at every position where the tensor has positions (moments_positions.ts), pass through the actual
 * kernels, treating channels as uncorrelated (a diagonal approximation) and positions as correlated per channel
 * (moments_spatial.ts), and activations act through the Gaussian expectation per element. Each layer's rule
 * (layers/) states its moment rule and the approximation it rests on; the infinite-width, weight-free limit of the
 * same map is `meanField.lengthMap`. Layers without a moment rule are named in the result, as is everything
 * downstream of them.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';
import { OptionsOf, defineOptions, flag, parseOptions, positive } from '../options.js';
import { GraphNode, ModelGraph, WeightReader, cachedReader, modelGraph } from './graph.js';
import { lastAxis } from './layers/common.js';
import { MomentOutput } from './layers/index.js';
import { Stats, average, centred } from './moments.js';
import { positionsOf, uniformMap } from './moments_positions.js';
import { checkModel, guarded } from './transaction.js';

const OWNER = 'predictSignal';
const SPEC = defineOptions({
  /** Second moment of every input feature (zero mean); default 1 (standardized data). */
  inputSecondMoment: positive(1),
  /** BatchNorm, Dropout and noise as in training (batch statistics; default true) or in inference (moving statistics). */
  training: flag(true),
});

/** Options of predictSignal. */
export interface PredictSignalOptions extends OptionsOf<typeof SPEC> {}

/** The prediction for one layer's output. */
export interface PredictedLayer {
  /** Layer name (inside a nested model: `model/layer`; a shared layer's later calls: `layer#k`). */
  layer: string;
  /** Layer class. */
  className: string;
  /** Predicted E[y^2] over the output's elements, or null where the layer could not be predicted. */
  secondMoment: number | null;
  /** Predicted E[y] over the output's elements, or null. */
  mean: number | null;
  /**
   * d log E[y^2] / d log E[x^2]: how much a relative error in the input's second moment (or in an early layer's
   * prediction) is amplified by here. 1 through relu or linear layers, 0 after a normalization, above 1 where the
   * length map's fixed point is unstable (gelu at its He gain: about 1.14x per layer); rows above 2 are flagged
   * unstable in `note`. null where there is no prediction.
   */
  amplification: number | null;
  /** Why there is no prediction, which approximation it rests on, and whether it is unstable. */
  note?: string;
}

/** Relative nudge of the input's second moment for `amplification`. */
const NUDGE = 1e-3;
/** Amplification above which a prediction is flagged unstable (here and by signalPropagation). */
export const UNSTABLE_AMPLIFICATION = 2;

/** A value's prediction and the approximations upstream of it, or why it has none. */
type Slot = { stats: Stats; upstream: readonly string[] } | { reason: string };

/**
 * The prediction over a graph, node by node, with each value's per-channel moments kept, so a tool can change a
 * weight (through `read`) and predict again from the node that holds it (initializeModel's `preserve`).
 */
export class Propagation {
  /** Per value key: its moments or why there are none. */
  readonly values = new Map<string, Slot>();
  /** Per node index: its row. */
  readonly rows: PredictedLayer[];
  /** Per node index: the moments before the layer's own activation (its output's where it has none), or none. */
  readonly preActivations = new Map<number, Stats>();

  constructor(
    readonly graph: ModelGraph,
    readonly inputSecondMoment: number,
    readonly training: boolean,
    readonly read: WeightReader,
    /** Predict every node now (default); false: the caller runs the nodes, in order, with `run`. */
    now = true,
  ) {
    this.rows = graph.nodes.map((n) => ({
      layer: n.name,
      className: n.layer.getClassName(),
      secondMoment: null,
      mean: null,
      amplification: null,
    }));
    if (now) this.run(0, graph.nodes.length - 1);
  }

  /** Predicts nodes from..to (inclusive) again from the values upstream of them. */
  run(from: number, to: number): void {
    for (const node of this.graph.nodes.slice(from, to + 1)) this.predict(node);
  }

  /** The moments of a value, or null. */
  stats(key: string): Stats | null {
    const slot = this.values.get(key);
    return slot && 'stats' in slot ? slot.stats : null;
  }

  /**
   * Predicts node `index` again after its layer's output kernel was multiplied by `factor`: from its rule's
   * `scaled` answer where the last prediction gave one (no need to run the rule), else by running the rule.
   */
  rescale(index: number, factor: number): void {
    const node = this.graph.nodes[index];
    const scaled = this.scalers.get(index);
    this.predict(node, scaled && this.checked(node, scaled(factor)));
  }

  /** Per node index: how its last prediction changes when its output kernel is scaled (its rule's `scaled`). */
  private readonly scalers = new Map<number, (factor: number) => MomentOutput>();

  private predict(node: GraphNode, given?: MomentOutput | string): void {
    const row: PredictedLayer = { ...this.rows[node.index], secondMoment: null, mean: null, amplification: null };
    delete row.note;
    this.preActivations.delete(node.index);
    if (given === undefined) this.scalers.delete(node.index);
    const result = given ?? this.outputOf(node);
    if (typeof result === 'string') {
      row.note = result;
      node.outputs.forEach((k) =>
        this.values.set(k, { reason: result.startsWith('downstream of') ? result : `downstream of ${node.name}` }),
      );
    } else {
      // the approximations this value rests on: its inputs', and its own rule's, since the last reset
      const inherited = result.resets ? [] : [...new Set(node.inputs.flatMap((k) => this.upstream(k)))];
      const own = result.note && !result.exact ? result.note : null;
      const upstream = own && !inherited.includes(own) ? [...inherited, own] : inherited;
      this.values.set(node.outputs[0], { stats: result.moments, upstream });
      this.preActivations.set(node.index, (result.preActivation as Stats | undefined) ?? result.moments);
      node.outputs
        .slice(1)
        .forEach((k, i) =>
          this.values.set(k, { reason: `downstream of output ${i + 1} of ${node.name}, which has no prediction` }),
        );
      row.secondMoment = average(result.moments.m2);
      row.mean = average(result.moments.mean);
      const before = inherited.filter((n) => n !== own);
      const notes = [result.note, before.length ? `upstream: ${before.join('; ')}` : undefined].filter(Boolean);
      if (notes.length) row.note = notes.join('; ');
    }
    this.rows[node.index] = row;
  }

  /** The approximations a value rests on. */
  private upstream(key: string): readonly string[] {
    const slot = this.values.get(key);
    return slot && 'upstream' in slot ? slot.upstream : [];
  }

  private outputOf(node: GraphNode): MomentOutput | string {
    if (node.inputs.length === 0) {
      const shape = node.outputShapes[0];
      const input = centred(lastAxis(shape), this.inputSecondMoment);
      const dims = shape.slice(1, -1);
      if (dims.length > 0 && dims.every((n): n is number => typeof n === 'number'))
        input.positions = uniformMap(dims, input.mean, input.m2);
      return { moments: input };
    }
    const inputs: Stats[] = [];
    for (const key of node.inputs) {
      const slot = this.values.get(key);
      if (!slot) return 'downstream of a value it has not predicted';
      if ('reason' in slot) return slot.reason;
      inputs.push(slot.stats);
    }
    const rule = node.rule;
    const cls = node.layer.getClassName();
    if (!rule) return `no rule for ${cls} (registerLayerRule adds one)`;
    if (rule.unsupported) return rule.unsupported;
    if (!rule.moments) return `the rule for ${cls} has no moment rule`;
    let out: MomentOutput | string;
    try {
      out = rule.moments({
        layer: node.layer,
        inputs,
        inputShapes: node.inputShapes,
        outputShapes: node.outputShapes,
        weights: this.read(node.layer),
        weightsOf: this.read,
        training: this.training,
      });
    } catch (error) {
      if (error instanceof ModelError) throw error;
      const message = `${OWNER}: the moment rule for ${node.name} (${cls}) failed: ${(error as Error)?.message ?? String(error)}`;
      throw Object.assign(new ModelError(OWNER, 'layer', node.name, 'a layer whose moment rule runs', message), {
        cause: error,
      });
    }
    return this.checked(node, out);
  }

  /** A rule's answer checked and copied: valid moments or an error naming the layer; positions kept where right. */
  private checked(node: GraphNode, out: MomentOutput | string): MomentOutput | string {
    if (typeof out === 'string') return out;
    const rule = node.rule as NonNullable<GraphNode['rule']>;
    const cls = node.layer.getClassName();
    const m = out?.moments;
    const ok =
      m !== undefined &&
      m.mean?.length > 0 &&
      m.mean.length === m.m2?.length &&
      Array.from(m.m2).every((v, c) => Number.isFinite(v) && v >= 0 && Number.isFinite(m.mean[c]));
    if (!ok) {
      const message = `${OWNER}: the moment rule for ${node.name} (${cls}) returned no valid moments (mean and m2 of one length, finite, m2 >= 0)`;
      throw new ModelError(OWNER, 'layer', node.name, 'a moment rule that returns valid moments', message);
    }
    // a copy, so a user's rule cannot alias another value's arrays; the built-in extras (before, spatial, padded) kept,
    // the positions only from a rule that computes them and where they describe the output
    const { positions, ...rest } = m as Stats;
    const moments: Stats = { ...rest, mean: Float64Array.from(m.mean), m2: Float64Array.from(m.m2) };
    if (positions && rule.positions && positionsOf(m as Stats, node.outputShapes[0])) moments.positions = positions;
    const pre = out.preActivation;
    const preOk = pre !== undefined && pre.m2?.length === pre.mean?.length && Array.from(pre.m2).every((v) => v >= 0);
    const preActivation = preOk ? { mean: Float64Array.from(pre.mean), m2: Float64Array.from(pre.m2) } : undefined;
    if (typeof out.scaled === 'function') this.scalers.set(node.index, out.scaled);
    return { ...out, moments, preActivation };
  }
}

/**
 * Predicts, without data, the mean and second moment of every layer's output of a built model whose inputs are
 * zero-mean with second moment `inputSecondMoment` (default 1) per feature. Returns a row per layer call, in
 * topological order (nested models' layers in place of the model); layers it cannot predict (and everything
 * downstream) have `secondMoment: null` and a note saying why. It only reads the model.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { initializeModel, predictSignal } from 'tfjs-initializers';
 *
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.dense({ units: 64, inputShape: [32], activation: 'relu' }),
 *     tf.layers.dense({ units: 64, activation: 'relu' }),
 *     tf.layers.dense({ units: 10, activation: 'softmax' }),
 *   ],
 * });
 * initializeModel(model, { seed: 1 });
 * // no data: E[y^2] of every layer from the weights, for a unit-second-moment input
 * for (const row of predictSignal(model)) console.log(row.layer, row.secondMoment?.toFixed(3));
 * ```
 */
export function predictSignal(model: tf.LayersModel, options: PredictSignalOptions = {}): PredictedLayer[] {
  checkModel(OWNER, model);
  const o = parseOptions(OWNER, SPEC, options);
  return guarded(OWNER, () => predictRows(modelGraph(model), cachedReader(), o.inputSecondMoment, o.training));
}

/** predictSignal's rows for a graph, its weights read through `read` (signalPropagation shares its graph and reads). */
export function predictRows(
  graph: ModelGraph,
  read: WeightReader,
  inputSecondMoment: number,
  training: boolean,
): PredictedLayer[] {
  // the same map from a slightly larger input: how much a relative error at the input is amplified at each layer
  const [rows, nudged] = [inputSecondMoment, inputSecondMoment * (1 + NUDGE)].map(
    (m2) => new Propagation(graph, m2, training, read).rows,
  );
  return rows.map((row, i) => {
    const other = nudged[i].secondMoment;
    if (row.secondMoment === null || other === null || !(row.secondMoment > 0)) return row;
    const amplification = Math.log(other / row.secondMoment) / Math.log1p(NUDGE);
    const unstable = amplification > UNSTABLE_AMPLIFICATION;
    return {
      ...row,
      amplification,
      note: unstable
        ? [row.note, `unstable: an error in the input's second moment is amplified ${amplification.toFixed(1)}x here`]
            .filter(Boolean)
            .join('; ')
        : row.note,
    };
  });
}
