/**
 * What initializeModel draws for each weight, by role: the plan of one layer's weights (a draw function and a
 * report row per weight), made before anything is drawn or written.
 *
 * He et al. 2015 derive the forward condition (eq. 10) from the second moment of a layer's input, x_l = phi(y_{l-1}):
 * Var(W_l) fanIn E[phi(y_{l-1})^2] = Var(y_{l-1}), so the gain of a kernel comes from the nonlinearity its *input*
 * went through (1 for a standardized model input). The backward condition (eq. 14) involves phi'(y_l) of the layer's
 * *own* output: the gain comes from the nonlinearity that consumes the output. PyTorch's convention (the
 * nonlinearity after the layer, in both modes) is `rule: 'pytorch'`.
 */
import type * as tf from '@tensorflow/tfjs';
import { InitializerConfigError } from '../errors.js';
import {
  Distribution,
  FanMode,
  VarianceScalingParams,
  modeFan,
  valuesWithStd,
  varianceScalingStd,
  varianceScalingValues,
} from '../initializers/core.js';
import { DeltaOrthogonal } from '../initializers/delta_orthogonal.js';
import { ChronoBias, ForgetGateBias } from '../initializers/gate_bias.js';
import { Orthogonal } from '../initializers/orthogonal.js';
import { computeFans } from '../math/fans.js';
import { GainCriterion, GainMode, activationGain } from '../math/gains.js';
import { edgeOfChaos } from '../math/mean_field.js';
import { checkShape } from '../math/shape.js';
import { fillUniform } from '../sampling/distributions.js';
import { generatorFor } from '../sampling/prng.js';
import { FoundActivation } from './graph.js';
import { CELL_GATES } from './layers/recurrent.js';
import { KernelRole, WeightSlot } from './roles.js';

type Layer = tf.layers.Layer;
const OWNER = 'initializeModel';

/** One row of initializeModel's report: a weight it set, or a layer it left alone. */
export interface LayerInitReport {
  /** Layer name (inside a nested model: `model/layer`). */
  layer: string;
  /** Layer class, e.g. `Dense`. */
  className: string;
  /** The weight set, e.g. `dense_1/kernel`. */
  weight?: string;
  /** The weight's role: kernel, inputKernel, recurrentKernel, bias, embedding, gamma, beta, movingMean, movingVariance, slope. */
  role?: string;
  /** The nonlinearity the gain came from, e.g. "relu from dense_1 (own activation)". */
  activation?: string;
  /** The gain g. */
  gain?: number;
  /** The fan the std divides by. */
  fan?: number;
  /** The std drawn (for a constant: 0). */
  std?: number;
  /**
   * Residual `preserve`: predictSignal's second moment of the stream entering the block (per element, averaged over
   * channels), from which the factor was chosen.
   */
  predictedInputSecondMoment?: number;
  /** Residual rules: the multiplier applied to this weight after the local rule drew it. */
  factor?: number;
  /** What was set, where a std does not say it: "orthogonal, one block per gate (4)", "forget gate 1", "ones". */
  note?: string;
  /** Why the layer (or weight) was left untouched. */
  skipped?: string;
}

/** The options a plan reads (initializeModel's, parsed). */
export interface PlanOptions {
  rule: 'he' | 'pytorch' | 'pytorchDefault' | 'deltaOrthogonal';
  mode: GainMode;
  criterion: GainCriterion;
  distribution: Distribution;
  zeroBiases: boolean;
  forgetBias: number | 'chrono';
  maxTimescale: number | null;
  embeddingStd: number;
  biasVariance: number | null;
}

/** One weight to draw: where it goes and how to draw it (nothing is drawn while planning). */
export interface PlannedDraw {
  layer: Layer;
  index: number;
  shape: number[];
  draw: () => Float32Array;
}

/** What the plan of a layer needs to know of the graph around it. */
export interface LayerContext {
  /** The row name of the layer. */
  name: string;
  /** The nonlinearity before and after the layer (for its kernels that read its input / write its output). */
  before: () => FoundActivation;
  after: () => FoundActivation;
  /** The layer's slope for a `slope` weight (PReLU): values and a note, from its own initializer. */
  slope?: (slot: WeightSlot, shape: number[]) => { values: Float32Array; note: string };
}

function describeActivation(a: FoundActivation): string {
  return `${a.name}${a.alpha !== undefined ? `(${Number(a.alpha.toFixed(6))})` : ''} from ${a.source}`;
}

