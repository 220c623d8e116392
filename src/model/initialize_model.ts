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
import { InitializerConfigError } from '../errors.js';
import { computeFans } from '../math/fans.js';
import type { GainMode } from '../math/gains.js';
import { activationGain, GainCriterion } from '../initializers/activation_aware.js';
import { Distribution, VarianceScaling } from '../initializers/variance_scaling.js';
import { Xoshiro128, freshSeed } from '../sampling/prng.js';
import { FoundActivation, activationAfter, activationBefore, className, kernelSlots, replaceWeights } from './graph.js';

export interface InitializeModelOptions {
  /** `he` (default): input-side nonlinearity for fanIn, output-side for fanOut; `pytorch`: output-side always. */
  rule?: 'he' | 'pytorch';
  /** Default `fanIn`. */
  mode?: GainMode;
  /** Gain formula: `variance` (exact, default) or `pytorch` (calculateGain). */
  criterion?: GainCriterion;
  /** Default `truncatedNormal`. */
  distribution?: Distribution;
  /** Model-level seed; each kernel gets its own seed derived from it. Omitted: fresh values. */
  seed?: number | null;
  /** Set biases to zero (default true). */
  zeroBiases?: boolean;
}

export interface LayerInitReport {
  layer: string;
  className: string;
  weight?: string;
  /** the nonlinearity the gain came from, e.g. "relu (dense_1 (own activation))" */
  activation?: string;
  gain?: number;
  fan?: number;
  std?: number;
  /** why the layer was left untouched */
  skipped?: string;
}

const RULES = ['he', 'pytorch'];

function describeActivation(a: FoundActivation): string {
  return `${a.name}${a.alpha !== undefined ? `(${Number(a.alpha.toFixed(6))})` : ''} from ${a.source}`;
}

/**
 * Re-initializes every kernel of a built model (Dense, Conv1D/2D/3D, DepthwiseConv2D,
 * SeparableConv1D/2D, Conv2DTranspose) with std = g / sqrt(fan), g the gain of the
 * nonlinearity the rule selects; biases to zero. Layers it does not know are left
 * untouched and reported. Returns one report row per layer.
 */
export function initializeModel(model: tf.LayersModel, options: InitializeModelOptions = {}): LayerInitReport[] {
  const rule = options.rule ?? 'he';
  if (!RULES.includes(rule))
    throw new InitializerConfigError('initializeModel', 'rule', rule, "one of 'he', 'pytorch'");
  const mode = options.mode ?? 'fanIn';
  const criterion = options.criterion ?? 'variance';
  const distribution = options.distribution ?? 'truncatedNormal';
  const seeds = new Xoshiro128(options.seed ?? freshSeed());
  const reports: LayerInitReport[] = [];
  for (const layer of model.layers) {
    const cls = className(layer);
    const slots = kernelSlots(layer);
    if (slots.length === 0) {
      if (layer.trainableWeights.length > 0)
        reports.push({ layer: layer.name, className: cls, skipped: 'unknown layer type with weights: left untouched' });
      continue;
    }
    const weights = layer.getWeights();
    const kernels = new Map<number, tf.Tensor>();
    slots.forEach((slot, k) => {
      const before: FoundActivation =
        k === 0 ? activationBefore(layer) : { name: 'linear', source: `${layer.name} (previous kernel)` };
      const after: FoundActivation =
        k === slots.length - 1 ? activationAfter(layer) : { name: 'linear', source: `${layer.name} (next kernel)` };
      const chosen = rule === 'pytorch' || mode === 'fanOut' ? after : before;
      const gain = chosen.name === 'data' ? 1 : activationGain(chosen.name, chosen.alpha ?? null, mode, criterion);
      const shape = weights[slot.index].shape;
      const fans = computeFans(shape, { layout: slot.layout });
      const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
      const init = new VarianceScaling({
        scale: gain * gain,
        mode,
        distribution,
        layout: slot.layout,
        seed: seeds.nextInt32() >>> 0,
      });
      kernels.set(slot.index, init.apply(shape));
      reports.push({
        layer: layer.name,
        className: cls,
        weight: slot.name,
        activation: describeActivation(chosen),
        gain,
        fan,
        std: gain / Math.sqrt(fan),
      });
    });
    replaceWeights(layer, kernels, options.zeroBiases ?? true);
  }
  return reports;
}
