/**
 * μP, the maximal update parametrization (Tensor Programs V, Yang et al. 2022, Table 3; its reference code is
 * microsoft/mup: `set_base_shapes` in `mup/shape.py`, `MuReadout` in `mup/layer.py`, `MuSGD`/`MuAdam` in
 * `mup/optim.py`). Each trainable weight is compared with the same weight of a base model (and of a delta model,
 * which says which dimensions grow with width); its class follows from which of its dimensions grow:
 *
 * | class | which dims grow | init std vs the fan-in rule at this width | SGD lr x | Adam lr x |
 * |---|---|---|---|---|
 * | input | fan-out only | 1 | m_out | 1 |
 * | hidden | fan-in and fan-out | 1 | m_out / m_in | 1 / m_in |
 * | output, in a MuReadout (forward x a / m_in) | fan-in only | sqrt(m_in) (or 0) | m_in | 1 |
 * | output, any other layer (Table 3 as printed) | fan-in only | a / sqrt(m_in) (or 0) | a^2 / m_in | a / m_in |
 * | vector (biases, norm scales, depthwise channels) | one | 1 | m | 1 |
 * | finite | none | 1 | 1 | 1 |
 *
 * m = a dimension's size over the base model's; a = `outputMultiplier`. The two output rows are the same
 * training dynamics (the parametrization's symmetry W -> W theta, multiplier -> multiplier / theta). At the base
 * width every multiplier is 1: μP and the standard parametrization agree there.
 */
import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError, ModelError } from '../errors.js';
import { DISTRIBUTIONS } from '../initializers/core.js';
import { OptionsOf, SEED_FIELD, choice, defineOptions, flag, parseOptions, positive } from '../options.js';
import { modelGraph } from '../model/graph.js';
import { initializeModel } from '../model/initialize_model.js';
import { WeightRole, WidthMultiplier, ruleFor } from '../model/layers/index.js';
import { weightSlots } from '../model/roles.js';
import { checkModel, replaceWeights, withRollback } from '../model/transaction.js';
import { MuReadout } from './readout.js';
import { MupOptimizer, MupOptimizerOptions } from './optimizer.js';

const OWNER = 'mup';

const SPEC = defineOptions({
  /** Redraw every weight (initializeModel, fan-in mode) and scale the readout (default); false: change no weight. */
  initialize: flag(true),
  /** The readout's kernel starts at 0 (Tensor Programs V's recommendation for the output layer; mup's `readout_zero_init`). */
  readoutZeroInit: flag(false),
  /** a: the output multiplier, a width-independent constant to tune (a MuReadout's own `outputMultiplier` wins). */
  outputMultiplier: positive(1),
  /** Seed of the redraw (initializeModel's). */
  seed: SEED_FIELD,
  /** Distribution of the redraw (initializeModel's). */
  distribution: choice(DISTRIBUTIONS, 'truncatedNormal'),
});

/** Options of mup. */
export interface MupOptions extends OptionsOf<typeof SPEC> {
  /** The same architecture at the base width (where μP's multipliers are 1). */
  base: tf.LayersModel;
  /** The same architecture at another width, to tell which dimensions grow (default: the model itself). */
  delta?: tf.LayersModel;
}

/** A weight's μP class. */
export type MupClass = 'input' | 'hidden' | 'output' | 'vector' | 'finite';

/** What mup decided for one trainable weight. */
export interface MupRow {
  /** Layer name. */
  layer: string;
  /** Layer class. */
  className: string;
  /** The weight, e.g. `dense_Dense2/kernel`. */
  weight: string;
  /** Its role in the layer rules. */
  role: WeightRole['role'];
  /** Its shape. */
  shape: number[];
  /** The base model's shape of it. */
  baseShape: number[];
  /** Axes that grow with width. */
  widthAxes: number[];
  /** m_in: the fan-in over the base model's (a product over the fan-in axes). */
  fanInMultiplier: number;
  /** m_out: the fan-out over the base model's. */
  fanOutMultiplier: number;
  /** Its μP class. */
  class: MupClass;
  /** Its std relative to the fan-in rule's draw at this width (0: zero init). */
  initFactor: number;
  /**
   * On a kernel, its layer's width-dependent forward multiplier (the layer rule's `forwardMultiplier`: a MuReadout's
   * input factor a / m_in, an attention layer's logit factor); 1 elsewhere.
   */
  forwardMultiplier: number;
  /** Its learning-rate multipliers. */
  learningRate: {
    /** For SGD and SGD with momentum. */
    sgd: number;
    /** For Adam. */
    adam: number;
  };
}

