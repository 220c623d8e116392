/**
 * Model-wide activation-aware re-initialization, weight by weight, by role (the layer rules, layers/): every
 * option is parsed and every gain computed before anything is drawn; the weights are then written layer by layer,
 * all-or-nothing. Frozen layers (`trainable: false`, or inside a frozen model) keep their weights unless
 * `includeFrozen`. The draws per role are in init_plan.ts, the residual options in residual_init.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { DISTRIBUTIONS, UNTRUNCATED } from '../initializers/core.js';
import { GAIN_CRITERIA, GAIN_MODES } from '../math/gains.js';
import { InitializerConfigError } from '../errors.js';
import {
  OptionsOf,
  SEED_FIELD,
  choice,
  defineOptions,
  flag,
  numberIn,
  numberOr,
  parseOptions,
  positive,
} from '../options.js';
import { Xoshiro128, freshSeed } from '../sampling/prng.js';
import {
  GraphLayer,
  ModelGraph,
  WeightReader,
  activationAfter,
  activationBefore,
  cachedReader,
  modelGraph,
  overlayReader,
} from './graph.js';
import { shortName } from './layers/common.js';
import { LayerContext, LayerInitReport, PlannedDraw, planLayer } from './init_plan.js';
import { ResidualBlock, residualBlocks } from './residual.js';
import { residualFactors, scaleByPrediction } from './residual_init.js';
import { WeightSlot, weightSlots } from './roles.js';
import { Progress, checkModel, guarded, replaceWeights, withRollback } from './transaction.js';

export type { LayerInitReport } from './init_plan.js';

const OWNER = 'initializeModel';
const SPEC = defineOptions({
  /**
   * `he` (default): input-side nonlinearity for fanIn, output-side for fanOut; `pytorch`: output-side always;
   * `pytorchDefault`: what PyTorch's constructors draw (Linear/Conv kernel and bias U(-1/sqrt(fanIn), 1/sqrt(fanIn)), LSTM/GRU/RNN
   * every weight U(-1/sqrt(units), 1/sqrt(units)), Embedding N(0, 1), normalization 1 and 0); `deltaOrthogonal`: for plain
   * conv chains, each kernel at the edge of chaos of the activation after it (meanField.edgeOfChaos at sigma_b^2 =
   * `biasVariance`): Conv kernels delta-orthogonal and Dense kernels orthogonal, both with gain sqrt(sigma_w^2),
   * biases N(0, sigma_b^2) (Xiao et al. 2018); `predicted`: the `he` draw, then, in topological order, each kernel
   * scaled so the predicted second moment of its pre-activation (predictSignal, inference mode, no data) is 1, and
   * each residual block's closing weight so the block adds 1 / L of the stream's (as `residual: 'preserve'`).
   */
  rule: choice(['he', 'pytorch', 'pytorchDefault', 'deltaOrthogonal', 'predicted'], 'he'),
  /** `fanIn` (default) keeps activations, `fanOut` keeps gradients. */
  mode: choice(GAIN_MODES, 'fanIn'),
  /** Gain formula: `variance` (exact, default) or `pytorch` (calculateGain). */
  criterion: choice(GAIN_CRITERIA, 'variance'),
  /** Default `truncatedNormal` (std exact). */
  distribution: choice(DISTRIBUTIONS, 'truncatedNormal', UNTRUNCATED),
  /** Model-level seed; each weight gets its own seed derived from it. Omitted: fresh values. */
  seed: SEED_FIELD,
  /**
   * Set biases (default true): zero, but the forget gate of LSTM (f) and GRU (z) gets `forgetBias`; with rule
   * `pytorchDefault`, drawn as PyTorch does. false leaves every bias as it is.
   */
  zeroBiases: flag(true),
  /** Forget-gate bias of LSTM and GRU: a number (default 1), or `'chrono'` (Tallec & Ollivier 2018) with `maxTimescale`. */
  forgetBias: numberOr(1, -1e6, ['chrono']),
  /** T_max for `forgetBias: 'chrono'`: the longest dependency, in steps, the task needs (>= 2). */
  maxTimescale: numberIn(null, 2, 1e9),
  /** Std of Embedding tables; default 1, so the layer after an Embedding sees inputs of unit second moment. */
  embeddingStd: positive(1),
  /**
   * Residual blocks (an Add of an identity skip and branches with kernels, found from the graph): `none`
   * (default: the local rule in every branch, so each block adds the branch's variance to the stream);
   * `preserve`: each block's closing weight (the gamma of a BatchNorm after the branch's last kernel, else that
   * kernel) scaled once from predictSignal's prediction so the block adds 1 / L of the stream's second moment (at
   * most e over L blocks); `zero`: that closing weight set to 0 (Goyal et al. 2017; the weight part of Fixup and
   * SkipInit), so every block starts as the identity; `fixup`: last kernel 0 and the branch's other kernels times
   * L^(-1/(2m-2)), m kernels per branch (Zhang et al. 2019); `depth`: the last kernel's std over sqrt(2 L)
   * (GPT-2, Radford et al. 2019).
   */
  residual: choice(['none', 'preserve', 'zero', 'fixup', 'depth'], 'none'),
  /** sigma_b^2 for rule `deltaOrthogonal` (default 0): the bias variance the critical point is computed for. */
  biasVariance: numberIn(null, 0, 100),
  /**
   * Re-initialize frozen layers too (`trainable: false`, or inside a frozen nested model); default false: their
   * weights stay as they are (a pretrained backbone under a new head) and their rows say so.
   */
  includeFrozen: flag(false),
});

