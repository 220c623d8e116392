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
  UNTRUNCATED,
  VarianceScalingParams,
  modeFan,
  varianceScalingStd,
  varianceScalingValues,
} from '../initializers/core.js';
import { GAIN_CRITERIA, GAIN_MODES, activationGain } from '../math/gains.js';
import { OptionsOf, SEED_FIELD, choice, defineOptions, flag, parseOptions } from '../options.js';
import { fillUniform } from '../sampling/distributions.js';
import { Xoshiro128, freshSeed, generatorFor } from '../sampling/prng.js';
import { FanLayout, computeFans } from '../math/fans.js';
import { checkShape } from '../math/shape.js';
import { FoundActivation, activationAfter, activationBefore, className, kernelSlots, replaceWeights } from './graph.js';
import { checkModel, withRollback } from './transaction.js';

const OWNER = 'initializeModel';
const SPEC = defineOptions({
  /**
   * `he` (default): input-side nonlinearity for fanIn, output-side for fanOut; `pytorch`: output-side always;
   * `pytorchDefault`: what PyTorch's Linear/Conv constructors draw, kernel and bias U[-1/sqrt(fanIn), +) (the
   * other options but `seed` and `zeroBiases: false`, which keeps the biases, do not apply).
   */
  rule: choice(['he', 'pytorch', 'pytorchDefault'], 'he'),
  /** `fanIn` (default) keeps activations, `fanOut` keeps gradients. */
  mode: choice(GAIN_MODES, 'fanIn'),
  /** Gain formula: `variance` (exact, default) or `pytorch` (calculateGain). */
  criterion: choice(GAIN_CRITERIA, 'variance'),
  /** Default `truncatedNormal` (std exact). */
  distribution: choice(DISTRIBUTIONS, 'truncatedNormal', UNTRUNCATED),
  /** Model-level seed; each kernel gets its own seed derived from it. Omitted: fresh values. */
  seed: SEED_FIELD,
  /** Set biases to zero (default true; with rule `pytorchDefault`, false keeps them instead of drawing them). */
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

/** One weight to draw: where it goes and how to draw it (nothing is drawn while planning). */
interface PlannedDraw {
  layer: tf.layers.Layer;
  index: number;
  shape: number[];
  draw: () => Float32Array;
}

/** PyTorch's fan-in of a kernel (`_calculate_fan_in_and_fan_out` on its weight layout). */
function pytorchFanIn(shape: number[], layout: FanLayout): number {
  // tfjs's transposed-conv kernel [...k, out, in] is PyTorch's [in, out, ...k], whose "fan_in" is out * k.
  return layout === 'convTranspose' ? computeFans(shape, { layout }).fanOut : computeFans(shape, { layout }).fanIn;
}

/**
 * Re-initializes every kernel of a built model (Dense, Conv1D/2D/3D, DepthwiseConv2D,
 * SeparableConv1D/2D, Conv2DTranspose) with std = g / sqrt(fan), g the gain of the
 * nonlinearity the rule selects; biases to zero. `rule: 'pytorchDefault'` instead does what
 * PyTorch's `nn.Linear` / `nn.ConvNd` constructors do: kernel and bias U[-1/sqrt(fanIn), 1/sqrt(fanIn)),
 * fanIn as PyTorch counts it. Layers it does not know are left untouched and reported. Every option,
 * and every gain, is checked before any weight changes; if anything fails, the model is left exactly
 * as it was. Returns one report row per kernel (and per skipped layer).
 */
export function initializeModel(model: tf.LayersModel, options: InitializeModelOptions = {}): LayerInitReport[] {
  checkModel(OWNER, model);
  const o = parseOptions(OWNER, SPEC, options);
  const seeds = new Xoshiro128(o.seed ?? freshSeed());
  const reports: LayerInitReport[] = [];
  const plan: PlannedDraw[] = [];
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
      const shape = layer.weights[slot.index].shape as number[];
      const seed = seeds.nextInt32() >>> 0;
      if (o.rule === 'pytorchDefault') {
        const fan = pytorchFanIn(shape, slot.layout);
        const bound = 1 / Math.sqrt(fan);
        plan.push({ layer, index: slot.index, shape, draw: () => uniformValues(shape, bound, seed) });
        reports.push({
          layer: layer.name,
          className: cls,
          weight: slot.name,
          gain: 1 / Math.sqrt(3),
          fan,
          std: bound / Math.sqrt(3),
        });
        const biasSeed = seeds.nextInt32() >>> 0;
        if (k === slots.length - 1 && o.zeroBiases) planPytorchBias(layer, bound, biasSeed, plan);
        return;
      }
      const before: FoundActivation =
        k === 0 ? activationBefore(layer) : { name: 'linear', source: `${layer.name} (previous kernel)` };
      const after: FoundActivation =
        k === slots.length - 1 ? activationAfter(layer) : { name: 'linear', source: `${layer.name} (next kernel)` };
      const chosen = o.rule === 'pytorch' || o.mode === 'fanOut' ? after : before;
      const gain =
        chosen.name === 'data' ? 1 : activationGain(chosen.name, chosen.alpha ?? null, o.mode, o.criterion, OWNER);
      const params: VarianceScalingParams = {
        scale: gain * gain,
        mode: o.mode,
        distribution: o.distribution,
        layout: slot.layout,
        inAxis: null,
        outAxis: null,
        batchAxis: null,
        seed,
      };
      plan.push({ layer, index: slot.index, shape, draw: () => varianceScalingValues(OWNER, shape, params) });
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
      const weights = new Map<number, tf.Tensor>();
      for (const p of plan.filter((q) => q.layer === layer)) {
        weights.set(p.index, tf.tensor(p.draw(), p.shape, 'float32'));
      }
      replaceWeights(layer, weights, o.zeroBiases && o.rule !== 'pytorchDefault');
    }
  });
  return reports;
}

/** U[-bound, bound) for `shape`, seeded. */
function uniformValues(shape: number[], bound: number, seed: number): Float32Array {
  return fillUniform(new Float32Array(checkShape(OWNER, shape)), generatorFor(seed), -bound, bound);
}

/** PyTorch's bias init: U[-1/sqrt(fanIn), 1/sqrt(fanIn)) with the kernel's fanIn. */
function planPytorchBias(layer: tf.layers.Layer, bound: number, seed: number, plan: PlannedDraw[]): void {
  const index = layer.weights.findIndex((w) => /bias$/.test(w.originalName));
  if (index < 0) return;
  const shape = layer.weights[index].shape as number[];
  plan.push({ layer, index, shape, draw: () => uniformValues(shape, bound, seed) });
}