/** The result of mup: a row per trainable weight, and the optimizers that apply its learning rates. */
export interface MupPlan {
  /** One row per trainable weight, in `model.trainableWeights` order. */
  rows: MupRow[];
  /** Learning-rate multipliers in `model.trainableWeights` order (MupOptimizer's `multipliers`). */
  learningRateMultipliers(optimizer: 'sgd' | 'momentum' | 'adam'): number[];
  /** A MupOptimizer with this model's multipliers (`optimizer` defaults to `adam`). */
  optimizer(options?: Omit<MupOptimizerOptions, 'multipliers'>): MupOptimizer;
}

type Layer = tf.layers.Layer;
const product = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);

/** The fan-in and fan-out axes of a weight of `rank` in `role` (a vector's axes count as fan-out). */
function fanAxes(role: WeightRole, rank: number): { fanIn: number[]; fanOut: number[] } {
  const norm = (a: number | number[] | undefined): number[] =>
    (a === undefined ? [] : Array.isArray(a) ? a : [a]).map((x) => (x < 0 ? x + rank : x));
  if (role.role === 'kernel') {
    if (role.inAxis !== undefined || role.outAxis !== undefined) {
      return { fanIn: norm(role.inAxis), fanOut: norm(role.outAxis) };
    }
    if (role.layout === 'dense') return { fanIn: [0], fanOut: [1] };
    if (role.layout === 'depthwise') return { fanIn: [], fanOut: [rank - 1] }; // channels: per channel, a vector
    if (role.layout === 'convTranspose') return { fanIn: [rank - 1], fanOut: [rank - 2] };
    return { fanIn: [rank - 2], fanOut: [rank - 1] };
  }
  if (role.role === 'inputKernel' || role.role === 'recurrentKernel') return { fanIn: [rank - 2], fanOut: [rank - 1] };
  if (role.role === 'embedding') return { fanIn: [0], fanOut: [1] };
  return { fanIn: [], fanOut: Array.from({ length: rank }, (_, a) => a) };
}

/** Each layer once, in graph order, with its trainable weights' roles; or why a layer has none. */
function trainableLayers(model: tf.LayersModel): Array<{ name: string; layer: Layer; roles: Map<number, WeightRole> }> {
  const out: Array<{ name: string; layer: Layer; roles: Map<number, WeightRole> }> = [];
  for (const { name, layer } of modelGraph(model).layers) {
    if (layer.trainableWeights.length === 0) continue;
    const slots = weightSlots(layer);
    if (typeof slots === 'string') {
      throw new ModelError(OWNER, 'layer', name, 'a layer whose weights have roles', `${OWNER}: ${name}: ${slots}`);
    }
    const roles = new Map<number, WeightRole>();
    slots.forEach((s) => {
      if (layer.weights[s.index].trainable) roles.set(s.index, s.role);
    });
    out.push({ name, layer, roles });
  }
  return out;
}

/** The μP class of a weight from its width axes. */
function classify(role: WeightRole, rank: number, wide: number[], where: string): MupClass {
  if (wide.length === 0) return 'finite';
  const { fanIn, fanOut } = fanAxes(role, rank);
  const inWide = wide.filter((a) => fanIn.includes(a)).length;
  const outWide = wide.filter((a) => fanOut.includes(a)).length;
  if (rank === 1 || ['bias', 'gamma', 'beta', 'slope'].includes(role.role)) return 'vector';
  if (inWide + outWide !== wide.length && wide.length === 1) return 'vector'; // a depthwise kernel's channels
  if (inWide === 1 && outWide === 1 && wide.length === 2) return 'hidden';
  if (wide.length === 1) return inWide ? 'output' : 'input';
  const allowed = 'at most one growing dimension on each side (fan-in, fan-out), as in mup';
  throw new ModelError(
    OWNER,
    'weight',
    where,
    allowed,
    `${OWNER}: ${where} has growing axes [${wide}]; allowed: ${allowed}`,
  );
}