/** Options of initializeModel. */
export interface InitializeModelOptions extends OptionsOf<typeof SPEC> {}

type Layer = tf.layers.Layer;

const FROZEN = 'frozen (trainable: false): left as it is; includeFrozen: true re-initializes it';

/** A `slope` weight's value from the layer's own initializer for it (PReLU: `alphaInitializer`, default zeros). */
function slopeOf(layer: Layer, slot: WeightSlot, shape: number[]): { values: Float32Array; note: string } {
  const name = shortName(layer.weights[slot.index]);
  const init = (
    layer as unknown as Record<string, { apply?: (s: number[]) => tf.Tensor; getClassName?: () => string }>
  )[`${name}Initializer`];
  if (!init?.apply)
    return { values: new Float32Array(shape.reduce((a, b) => a * b, 1)), note: 'zeros (no initializer found)' };
  const t = init.apply(shape);
  const values = t.dataSync().slice() as Float32Array;
  t.dispose();
  return { values, note: `from its ${name}Initializer (${init.getClassName?.() ?? 'initializer'})` };
}

/**
 * Re-initializes every weight of a built model whose role its layer rule states: Dense, Conv1D/2D/3D,
 * DepthwiseConv2D, SeparableConv2D, Conv2D/3DTranspose, Embedding, SimpleRNN/LSTM/GRU/ConvLSTM2D (also as
 * `tf.layers.rnn` with their cells, stacked cells, and inside Bidirectional or TimeDistributed), BatchNormalization,
 * LayerNormalization, PReLU, nested models' layers, and any layer class with a registered rule (registerLayerRule).
 * - Kernels: std = g / sqrt(fan), g the gain of the nonlinearity the rule selects, found through pooling,
 *   concatenation, reshapes, padding and normalization.
 * - Recurrent input kernels: the He rule (the gain of the nonlinearity the input went through, the same for every
 *   gate); recurrent kernels: orthogonal, one block per gate; biases 0 except the forget gate (LSTM f, GRU z):
 *   `forgetBias` (1, or chrono).
 * - Embedding: std `embeddingStd` (1): the next layer sees unit second moment.
 * - Normalization: gamma 1, beta 0, moving mean 0, moving variance 1. PReLU's slope: from its alphaInitializer.
 * Layers it does not know, and frozen layers (unless `includeFrozen`), are left untouched and reported. Every
 * option, and every gain, is checked before any weight changes; if anything fails, the model is left exactly as it
 * was. Returns one report row per weight it set (and per layer it left alone).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { initializeModel } from 'tfjs-initializers';
 *
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.dense({ units: 64, inputShape: [32], activation: 'relu' }),
 *     tf.layers.dense({ units: 64, activation: 'relu' }),
 *     tf.layers.dense({ units: 10, activation: 'softmax' }),
 *   ],
 * });
 * const rows = initializeModel(model, { seed: 1 });
 * const first = rows[0];
 * console.log(first.role, first.activation, first.gain, first.fan, first.std?.toFixed(4));
 * ```
 * ```text output
 * kernel data from model input 1 32 0.1768
 * ```
 */