/** PyTorch's fan-in of a kernel (`_calculate_fan_in_and_fan_out` on its weight layout). */
function pytorchFanIn(shape: number[], role: KernelRole): number {
  // tfjs's transposed-conv kernel [...k, out, in] is PyTorch's [in, out, ...k], whose "fan_in" is out * k.
  const fans = computeFans(shape, fanOptions(role));
  return role.layout === 'convTranspose' ? fans.fanOut : fans.fanIn;
}

/** The fan options of a kernel role (its layout, or its explicit axes). */
function fanOptions(role: KernelRole): Pick<VarianceScalingParams, 'layout' | 'inAxis' | 'outAxis' | 'batchAxis'> {
  const explicit = role.inAxis !== undefined || role.outAxis !== undefined || role.batchAxis !== undefined;
  return {
    layout: explicit ? 'auto' : role.layout,
    inAxis: role.inAxis ?? null,
    outAxis: role.outAxis ?? null,
    batchAxis: role.batchAxis ?? null,
  };
}

/** U[-bound, bound) for `shape`, seeded. */
function uniformValues(shape: number[], bound: number, seed: number): Float32Array {
  return fillUniform(new Float32Array(checkShape(OWNER, shape)), generatorFor(seed), -bound, bound);
}

const constant = (shape: number[], value: number) => (): Float32Array =>
  new Float32Array(checkShape(OWNER, shape)).fill(value);

/**
 * Rule `deltaOrthogonal`: a kernel at the edge of chaos of the activation after it (chi_1 = 1 at sigma_b^2 =
 * biasVariance), delta-orthogonal for a conv kernel, orthogonal for a dense one, gain sqrt(sigma_w^2). Throws
 * before anything is drawn when the layer or its shape does not fit.
 */
function criticalKernel(
  layer: Layer,
  ctx: LayerContext,
  role: KernelRole,
  kernels: number,
  shape: number[],
  seed: number,
  o: PlanOptions,
): Partial<LayerInitReport> & { draw: () => Float32Array } {
  const fail = (allowed: string): never => {
    throw new InitializerConfigError(OWNER, 'rule', 'deltaOrthogonal', allowed);
  };
  const dense = role.layout === 'dense';
  if ((!dense && role.layout !== 'conv') || kernels !== 1) {
    fail(`a plain chain of Dense and Conv1D/2D/3D layers (layer ${ctx.name} is ${layer.getClassName()})`);
  }
  const [inCh, outCh] = shape.slice(-2);
  if (!dense && inCh > outCh) fail(`conv kernels with in <= out channels (layer ${ctx.name} maps ${inCh} to ${outCh})`);
  const after = ctx.after();
  const sigmaB2 = o.biasVariance ?? 0;
  const edge = after.name === 'data' ? null : edgeOfChaos({ activation: after.name, alpha: after.alpha }, sigmaB2);
  if (!edge) fail(`an activation with an edge of chaos at sigma_b^2 = ${sigmaB2} (layer ${ctx.name}: ${after.name})`);
  const { sigmaW2, q } = edge as { sigmaW2: number; q: number };
  const gain = Math.sqrt(sigmaW2);
  const init = dense ? new Orthogonal({ gain, seed }) : new DeltaOrthogonal({ gain, seed });
  return {
    draw: () => init.sample(shape),
    activation: describeActivation(after),
    gain,
    note: `${dense ? 'orthogonal' : 'delta-orthogonal'} at the edge of chaos: sigma_w^2 ${sigmaW2.toPrecision(5)}, q* ${q.toPrecision(4)} (sigma_b^2 ${sigmaB2})`,
  };
}

const DELTA_ROLES = new Set(['kernel', 'bias', 'gamma', 'beta', 'movingMean', 'movingVariance']);

/**
 * Plans one layer's weights into `plan`; returns its report rows. `seeds` gives one seed per weight, in order.
 */
