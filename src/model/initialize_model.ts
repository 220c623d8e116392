/**
 * Model-wide activation-aware re-initialization, weight by weight, by role (see roles.ts).
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
  Distribution,
  UNTRUNCATED,
  VarianceScalingParams,
  modeFan,
  varianceScalingStd,
  varianceScalingValues,
} from '../initializers/core.js';
import { ChronoBias, ForgetGateBias } from '../initializers/gate_bias.js';
import { Orthogonal } from '../initializers/orthogonal.js';
import { FanLayout, computeFans } from '../math/fans.js';
import { GAIN_CRITERIA, GAIN_MODES, activationGain } from '../math/gains.js';
import { checkShape } from '../math/shape.js';
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
import { fillUniform } from '../sampling/distributions.js';
import { Xoshiro128, freshSeed, generatorFor } from '../sampling/prng.js';
import { FoundActivation, activationAfter, activationBefore, className, replaceWeights } from './graph.js';
import { CELL_GATES, WeightSlot, weightSlots } from './roles.js';
import { checkModel, withRollback } from './transaction.js';

const OWNER = 'initializeModel';
const SPEC = defineOptions({
  /**
   * `he` (default): input-side nonlinearity for fanIn, output-side for fanOut; `pytorch`: output-side always;
   * `pytorchDefault`: what PyTorch's constructors draw (Linear/Conv kernel and bias U[-1/sqrt(fanIn), +), LSTM/GRU/RNN
   * every weight U[-1/sqrt(units), +), Embedding N(0, 1), normalization 1 and 0).
   */
  rule: choice(['he', 'pytorch', 'pytorchDefault'], 'he'),
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
});

/** Options of initializeModel. */
export interface InitializeModelOptions extends OptionsOf<typeof SPEC> {}

/** One row of initializeModel's report: a weight it set, or a layer it left alone. */
export interface LayerInitReport {
  /** Layer name. */
  layer: string;
  /** Layer class, e.g. `Dense`. */
  className: string;
  /** The weight set, e.g. `dense_1/kernel`. */
  weight?: string;
  /** The weight's role: kernel, inputKernel, recurrentKernel, bias, embedding, gamma, beta, movingMean, movingVariance. */
  role?: string;
  /** The nonlinearity the gain came from, e.g. "relu from dense_1 (own activation)". */
  activation?: string;
  /** The gain g. */
  gain?: number;
  /** The fan the std divides by. */
  fan?: number;
  /** The std drawn (for a constant: 0). */
  std?: number;
  /** What was set, where a std does not say it: "orthogonal, one block per gate (4)", "forget gate 1", "ones". */
  note?: string;
  /** Why the layer was left untouched. */
  skipped?: string;
}

type Options = ReturnType<typeof parseOptions<typeof SPEC>>;
type Layer = tf.layers.Layer;

/** One weight to draw: where it goes and how to draw it (nothing is drawn while planning). */
interface PlannedDraw {
  layer: Layer;
  index: number;
  shape: number[];
  draw: () => Float32Array;
}

function describeActivation(a: FoundActivation): string {
  return `${a.name}${a.alpha !== undefined ? `(${Number(a.alpha.toFixed(6))})` : ''} from ${a.source}`;
}

/** Core parameters for a draw with a given std (fanIn of the auto rule, scale = std^2 fanIn). */
function stdParams(shape: number[], std: number, distribution: Distribution, seed: number): VarianceScalingParams {
  const scale = std * std * computeFans(shape).fanIn;
  return { scale, mode: 'fanIn', distribution, layout: 'auto', inAxis: null, outAxis: null, batchAxis: null, seed };
}

/** PyTorch's fan-in of a kernel (`_calculate_fan_in_and_fan_out` on its weight layout). */
function pytorchFanIn(shape: number[], layout: FanLayout): number {
  // tfjs's transposed-conv kernel [...k, out, in] is PyTorch's [in, out, ...k], whose "fan_in" is out * k.
  return layout === 'convTranspose' ? computeFans(shape, { layout }).fanOut : computeFans(shape, { layout }).fanIn;
}

/** U[-bound, bound) for `shape`, seeded. */
function uniformValues(shape: number[], bound: number, seed: number): Float32Array {
  return fillUniform(new Float32Array(checkShape(OWNER, shape)), generatorFor(seed), -bound, bound);
}

