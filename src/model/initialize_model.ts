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
  UNTRUNCATED,
  VarianceScalingParams,
  modeFan,
  valuesWithStd,
  varianceScalingStd,
  varianceScalingValues,
} from '../initializers/core.js';
import { DeltaOrthogonal } from '../initializers/delta_orthogonal.js';
import { ChronoBias, ForgetGateBias } from '../initializers/gate_bias.js';
import { Orthogonal } from '../initializers/orthogonal.js';
import { FanLayout, computeFans } from '../math/fans.js';
import { GAIN_CRITERIA, GAIN_MODES, activationGain } from '../math/gains.js';
import { edgeOfChaos } from '../math/mean_field.js';
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
import { predictSecondMoments } from './predict.js';
import { ResidualBlock, residualBlocks } from './residual.js';
import { CELL_GATES, WeightSlot, weightSlots } from './roles.js';
import { checkModel, withRollback } from './transaction.js';

const OWNER = 'initializeModel';
const SPEC = defineOptions({
  /**
   * `he` (default): input-side nonlinearity for fanIn, output-side for fanOut; `pytorch`: output-side always;
   * `pytorchDefault`: what PyTorch's constructors draw (Linear/Conv kernel and bias U[-1/sqrt(fanIn), +), LSTM/GRU/RNN
   * every weight U[-1/sqrt(units), +), Embedding N(0, 1), normalization 1 and 0); `deltaOrthogonal`: for plain
   * conv chains, each kernel at the edge of chaos of the activation after it (meanField.edgeOfChaos at sigma_b^2 =
   * `biasVariance`): Conv kernels delta-orthogonal and Dense kernels orthogonal, both with gain sqrt(sigma_w^2),
   * biases N(0, sigma_b^2) (Xiao et al. 2018).
   */
  rule: choice(['he', 'pytorch', 'pytorchDefault', 'deltaOrthogonal'], 'he'),
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
   * `preserve`: each branch's last kernel scaled from predictSignal's branch gain so the stream's second
   * moment grows by 1 + 1/L per block (at most e over L blocks); `zero`: each branch's last kernel, or the
   * gamma of a BatchNorm after it, set to 0 (Goyal et al. 2017; the weight part of Fixup and SkipInit), so
   * every block starts as the identity; `fixup`: last kernel 0 and the branch's other kernels times
   * L^(-1/(2m-2)), m kernels per branch (Zhang et al. 2019); `depth`: the last kernel's std over sqrt(2 L)
   * (GPT-2, Radford et al. 2019).
   */
  residual: choice(['none', 'preserve', 'zero', 'fixup', 'depth'], 'none'),
  /** sigma_b^2 for rule `deltaOrthogonal` (default 0): the bias variance the critical point is computed for. */
  biasVariance: numberIn(null, 0, 100),
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

const CRITICAL_LAYERS = new Set(['Dense', 'Conv1D', 'Conv2D', 'Conv3D']);

/**
 * Rule `deltaOrthogonal`: a kernel at the edge of chaos of the activation after it (chi_1 = 1 at sigma_b^2 =
 * biasVariance), delta-orthogonal for a Conv, orthogonal for a Dense, gain sqrt(sigma_w^2). Throws before anything
 * is drawn when the layer or its shape does not fit.
 */
function criticalKernel(
  layer: Layer,
  shape: number[],
  seed: number,
  o: Options,
): Partial<LayerInitReport> & { draw: () => Float32Array } {
  const cls = className(layer);
  const fail = (allowed: string): never => {
    throw new InitializerConfigError(OWNER, 'rule', 'deltaOrthogonal', allowed);
  };
  if (!CRITICAL_LAYERS.has(cls)) fail(`a plain chain of Dense and Conv1D/2D/3D layers (layer ${layer.name} is ${cls})`);
  const [inCh, outCh] = shape.slice(-2);
  if (cls !== 'Dense' && inCh > outCh) {
    fail(`conv kernels with in <= out channels (layer ${layer.name} maps ${inCh} to ${outCh})`);
  }
  const after = activationAfter(layer);
  const sigmaB2 = o.biasVariance ?? 0;
  const edge = after.name === 'data' ? null : edgeOfChaos({ activation: after.name, alpha: after.alpha }, sigmaB2);
  if (!edge) fail(`an activation with an edge of chaos at sigma_b^2 = ${sigmaB2} (layer ${layer.name}: ${after.name})`);
  const { sigmaW2, q } = edge as { sigmaW2: number; q: number };
  const gain = Math.sqrt(sigmaW2);
  const init = cls === 'Dense' ? new Orthogonal({ gain, seed }) : new DeltaOrthogonal({ gain, seed });
  return {
    draw: () => init.sample(shape),
    activation: describeActivation(after),
    gain,
    note: `${init instanceof Orthogonal ? 'orthogonal' : 'delta-orthogonal'} at the edge of chaos: sigma_w^2 ${sigmaW2.toPrecision(5)}, q* ${q.toPrecision(4)} (sigma_b^2 ${sigmaB2})`,
  };
}

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
    if (
      o.rule === 'deltaOrthogonal' &&
      !['kernel', 'bias', 'gamma', 'beta', 'movingMean', 'movingVariance'].includes(role.role)
    ) {
      throw new InitializerConfigError(
        OWNER,
        'rule',
        'deltaOrthogonal',
        `a plain conv chain (layer ${layer.name} has a ${role.role})`,
      );
    }
    switch (role.role) {
      case 'kernel': {
        const k = kernels.indexOf(slot);
        if (o.rule === 'deltaOrthogonal') {
          const { draw, ...fields } = criticalKernel(layer, shape, seed, o);
          add(draw, fields);
          break;
        }
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
        add(() => valuesWithStd(OWNER, shape, std, o.distribution, seed), {
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
        if (o.rule === 'deltaOrthogonal' && !role.cell) {
          const std = Math.sqrt(o.biasVariance ?? 0);
          add(std > 0 ? () => valuesWithStd(OWNER, shape, std, 'normal', seed) : constant(shape, 0), {
            std,
            note: std > 0 ? `N(0, sigma_b^2 = ${o.biasVariance})` : 'zeros',
          });
          break;
        }
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
        add(() => valuesWithStd(OWNER, shape, std, distribution, seed), { std, note: `${distribution} std ${std}` });
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
  if (o.biasVariance !== null && o.rule !== 'deltaOrthogonal') {
    throw new InitializerConfigError(OWNER, 'biasVariance', o.biasVariance, "absent unless rule is 'deltaOrthogonal'");
  }
  if (o.rule === 'deltaOrthogonal' && (o.residual !== 'none' || residualBlocks(model).length > 0)) {
    throw new InitializerConfigError(OWNER, 'rule', 'deltaOrthogonal', 'a plain chain: no residual blocks');
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
  const blocks = o.residual === 'none' ? [] : residualBlocks(model);
  const factors = residualFactors(blocks, o.residual, reports);
  for (const p of plan) {
    const f = factors.get(`${p.layer.name}#${p.index}`);
    if (f === undefined) continue;
    const draw = p.draw;
    p.draw = () => draw().map((v) => v * f);
  }
  // Write: layer by layer, all-or-nothing.
  withRollback(OWNER, model, (progress) => {
    const byLayer = new Map<Layer, PlannedDraw[]>();
    for (const p of plan) byLayer.set(p.layer, [...(byLayer.get(p.layer) ?? []), p]);
    for (const [layer, draws] of byLayer) {
      progress.layer = layer.name;
      const weights = new Map(draws.map((p) => [p.index, tf.tensor(p.draw(), p.shape, 'float32')]));
      replaceWeights(layer, weights, false);
    }
    if (o.residual === 'preserve') preserveResidualStream(model, blocks, reports, progress);
  });
  return reports;
}

/** The last kernel of a branch: its layer, weight index and position in the branch. */
function lastKernel(branch: Layer[]): { layer: Layer; index: number; at: number } | null {
  for (let at = branch.length - 1; at >= 0; at--) {
    const slots = weightSlots(branch[at])?.filter((s) => s.role.role === 'kernel') ?? [];
    if (slots.length) return { layer: branch[at], index: slots[slots.length - 1].index, at };
  }
  return null;
}

/** Multipliers for the zero, fixup and depth rules, by `${layer}#${weight index}`; notes the report rows. */
function residualFactors(
  blocks: ResidualBlock[],
  rule: Options['residual'],
  reports: LayerInitReport[],
): Map<string, number> {
  const factors = new Map<string, number>();
  const L = blocks.length;
  const note = (layer: Layer, index: number, text: string, factor: number): void => {
    factors.set(`${layer.name}#${index}`, factor);
    const row = reports.find((r) => r.layer === layer.name && r.weight === layer.weights[index].originalName);
    if (row) {
      row.note = row.note ? `${row.note}; ${text}` : text;
      if (row.std !== undefined) row.std *= Math.abs(factor);
    }
  };
  for (const block of blocks) {
    for (const branch of block.branches) {
      const last = lastKernel(branch);
      if (!last) continue;
      if (rule === 'zero') {
        // a BatchNorm after the last kernel: its gamma goes to 0 instead (torchvision's zero_init_residual)
        const bn = branch.slice(last.at + 1).find((l) => l.getClassName() === 'BatchNormalization');
        const gamma = bn ? weightSlots(bn)?.find((s) => s.role.role === 'gamma') : undefined;
        if (bn && gamma) note(bn, gamma.index, "residual 'zero': gamma 0, the block starts as the identity", 0);
        else note(last.layer, last.index, "residual 'zero': 0, the block starts as the identity", 0);
      } else if (rule === 'fixup') {
        const kernels = branch.filter((l) => weightSlots(l)?.some((s) => s.role.role === 'kernel'));
        const m = kernels.length;
        note(last.layer, last.index, "residual 'fixup': last layer 0", 0);
        if (m > 1) {
          const f = Math.pow(L, -1 / (2 * m - 2));
          for (const l of kernels.slice(0, -1)) {
            for (const s of weightSlots(l) ?? []) {
              if (s.role.role === 'kernel')
                note(l, s.index, `residual 'fixup': x L^(-1/(2m-2)) = ${f.toPrecision(4)} (L ${L}, m ${m})`, f);
            }
          }
        }
      } else if (rule === 'depth') {
        note(last.layer, last.index, `residual 'depth': std / sqrt(2 L) (L ${L})`, 1 / Math.sqrt(2 * L));
      }
    }
  }
  return factors;
}

/**
 * `preserve`: with the weights just drawn, predictSignal gives each block's growth of the stream's second
 * moment, E[add^2] / E[skip^2] - 1, and each branch's last kernel is scaled by sqrt((1 / L) / growth) where
 * the growth exceeds 1 / L; three passes, since scaling one block changes the stream (and its channel means)
 * every later block sees. Blocks that already grow less are left as they are.
 */
function preserveResidualStream(
  model: tf.LayersModel,
  blocks: ResidualBlock[],
  reports: LayerInitReport[],
  progress: { layer?: string },
): void {
  const L = blocks.length;
  const total = new Map<Layer, number>();
  for (let pass = 0; pass < 3; pass++) {
    const predicted = predictSecondMoments(model);
    const moment = (t: tf.SymbolicTensor): number | null =>
      t.sourceLayer && t.sourceLayer.getClassName() !== 'InputLayer' ? (predicted.get(t.sourceLayer.name) ?? null) : 1;
    for (const block of blocks) {
      const skip = moment(block.skip);
      const out = predicted.get(block.add.name);
      if (skip === null || !(skip > 0) || out === null || out === undefined) continue;
      const growth = out / skip - 1;
      if (!(growth > (1 / L) * 1.001)) continue;
      const c = Math.sqrt(1 / L / growth);
      for (const branch of block.branches) {
        const last = lastKernel(branch);
        if (!last) continue;
        progress.layer = last.layer.name;
        const scaled = tf.mul(last.layer.getWeights()[last.index], c);
        replaceWeights(last.layer, new Map([[last.index, scaled]]), false);
        total.set(last.layer, (total.get(last.layer) ?? 1) * c);
      }
    }
  }
  for (const [layer, c] of total) {
    const kernel = lastKernel([layer]);
    const row =
      kernel && reports.find((r) => r.layer === layer.name && r.weight === layer.weights[kernel.index].originalName);
    if (row) {
      row.note = `residual 'preserve': scaled by ${c.toPrecision(4)} so the block adds 1/${L} of the stream's predicted second moment`;
      if (row.std !== undefined) row.std *= c;
    }
  }
}