export function planLayer(
  layer: Layer,
  ctx: LayerContext,
  slots: WeightSlot[],
  o: PlanOptions,
  seedFor: () => number,
  plan: PlannedDraw[],
): LayerInitReport[] {
  const cls = layer.getClassName();
  const rows: LayerInitReport[] = [];
  const kernelCount = slots.filter((s) => s.role.role === 'kernel').length;
  // PyTorch's default bias bound comes from the layer's last kernel; recurrent weights use 1/sqrt(units).
  let pytorchBound = 0;
  for (const slot of slots) {
    const shape = layer.weights[slot.index].shape as number[];
    const seed = seedFor();
    const row: LayerInitReport = { layer: ctx.name, className: cls, weight: slot.name, role: slot.role.role };
    const add = (draw: () => Float32Array, fields: Partial<LayerInitReport>): void => {
      plan.push({ layer, index: slot.index, shape, draw });
      rows.push({ ...row, ...fields });
    };
    const role = slot.role;
    if (o.rule === 'deltaOrthogonal' && !DELTA_ROLES.has(role.role)) {
      throw new InitializerConfigError(
        OWNER,
        'rule',
        'deltaOrthogonal',
        `a plain conv chain (layer ${ctx.name} has a ${role.role})`,
      );
    }
    switch (role.role) {
      case 'kernel': {
        const kernel = role as KernelRole;
        if (o.rule === 'deltaOrthogonal') {
          const { draw, ...fields } = criticalKernel(layer, ctx, kernel, kernelCount, shape, seed, o);
          add(draw, fields);
          break;
        }
        if (o.rule === 'pytorchDefault') {
          const fan = pytorchFanIn(shape, kernel);
          pytorchBound = 1 / Math.sqrt(fan);
          add(() => uniformValues(shape, pytorchBound, seed), {
            gain: 1 / Math.sqrt(3),
            fan,
            std: pytorchBound / Math.sqrt(3),
          });
          break;
        }
        const before: FoundActivation =
          kernel.reads === 'input'
            ? ctx.before()
            : { name: 'linear', source: `${ctx.name} (a value inside the layer)` };
        const after: FoundActivation =
          kernel.writes === 'output'
            ? ctx.after()
            : { name: 'linear', source: `${ctx.name} (a value inside the layer)` };
        const chosen = o.rule === 'pytorch' || o.mode === 'fanOut' ? after : before;
        const gain =
          chosen.name === 'data' ? 1 : activationGain(chosen.name, chosen.alpha ?? null, o.mode, o.criterion, OWNER);
        const params: VarianceScalingParams = {
          scale: gain * gain,
          mode: o.mode as FanMode,
          distribution: o.distribution,
          ...fanOptions(kernel),
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
        const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1); // taps x in (ConvLSTM2D), or in
        if (o.rule === 'pytorchDefault') {
          pytorchBound = 1 / Math.sqrt(role.units);
          add(() => uniformValues(shape, pytorchBound, seed), { fan: role.units, std: pytorchBound / Math.sqrt(3) });
          break;
        }
        // fanIn: the He rule on [in, gates * units], the same gain for every gate; fanOut: per-gate fan (units), gain 1.
        const before: FoundActivation = role.first
          ? ctx.before()
          : { name: 'linear', source: `${ctx.name} (previous cell's output)` };
        const forward = o.mode === 'fanIn';
        const gain =
          !forward || before.name === 'data'
            ? 1
            : activationGain(before.name, before.alpha ?? null, 'fanIn', o.criterion, OWNER);
        const fan = forward ? fanIn : (fanIn / shape[shape.length - 2]) * role.units;
        const std = gain / Math.sqrt(fan);
        add(() => valuesWithStd(OWNER, shape, std, o.distribution, seed), {
          activation: forward ? describeActivation(before) : undefined,
          gain,
          fan,
          std,
          note: forward ? undefined : `per-gate fanOut (${role.gates} gates of ${role.units})`,
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
        const rowsOf = shape.slice(0, -1).reduce((a, b) => a * b, 1);
        const init = new Orthogonal({ gates: role.gates, seed });
        add(() => init.sample(shape), {
          gain: 1,
          std: 1 / Math.sqrt(Math.max(rowsOf, role.units)),
          note: `orthogonal, one block per gate (${role.gates})${shape.length > 2 ? ', on the flattened kernel' : ''}`,
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
            const fan = Math.round(1 / bound ** 2);
            add(() => uniformValues(shape, bound, seed), {
              fan,
              std: bound / Math.sqrt(3),
              note: `U(-b, b), b = 1/sqrt(${role.cell ? 'units' : "the kernel's fanIn"} ${fan}) = ${bound.toPrecision(4)}`,
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
      case 'slope': {
        const slope = ctx.slope?.(slot, shape);
        if (slope) add(() => slope.values, { note: slope.note });
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
