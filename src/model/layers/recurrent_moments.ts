/**
 * predictSignal's rule for SimpleRNN, LSTM, GRU and ConvLSTM2D (bare, or in a Bidirectional), unrolled step by step
 * from a zero state over the layer's fixed number of steps. Each step applies the cell's own weights to per-unit
 * moments under the same approximations as the feed-forward rules: units independent, the input independent across
 * steps and of the state, each gate's pre-activation Gaussian, and gates independent of one another, so products of
 * gates take products of moments (the GRU's z and 1 - z are handled exactly). The cell state of an LSTM is taken as
 * Gaussian before its tanh. ConvLSTM2D's convolutions count their border taps as the Conv rules do.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_ALPHA, canonicalActivation } from '../../math/activations.js';
import {
  Stats,
  averageIndependent,
  centred,
  concat,
  productIndependent,
  slice,
  sumIndependent,
  throughActivation,
} from '../moments.js';
import { TapGroup, convolve, tapGroups } from '../moments_conv.js';
import { configOf, geometryOf } from './common.js';
import { MomentInput, WeightMap, WeightValues } from './types.js';

type Layer = tf.layers.Layer;
type Phi = (s: Stats) => Stats;

interface Cell {
  kind: 'SimpleRNNCell' | 'LSTMCell' | 'GRUCell' | 'ConvLSTM2DCell';
  units: number;
  kernel: WeightValues;
  recurrent: WeightValues;
  bias: Float32Array | null;
  activation: Phi;
  gate: Phi;
  /** Position groups of a ConvLSTM2D's input and recurrent convolutions (null: dense cells). */
  inputGroups: TapGroup[] | null;
  recurrentGroups: TapGroup[] | null;
}

const OWNER = 'predictSignal';
const CELLS = new Set(['SimpleRNNCell', 'LSTMCell', 'GRUCell', 'ConvLSTM2DCell']);

/** The note every recurrent prediction carries. */
export const RECURRENT_NOTE = 'unrolled from a zero state; units, steps and gates independent';

function phiOf(name: unknown): Phi {
  const a = canonicalActivation(typeof name === 'string' ? name : 'linear', OWNER);
  return (s) => throughActivation(s, a, DEFAULT_ALPHA[a] ?? 0);
}

/** A ConvLSTM2D's per-step input [h, w, c] and output [h', w', f] shapes, batch axis first. */
function convShapes(layer: Layer, inputShape: tf.Shape, outputShape: tf.Shape): [tf.Shape, tf.Shape] {
  const sequences = configOf(layer).returnSequences === true;
  return [[inputShape[0], ...inputShape.slice(2)], sequences ? [outputShape[0], ...outputShape.slice(2)] : outputShape];
}

/** The cell of a recurrent layer, or why its prediction is not modelled. */
function cellOf(layer: Layer, input: MomentInput): Cell | string {
  const cell = (layer as unknown as { cell?: Layer }).cell;
  if (!cell || !CELLS.has(cell.getClassName())) return `no rule for a ${layer.getClassName()} of this cell`;
  const config = configOf(cell);
  if (input.training && ((config.dropout as number) > 0 || (config.recurrentDropout as number) > 0)) {
    return 'dropout inside a recurrent cell is not modelled';
  }
  const w: WeightMap = input.weightsOf(cell);
  const kernel = w.get('kernel');
  const recurrent = w.get('recurrent_kernel');
  if (!kernel || !recurrent) return 'no kernel';
  const kind = cell.getClassName() as Cell['kind'];
  let inputGroups: TapGroup[] | null = null;
  let recurrentGroups: TapGroup[] | null = null;
  if (kind === 'ConvLSTM2DCell') {
    const [x, y] = convShapes(layer, input.inputShapes[0], input.outputShapes[0]);
    const taps = kernel.shape.slice(0, -2);
    const g = geometryOf(cell, x, y, taps);
    if (typeof g === 'string') return g;
    inputGroups = tapGroups(g);
    recurrentGroups = tapGroups({
      ...g,
      input: g.output,
      strides: taps.map(() => 1),
      dilation: taps.map(() => 1),
      padding: 'same',
    });
  }
  return {
    kind,
    units: config.filters !== undefined ? (config.filters as number) : (config.units as number),
    kernel,
    recurrent,
    bias: w.get('bias')?.values ?? null,
    activation: phiOf(config.activation),
    gate: phiOf(config.recurrentActivation),
    inputGroups,
    recurrentGroups,
  };
}