export function initializeModel(model: tf.LayersModel, options: InitializeModelOptions = {}): LayerInitReport[] {
  checkModel(OWNER, model);
  const o = parseOptions(OWNER, SPEC, options);
  if (o.forgetBias === 'chrono' && o.maxTimescale === null) {
    throw new InitializerConfigError(OWNER, 'maxTimescale', null, "a number >= 2 with forgetBias 'chrono'");
  }
  if (o.rule === 'predicted' && o.residual !== 'none' && o.residual !== 'preserve') {
    const allowed = "'none' or 'preserve' with rule 'predicted' (it scales residual blocks as 'preserve' does)";
    throw new InitializerConfigError(OWNER, 'residual', o.residual, allowed);
  }
  if (o.biasVariance !== null && o.rule !== 'deltaOrthogonal') {
    throw new InitializerConfigError(OWNER, 'biasVariance', o.biasVariance, "absent unless rule is 'deltaOrthogonal'");
  }
  const planned = guarded(OWNER, (progress) => planModel(model, o, progress));
  // Write: layer by layer, all-or-nothing.
  const { graph, blocks, reports, plan, writable } = planned;
  withRollback(OWNER, model, (progress) => {
    const byLayer = new Map<Layer, PlannedDraw[]>();
    for (const p of plan) byLayer.set(p.layer, [...(byLayer.get(p.layer) ?? []), p]);
    const names = new Map(graph.layers.map((e) => [e.layer, e.name]));
    for (const [layer, draws] of byLayer) {
      progress.layer = names.get(layer) ?? layer.name;
      replaceWeights(layer, new Map(draws.map((p) => [p.index, tf.tensor(p.draw(), p.shape, 'float32')])));
    }
    if (o.rule === 'predicted') scaleByPrediction(graph, blocks, reports, progress, writable, PREDICTED);
    else if (o.residual === 'preserve' && blocks.length > 0)
      scaleByPrediction(graph, blocks, reports, progress, writable, PRESERVE);
  });
  return reports;
}

type Options = ReturnType<typeof parseOptions<typeof SPEC>>;

/** `rule: 'predicted'`: every kernel and every block, on the inference-mode prediction (the modes agree then). */
const PREDICTED = { units: true, training: false } as const;
/** `residual: 'preserve'`: the blocks' closing weights, on the training-mode prediction. */
const PRESERVE = { units: false, training: true } as const;

/** What planning hands the write: every draw, the report, and what the residual options need. */
interface ModelPlan {
  graph: ModelGraph;
  blocks: ResidualBlock[];
  reports: LayerInitReport[];
  plan: PlannedDraw[];
  writable: (layer: Layer) => boolean;
}