const constant = (shape: number[], value: number) => (): Float32Array =>
  new Float32Array(checkShape(OWNER, shape)).fill(value);

/** Plans one layer's weights; returns its report rows. */
function planLayer(
  layer: Layer,
  slots: WeightSlot[],
  o: Options,
  seeds: Xoshiro128,
  plan: PlannedDraw[],
): LayerInitReport[] {
  const cls = className(layer);
  const rows: LayerInitReport[] = [];
  const kernels = slots.filter((s) => s.role.role === 'kernel');
  // PyTorch's default bias bound comes from the layer's last kernel; recurrent weights use 1/sqrt(units).
  let pytorchBound = 0;
  for (const slot of slots) {
    const shape = layer.weights[slot.index].shape as number[];
    const seed = seeds.nextInt32() >>> 0;
    const row: LayerInitReport = { layer: layer.name, className: cls, weight: slot.name, role: slot.role.role };
    const add = (draw: () => Float32Array, fields: Partial<LayerInitReport>): void => {
      plan.push({ layer, index: slot.index, shape, draw });
      rows.push({ ...row, ...fields });
    };
    const role = slot.role;
    switch (role.role) {
      case 'kernel': {
        const k = kernels.indexOf(slot);
        if (o.rule === 'pytorchDefault') {
          const fan = pytorchFanIn(shape, role.layout);
          pytorchBound = 1 / Math.sqrt(fan);
          add(() => uniformValues(shape, pytorchBound, seed), {
            gain: 1 / Math.sqrt(3),
            fan,
            std: pytorchBound / Math.sqrt(3),
          });
          break;
        }
        const before: FoundActivation =
          k === 0 ? activationBefore(layer) : { name: 'linear', source: `${layer.name} (previous kernel)` };
        const after: FoundActivation =
          k === kernels.length - 1 ? activationAfter(layer) : { name: 'linear', source: `${layer.name} (next kernel)` };
        const chosen = o.rule === 'pytorch' || o.mode === 'fanOut' ? after : before;
        const gain =
          chosen.name === 'data' ? 1 : activationGain(chosen.name, chosen.alpha ?? null, o.mode, o.criterion, OWNER);
        const params: VarianceScalingParams = {
          scale: gain * gain,
          mode: o.mode,
          distribution: o.distribution,
          layout: role.layout,
          inAxis: null,
          outAxis: null,
          batchAxis: null,
          seed,
        };
        add(() => varianceScalingValues(OWNER, shape, params), {
          activation: describeActivation(chosen),
          gain,
          fan: modeFan(shape, params),
          std: varianceScalingStd(shape, params),
        });
        break;
      }
      case 'inputKernel': {
        if (o.rule === 'pytorchDefault') {
          pytorchBound = 1 / Math.sqrt(role.units);
          add(() => uniformValues(shape, pytorchBound, seed), { fan: role.units, std: pytorchBound / Math.sqrt(3) });
          break;
        }
        // fanIn: the He rule on [in, gates * units], the same gain for every gate; fanOut: per-gate fan (units), gain 1.
        const before: FoundActivation = role.first
          ? activationBefore(layer)
          : { name: 'linear', source: `${layer.name} (previous cell's output)` };
        const fanIn = o.mode === 'fanIn';
        const gain =
          !fanIn || before.name === 'data'
            ? 1
            : activationGain(before.name, before.alpha ?? null, 'fanIn', o.criterion, OWNER);
        const fan = fanIn ? shape[0] : role.units;
        const std = gain / Math.sqrt(fan);
        const params = stdParams(shape, std, o.distribution, seed);
        add(() => varianceScalingValues(OWNER, shape, params), {
          activation: fanIn ? describeActivation(before) : undefined,
          gain,
          fan,
          std,
          note: fanIn ? undefined : `per-gate fanOut (${role.gates} gates of ${role.units})`,
        });
        break;
      }
      case 'recurrentKernel': {
        if (o.rule === 'pytorchDefault') {
          add(() => uniformValues(shape, 1 / Math.sqrt(role.units), seed), {
            fan: role.units,
            std: 1 / Math.sqrt(3 * role.units),
          });
          break;
        }
        const init = new Orthogonal({ gates: role.gates, seed });
        add(() => init.sample(shape), {
          gain: 1,
          std: 1 / Math.sqrt(role.units),
          note: `orthogonal, one block per gate (${role.gates})`,
        });
        break;
      }
      case 'bias': {
        if (!o.zeroBiases) break;
        if (o.rule === 'pytorchDefault') {
          const bound = role.cell ? 1 / Math.sqrt(shape[0] / CELL_GATES[role.cell]) : pytorchBound;
          if (bound > 0) {
            add(() => uniformValues(shape, bound, seed), {
              std: bound / Math.sqrt(3),
              note: `U[-${bound.toPrecision(4)}, +)`,
            });
            break;
          }
        }
        if (role.cell === 'lstm' || role.cell === 'gru') {
          const cell = role.cell;
          if (o.forgetBias === 'chrono') {
            const init = new ChronoBias({ cell, maxTimescale: o.maxTimescale as number, seed });
            add(() => init.sample(shape), {
              note: `chrono, T_max ${o.maxTimescale} (forget ${cell === 'lstm' ? 'f' : 'z'})`,
            });
          } else {
            const init = new ForgetGateBias({ cell, value: o.forgetBias });
            add(() => init.sample(shape), {
              std: 0,
              note: `forget gate (${cell === 'lstm' ? 'f' : 'z'}) ${o.forgetBias}, others 0`,
            });
          }
          break;
        }
        add(constant(shape, 0), { std: 0, note: 'zeros' });
        break;
      }
      case 'embedding': {
        const std = o.rule === 'pytorchDefault' ? 1 : o.embeddingStd;
        const distribution = o.rule === 'pytorchDefault' ? 'normal' : o.distribution;
        const params = stdParams(shape, std, distribution, seed);
        add(() => varianceScalingValues(OWNER, shape, params), { std, note: `${distribution} std ${std}` });
        break;
      }
      case 'gamma':
      case 'movingVariance':
        add(constant(shape, 1), { std: 0, note: 'ones' });
        break;
      case 'beta':
      case 'movingMean':
        add(constant(shape, 0), { std: 0, note: 'zeros' });
        break;
    }
  }
  return rows;
}