/** The recurrent kernel's contribution to columns [from, to) from the state h. */
function recurrentPart(cell: Cell, h: Stats, columns: [number, number] | null = null): Stats {
  const { values, shape } = cell.recurrent;
  return convolve(h, values, shape, 'conv', null, cell.recurrentGroups, columns);
}

/** One step of the cell: the next state (h, and c for an LSTM) from the input projection zx. */
function step(cell: Cell, zx: Stats, h: Stats, c: Stats): [Stats, Stats] {
  const u = cell.units;
  if (cell.kind === 'SimpleRNNCell') return [cell.activation(sumIndependent([zx, recurrentPart(cell, h)])), c];
  if (cell.kind === 'LSTMCell' || cell.kind === 'ConvLSTM2DCell') {
    const z = sumIndependent([zx, recurrentPart(cell, h)]);
    const [i, f, g, o] = [0, 1, 2, 3].map((k) => slice(z, k * u, (k + 1) * u));
    const next = sumIndependent([
      productIndependent([cell.gate(f), c]),
      productIndependent([cell.gate(i), cell.activation(g)]),
    ]);
    return [productIndependent([cell.gate(o), cell.activation(next)]), next];
  }
  // GRU (tfjs): z, r from x and h; candidate from x and r * h; h' = z h + (1 - z) candidate
  const zr = sumIndependent([slice(zx, 0, 2 * u), recurrentPart(cell, h, [0, 2 * u])]);
  const z = cell.gate(slice(zr, 0, u));
  const r = cell.gate(slice(zr, u, 2 * u));
  const candidate = cell.activation(
    sumIndependent([slice(zx, 2 * u, 3 * u), recurrentPart(cell, productIndependent([r, h]), [2 * u, 3 * u])]),
  );
  const mean = new Float64Array(u);
  const m2 = new Float64Array(u);
  for (let j = 0; j < u; j++) {
    const [ez, ez2] = [z.mean[j], z.m2[j]];
    mean[j] = ez * h.mean[j] + (1 - ez) * candidate.mean[j];
    m2[j] = ez2 * h.m2[j] + 2 * (ez - ez2) * h.mean[j] * candidate.mean[j] + (1 - 2 * ez + ez2) * candidate.m2[j];
  }
  return [{ mean, m2 }, c];
}

/** Runs `layer`'s cell for `steps` steps: the output's moments (averaged over steps for returnSequences). */
function run(layer: Layer, x: Stats, steps: number, input: MomentInput): Stats | string {
  const cell = cellOf(layer, input);
  if (typeof cell === 'string') return cell;
  const zx = convolve(x, cell.kernel.values, cell.kernel.shape, 'conv', cell.bias, cell.inputGroups);
  let h = centred(cell.units, 0);
  let c = centred(cell.units, 0);
  const outputs: Stats[] = [];
  for (let t = 0; t < steps; t++) {
    [h, c] = step(cell, zx, h, c);
    outputs.push(h);
  }
  if (configOf(layer).returnSequences !== true) return h;
  const mean = new Float64Array(cell.units);
  const m2 = new Float64Array(cell.units);
  for (const o of outputs) {
    for (let j = 0; j < cell.units; j++) {
      mean[j] += o.mean[j] / steps;
      m2[j] += o.m2[j] / steps;
    }
  }
  return { mean, m2 };
}

/** The output moments of a recurrent layer (or a Bidirectional of one), or why there are none. */
export function predictRecurrent(input: MomentInput): Stats | string {
  const { layer, inputs, inputShapes, outputShapes } = input;
  const steps = inputShapes[0][1];
  if (typeof steps !== 'number') return 'the number of steps is not fixed by the input shape';
  if (outputShapes.length > 1) return 'several outputs (returnState)';
  if (layer.getClassName() !== 'Bidirectional') return run(layer, inputs[0], steps, input);
  const { forwardLayer, backwardLayer } = layer as unknown as { forwardLayer: Layer; backwardLayer: Layer };
  // the backward direction sees the steps in reverse; with exchangeable steps its moments follow the same map
  const [f, b] = [run(forwardLayer, inputs[0], steps, input), run(backwardLayer, inputs[0], steps, input)];
  if (typeof f === 'string') return f;
  if (typeof b === 'string') return b;
  const mode = configOf(layer).mergeMode;
  if (mode === 'concat') return concat([f, b]);
  if (mode === 'sum') return sumIndependent([f, b]);
  if (mode === 'ave') return averageIndependent([f, b]);
  if (mode === 'mul') return productIndependent([f, b]);
  return `no rule for mergeMode ${String(mode)}`;
}