/** Every role, gain and shape, before anything is drawn or written. */
function planModel(model: tf.LayersModel, o: Options, progress: Progress): ModelPlan {
  const graph = modelGraph(model);
  // 'predicted' draws as 'he' does; the scaling comes after
  const local = { ...o, rule: o.rule === 'predicted' ? ('he' as const) : o.rule };
  const found = residualBlocks(graph);
  const blocks = o.residual === 'none' && o.rule !== 'deltaOrthogonal' && o.rule !== 'predicted' ? [] : found;
  if (o.rule === 'deltaOrthogonal' && (o.residual !== 'none' || blocks.length > 0)) {
    throw new InitializerConfigError(OWNER, 'rule', 'deltaOrthogonal', 'a plain chain: no residual blocks');
  }
  const canWrite = (entry: GraphLayer): boolean => o.includeFrozen || !entry.frozen;
  const entries = new Map(graph.layers.map((e) => [e.layer, e]));
  const seeds = new Xoshiro128(o.seed ?? freshSeed());
  const reports: LayerInitReport[] = [];
  const plan: PlannedDraw[] = [];
  const slopes = plannedSlopes(graph, canWrite);
  const read = withSlopes(cachedReader(), slopes);
  for (const entry of graph.layers) {
    const { layer } = entry;
    progress.layer = entry.name;
    const slots = weightSlots(layer, entry.rule);
    if (typeof slots === 'string') {
      reports.push({ layer: entry.name, className: layer.getClassName(), skipped: `${slots}: left untouched` });
      continue;
    }
    if (slots.length === 0) continue;
    if (!canWrite(entry)) {
      slots.forEach(() => seeds.nextInt32()); // the other layers draw what they would draw unfrozen
      reports.push({ layer: entry.name, className: layer.getClassName(), skipped: FROZEN });
      continue;
    }
    const first = entry.nodes[0];
    const ctx: LayerContext = {
      name: entry.name,
      before: () => activationBefore(graph, first, read),
      after: () => activationAfter(graph, first, read),
      slope: (slot) => slopes.get(layer)?.get(slot.index) as { values: Float32Array; note: string },
    };
    reports.push(...planLayer(layer, ctx, slots, local, () => seeds.nextInt32() >>> 0, plan));
  }
  if (o.residual === 'none' && o.rule !== 'predicted') {
    const unscaled = found.length;
    if (unscaled > 0)
      reports.push({
        layer: model.name,
        className: model.getClassName(),
        note: `residual 'none': ${unscaled} residual block${unscaled === 1 ? '' : 's'} left to the local rule; each adds its branch's variance to the stream (without normalization it grows with depth): residual 'preserve' scales them`,
      });
  }
  if (o.residual === 'preserve' && blocks.length === 0) {
    reports.push({
      layer: model.name,
      className: model.getClassName(),
      note: "residual 'preserve': no residual blocks (an Add of an identity skip and branches with kernels): nothing scaled",
    });
  }
  if (o.residual === 'zero' || o.residual === 'fixup' || o.residual === 'depth') {
    const factors = residualFactors(blocks, o.residual, reports);
    for (const p of plan) {
      const f = factors.get(p.layer)?.get(p.index);
      if (f === undefined) continue;
      const draw = p.draw;
      p.draw = () => draw().map((v) => v * f);
    }
  }
  const writable = (layer: Layer): boolean => {
    const e = entries.get(layer);
    return e !== undefined && canWrite(e);
  };
  return { graph, blocks, reports, plan, writable };
}

type Slopes = Map<Layer, Map<number, { values: Float32Array; note: string }>>;

/** Slopes first (PReLU): the kernels around them take their gain from the slope they will have. */
function plannedSlopes(graph: ModelGraph, canWrite: (entry: GraphLayer) => boolean): Slopes {
  const slopes: Slopes = new Map();
  for (const entry of graph.layers) {
    const slots = weightSlots(entry.layer, entry.rule);
    if (typeof slots === 'string' || !canWrite(entry)) continue;
    for (const slot of slots.filter((s) => s.role.role === 'slope')) {
      const shape = entry.layer.weights[slot.index].shape as number[];
      const perLayer = slopes.get(entry.layer) ?? new Map();
      perLayer.set(slot.index, slopeOf(entry.layer, slot, shape));
      slopes.set(entry.layer, perLayer);
    }
  }
  return slopes;
}

/** A reader that gives the planned slopes in place of the current ones. */
function withSlopes(base: WeightReader, slopes: Slopes): WeightReader {
  return overlayReader(base, (layer) => {
    const planned = slopes.get(layer);
    return planned && new Map([...planned].map(([index, s]) => [index, s.values]));
  });
}
