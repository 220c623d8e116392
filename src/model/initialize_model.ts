/**
 * Model-wide activation-aware re-initialization.
 *
 * He et al. 2015 derive the forward condition (eq. 10) from the second moment of a layer's
 * input, x_l = phi(y_{l-1}): Var(W_l) fanIn E[phi(y_{l-1})^2] = Var(y_{l-1}), so the gain of a
 * kernel comes from the nonlinearity its *input* went through (1 for a standardized model
 * input). The backward condition (eq. 14) involves phi'(y_l) of the layer's *own* output: the
 * gain comes from the nonlinearity that consumes the output. PyTorch's convention (the
 * nonlinearity after the layer, in both modes) is `rule: 'pytorch'`.
 */
import * as tf from '@tensorflow/tfjs';
import {
  DISTRIBUTIONS,
  VarianceScalingParams,
  modeFan,
  varianceScalingStd,
  varianceScalingValues,
} from '../initializers/core.js';
import { GAIN_CRITERIA, GAIN_MODES, activationGain } from '../math/gains.js';
import { OptionsOf, SEED_FIELD, choice, defineOptions, flag, parseOptions } from '../options.js';
import { Xoshiro128, freshSeed } from '../sampling/prng.js';
import { FoundActivation, activationAfter, activationBefore, className, kernelSlots, replaceWeights } from './graph.js';
import { checkModel, withRollback } from './transaction.js';

const OWNER = 'initializeModel';
const SPEC = defineOptions({
  /** `he` (default): input-side nonlinearity for fanIn, output-side for fanOut; `pytorch`: output-side always. */
  rule: choice(['he', 'pytorch'], 'he'),
  /** `fanIn` (default) keeps activations, `fanOut` keeps gradients. */
  mode: choice(GAIN_MODES, 'fanIn'),
  /** Gain formula: `variance` (exact, default) or `pytorch` (calculateGain). */
  criterion: choice(GAIN_CRITERIA, 'variance'),
  /** Default `truncatedNormal` (std exact). */
  distribution: choice(DISTRIBUTIONS, 'truncatedNormal'),
  /** Model-level seed; each kernel gets its own seed derived from it. Omitted: fresh values. */
  seed: SEED_FIELD,
  /** Set biases to zero (default true). */
  zeroBiases: flag(true),
});

/** Options of initializeModel. */
export interface InitializeModelOptions extends OptionsOf<typeof SPEC> {}

/** One row of initializeModel's report: a kernel it set, or a layer it left alone. */
export interface LayerInitReport {
  /** Layer name. */
  layer: string;
  /** Layer class, e.g. `Dense`. */
  className: string;
  /** The weight set, e.g. `dense_1/kernel`. */
  weight?: string;
  /** The nonlinearity the gain came from, e.g. "relu from dense_1 (own activation)". */
  activation?: string;
  /** The gain g. */
  gain?: number;
  /** The fan the mode selects. */
  fan?: number;
  /** The std drawn: g / sqrt(fan). */
  std?: number;
  /** Why the layer was left untouched. */
  skipped?: string;
}

function describeActivation(a: FoundActivation): string {
  return `${a.name}${a.alpha !== undefined ? `(${Number(a.alpha.toFixed(6))})` : ''} from ${a.source}`;
}

/** One kernel to draw: where it goes and with what parameters. */
interface PlannedKernel {
  layer: tf.layers.Layer;
  index: number;
  shape: number[];
  params: VarianceScalingParams;
}

/**
 * Re-initializes every kernel of a built model (Dense, Conv1D/2D/3D, DepthwiseConv2D,
 * SeparableConv1D/2D, Conv2DTranspose) with std = g / sqrt(fan), g the gain of the
 * nonlinearity the rule selects; biases to zero. Layers it does not know are left
 * untouched and reported. Every option, and every gain, is checked before any weight
 * changes; if anything fails, the model is left exactly as it was. Returns one report
 * row per kernel (and per skipped layer).
 */
export function initializeModel(model: tf.LayersModel, options: InitializeModelOptions = {}): LayerInitReport[] {
  checkModel(OWNER, model);
  const o = parseOptions(OWNER, SPEC, options);
  const seeds = new Xoshiro128(o.seed ?? freshSeed());
  const reports: LayerInitReport[] = [];
  const plan: PlannedKernel[] = [];
  // Plan: every gain and shape, before anything is drawn or written.
  for (const layer of model.layers) {
    const cls = className(layer);
    const slots = kernelSlots(layer);
    if (slots.length === 0) {
      if (layer.weights.length > 0) {
        reports.push({ layer: layer.name, className: cls, skipped: 'unknown layer type with weights: left untouched' });
      }
      continue;
    }
    slots.forEach((slot, k) => {
      const before: FoundActivation =
        k === 0 ? activationBefore(layer) : { name: 'linear', source: `${layer.name} (previous kernel)` };
      const after: FoundActivation =
        k === slots.length - 1 ? activationAfter(layer) : { name: 'linear', source: `${layer.name} (next kernel)` };
      const chosen = o.rule === 'pytorch' || o.mode === 'fanOut' ? after : before;
      const gain =
        chosen.name === 'data' ? 1 : activationGain(chosen.name, chosen.alpha ?? null, o.mode, o.criterion, OWNER);
      const shape = layer.weights[slot.index].shape as number[];
      const params: VarianceScalingParams = {
        scale: gain * gain,
        mode: o.mode,
        distribution: o.distribution,
        layout: slot.layout,
        inAxis: null,
        outAxis: null,
        seed: seeds.nextInt32() >>> 0,
      };
      plan.push({ layer, index: slot.index, shape, params });
      const std = varianceScalingStd(shape, params);
      const fan = modeFan(shape, params);
      reports.push({
        layer: layer.name,
        className: cls,
        weight: slot.name,
        activation: describeActivation(chosen),
        gain,
        fan,
        std,
      });
    });
  }
  // Write: layer by layer, all-or-nothing.
  withRollback(OWNER, model, (progress) => {
    const layers = [...new Set(plan.map((p) => p.layer))];
    for (const layer of layers) {
      progress.layer = layer.name;
      const kernels = new Map<number, tf.Tensor>();
      for (const p of plan.filter((q) => q.layer === layer)) {
        kernels.set(p.index, tf.tensor(varianceScalingValues(OWNER, p.shape, p.params), p.shape, 'float32'));
      }
      replaceWeights(layer, kernels, o.zeroBiases);
    }
  });
  return reports;
}