/**
 * Re-initializes every weight of a built model whose role it knows (roles.ts): Dense, Conv1D/2D/3D,
 * DepthwiseConv2D, SeparableConv1D/2D, Conv2D/3DTranspose, Embedding, SimpleRNN/LSTM/GRU (also as
 * `tf.layers.rnn` with their cells, stacked cells, and inside Bidirectional or TimeDistributed),
 * BatchNormalization and LayerNormalization.
 * - Kernels: std = g / sqrt(fan), g the gain of the nonlinearity the rule selects.
 * - Recurrent input kernels: the He rule (the gain of the nonlinearity the input went through, the
 *   same for every gate); recurrent kernels: orthogonal, one block per gate; biases 0 except the
 *   forget gate (LSTM f, GRU z): `forgetBias` (1, or chrono).
 * - Embedding: std `embeddingStd` (1): the next layer sees unit second moment.
 * - Normalization: gamma 1, beta 0, moving mean 0, moving variance 1.
 * Layers it does not know are left untouched and reported. Every option, and every gain, is checked
 * before any weight changes; if anything fails, the model is left exactly as it was. Returns one report
 * row per weight it set (and per skipped layer).
 */
export function initializeModel(model: tf.LayersModel, options: InitializeModelOptions = {}): LayerInitReport[] {
  checkModel(OWNER, model);
  const o = parseOptions(OWNER, SPEC, options);
  if (o.forgetBias === 'chrono' && o.maxTimescale === null) {
    throw new InitializerConfigError(OWNER, 'maxTimescale', null, "a number >= 2 with forgetBias 'chrono'");
  }
  const seeds = new Xoshiro128(o.seed ?? freshSeed());
  const reports: LayerInitReport[] = [];
  const plan: PlannedDraw[] = [];
  // Plan: every role, gain and shape, before anything is drawn or written.
  for (const layer of model.layers) {
    const slots = weightSlots(layer);
    if (slots === null) {
      reports.push({
        layer: layer.name,
        className: className(layer),
        skipped: 'unknown layer type with weights: left untouched',
      });
      continue;
    }
    reports.push(...planLayer(layer, slots, o, seeds, plan));
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
      replaceWeights(layer, weights, false);
    }
  });
  return reports;
}