/**
 * Applies μP to `model` relative to `base` (the same architecture at the base width): classifies every trainable
 * weight (input, hidden, output, vector, finite; see the table at the top of this file), redraws the weights by the
 * fan-in rule (initializeModel) and scales the readout, sets each layer's forward multiplier (a MuReadout's, an
 * attention layer's logit scale: the layer rule's `forwardMultiplier`), and returns the
 * per-weight learning-rate multipliers with an optimizer that applies them. Which dimensions grow is read from
 * `delta` (default: `model`), so the model at the base width itself needs a `delta` at another width. Every option
 * and both models are checked before any weight changes; if anything fails, the model is as it was.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { mup, muReadout } from 'tfjs-initializers';
 *
 * const mlp = (width: number) =>
 *   tf.sequential({
 *     layers: [
 *       tf.layers.dense({ units: width, activation: 'relu', inputShape: [784] }),
 *       tf.layers.dense({ units: width, activation: 'relu' }),
 *       muReadout({ units: 10 }),
 *     ],
 *   });
 * const model = mlp(1024);
 * const plan = mup(model, { base: mlp(64), seed: 1 });
 * model.compile({ optimizer: plan.optimizer({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
 * for (const r of plan.rows) console.log(r.weight.split('/')[1], r.class, r.learningRate.adam);
 * ```
 * ```text output
 * kernel input 1
 * bias vector 1
 * kernel hidden 0.0625
 * bias vector 1
 * kernel output 1
 * bias finite 1
 * ```
 */
export function mup(model: tf.LayersModel, options: MupOptions): MupPlan {
  checkModel(OWNER, model);
  const { base, delta, ...rest } = (options ?? {}) as MupOptions;
  if (!base)
    throw new InitializerConfigError(OWNER, 'base', base, 'the same architecture at the base width (a LayersModel)');
  checkModel(OWNER, base);
  if (delta !== undefined) checkModel(OWNER, delta);
  const o = parseOptions(OWNER, SPEC, rest);
  const [mine, theirs, other] = [model, base, delta ?? model].map(trainableLayers);
  if (theirs.length !== mine.length || other.length !== mine.length) {
    const allowed = `models of the same architecture (${mine.length} layers with trainable weights)`;
    throw new InitializerConfigError(OWNER, 'base', `${theirs.length} and ${other.length} layers`, allowed);
  }
  const rowsByWeight = new Map<tf.LayerVariable, MupRow>();
  const multipliers: WidthMultiplier[] = [];
  const scaled: Array<{ layer: Layer; index: number; factor: number }> = [];
  let anyWide = false;
  mine.forEach(({ name, layer, roles }, l) => {
    const [b, d] = [theirs[l], other[l]];
    if (b.layer.getClassName() !== layer.getClassName() || d.layer.getClassName() !== layer.getClassName()) {
      const allowed = `a ${layer.getClassName()} at position ${l}, as in the model`;
      throw new InitializerConfigError(OWNER, 'base', `${b.layer.getClassName()} (${b.name})`, allowed);
    }
    const forward = ruleFor(layer)?.forwardMultiplier?.(layer, b.layer);
    if (forward) {
      if (!(Number.isFinite(forward.value) && forward.value > 0)) {
        const allowed = 'a positive forward multiplier from the layer rule';
        throw new ModelError(OWNER, 'layer', name, allowed, `${OWNER}: ${name}: forward multiplier ${forward.value}`);
      }
      multipliers.push(forward);
    }
    for (const [index, role] of roles) {
      const w = layer.weights[index];
      const where = `${name}/${w.originalName.split('/').pop()}`;
      const [bs, ds] = [b.layer.weights[index]?.shape, d.layer.weights[index]?.shape];
      const shape = w.shape as number[];
      if (!bs || !ds || bs.length !== shape.length || ds.length !== shape.length) {
        throw new InitializerConfigError(OWNER, 'base', `${where}: ${bs}`, `a weight of rank ${shape.length}`);
      }
      const wide = shape.map((_, a) => a).filter((a) => bs[a] !== ds[a]);
      const stray = shape.findIndex((n, a) => n !== bs[a] && !wide.includes(a));
      if (stray >= 0) {
        const allowed = `axis ${stray} the same as the base's (${bs[stray]}), or growing between base and delta`;
        throw new InitializerConfigError(OWNER, `${where} shape`, shape, allowed);
      }
      anyWide ||= wide.length > 0;
      const ratio = (axes: number[]): number => product(axes.map((a) => shape[a] / (bs[a] as number)));
      const { fanIn, fanOut } = fanAxes(role, shape.length);
      const [mIn, mOut] = [ratio(fanIn), ratio(fanOut)];
      const cls = classify(role, shape.length, wide, where);
      const m = ratio(wide);
      const isReadout = layer instanceof MuReadout;
      const a = isReadout ? layer.options.outputMultiplier : o.outputMultiplier;
      const zero = o.readoutZeroInit ? 0 : 1;
      const row: MupRow = {
        layer: name,
        className: layer.getClassName(),
        weight: w.originalName,
        role: role.role,
        shape: [...shape],
        baseShape: bs.map(Number),
        widthAxes: wide,
        fanInMultiplier: mIn,
        fanOutMultiplier: mOut,
        class: cls,
        initFactor: 1,
        forwardMultiplier: forward && role.role === 'kernel' ? forward.value : 1,
        learningRate: { sgd: 1, adam: 1 },
      };
      if (cls === 'input') row.learningRate = { sgd: mOut, adam: 1 };
      if (cls === 'hidden') row.learningRate = { sgd: mOut / mIn, adam: 1 / mIn };
      if (cls === 'vector') row.learningRate = { sgd: m, adam: 1 };
      if (cls === 'output' && isReadout) {
        row.initFactor = zero * Math.sqrt(mIn);
        row.learningRate = { sgd: mIn, adam: 1 };
      } else if (cls === 'output') {
        row.initFactor = (zero * a) / Math.sqrt(mIn);
        row.learningRate = { sgd: (a * a) / mIn, adam: a / mIn };
      }
      if (row.initFactor !== 1) scaled.push({ layer, index, factor: row.initFactor });
      rowsByWeight.set(w, row);
    }
  });
  if (!anyWide) {
    const allowed = 'a base (or delta) at another width: no dimension differs, so none is known to grow';
    throw new InitializerConfigError(OWNER, 'delta', 'the same shapes as base', allowed);
  }
  const rows = model.trainableWeights.map((w) => {
    const row = rowsByWeight.get(w);
    if (!row)
      throw new ModelError(
        OWNER,
        'weight',
        w.originalName,
        'a weight of a layer in the graph',
        `${OWNER}: ${w.originalName} is trainable but in no layer of the graph`,
      );
    return row;
  });
  if (o.initialize) {
    withRollback(OWNER, model, () => {
      initializeModel(model, { mode: 'fanIn', seed: o.seed, distribution: o.distribution });
      for (const { layer, index, factor } of scaled) {
        const current = layer.getWeights()[index];
        replaceWeights(layer, new Map([[index, tf.mul(current, factor)]]));
      }
    });
  }
  for (const m of multipliers) m.apply();
  const learningRateMultipliers = (optimizer: 'sgd' | 'momentum' | 'adam'): number[] =>
    rows.map((r) => (optimizer === 'adam' ? r.learningRate.adam : r.learningRate.sgd));
  return {
    rows,
    learningRateMultipliers,
    optimizer: (opts = {}) =>
      new MupOptimizer({ ...opts, multipliers: learningRateMultipliers(opts.optimizer ?? 'adam') }),
  };
}
