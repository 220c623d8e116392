/**
 * predictSignal's rules for SimpleRNN, LSTM and GRU (bare or in a Bidirectional), unrolled step by step from a
 * zero state over the layer's fixed number of steps. Each step applies the cell's own weights to per-unit moments
 * under the same approximations as the feed-forward rules: units independent, the input independent across steps
 * and of the state, each gate's pre-activation Gaussian, and gates independent of one another, so products of
 * gates take products of moments (the GRU's z and 1 - z are handled exactly). The cell state of an LSTM is taken
 * as Gaussian before its tanh.
 */
import * as tf from '@tensorflow/tfjs';
import { ActivationName, DEFAULT_ALPHA, canonicalActivation } from '../math/activations.js';
import {
  Stats,
  averageIndependent,
  centred,
  concat,
  productIndependent,
  slice,
  sumIndependent,
  throughActivation,
  throughKernel,
} from './moments.js';
import { WeightReader, WeightValues } from './roles.js';

type Layer = tf.layers.Layer;
type Phi = (s: Stats) => Stats;

interface Cell {
  kind: 'SimpleRNNCell' | 'LSTMCell' | 'GRUCell';
  units: number;
  kernel: WeightValues;
  recurrent: WeightValues;
  bias: Float32Array | null;
  activation: Phi;
  gate: Phi;
}

const OWNER = 'predictSignal';
const CELLS = new Set(['SimpleRNNCell', 'LSTMCell', 'GRUCell']);

function phiOf(name: unknown): Phi {
  const a: ActivationName = canonicalActivation(typeof name === 'string' ? name : 'linear', OWNER);
  return (s) => throughActivation(s, a, DEFAULT_ALPHA[a] ?? 0);
}

/** The cell of a recurrent layer, or why its prediction is not modelled. */
function cellOf(layer: Layer, training: boolean, read: WeightReader): Cell | string {
  const cell = (layer as unknown as { cell?: Layer }).cell;
  if (!cell || !CELLS.has(cell.getClassName())) return `no rule for a ${layer.getClassName()} of this cell`;
  const config = cell.getConfig() as Record<string, unknown>;
  if (training && ((config.dropout as number) > 0 || (config.recurrentDropout as number) > 0)) {
    return 'dropout inside a recurrent cell is not modelled';
  }
  const w = read(cell);
  const kernel = w.get('kernel');
  const recurrent = w.get('recurrent_kernel');
  if (!kernel || !recurrent) return 'no kernel';
  return {
    kind: cell.getClassName() as Cell['kind'],
    units: config.units as number,
    kernel,
    recurrent,
    bias: w.get('bias')?.values ?? null,
    activation: phiOf(config.activation),
    gate: phiOf(config.recurrentActivation),
  };
}

/** One step of the cell: the next state (h, and c for an LSTM) from the input projection zx. */
function step(cell: Cell, zx: Stats, h: Stats, c: Stats): [Stats, Stats] {
  const u = cell.units;
  const { values, shape } = cell.recurrent;
  if (cell.kind === 'SimpleRNNCell') {
    return [cell.activation(sumIndependent([zx, throughKernel(h, values, shape, null)])), c];
  }
  if (cell.kind === 'LSTMCell') {
    const z = sumIndependent([zx, throughKernel(h, values, shape, null)]);
    const [i, f, g, o] = [0, 1, 2, 3].map((k) => slice(z, k * u, (k + 1) * u));
    const next = sumIndependent([
      productIndependent([cell.gate(f), c]),
      productIndependent([cell.gate(i), cell.activation(g)]),
    ]);
    return [productIndependent([cell.gate(o), cell.activation(next)]), next];
  }
  // GRU (tfjs): z, r from x and h; candidate from x and r * h; h' = z h + (1 - z) candidate
  const zr = sumIndependent([slice(zx, 0, 2 * u), throughKernel(h, values, shape, null, [0, 2 * u])]);
  const z = cell.gate(slice(zr, 0, u));
  const r = cell.gate(slice(zr, u, 2 * u));
  const candidate = cell.activation(
    sumIndependent([
      slice(zx, 2 * u, 3 * u),
      throughKernel(productIndependent([r, h]), values, shape, null, [2 * u, 3 * u]),
    ]),
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
function run(layer: Layer, x: Stats, steps: number, training: boolean, read: WeightReader): Stats | string {
  const cell = cellOf(layer, training, read);
  if (typeof cell === 'string') return cell;
  const zx = throughKernel(x, cell.kernel.values, cell.kernel.shape, cell.bias);
  let h = centred(cell.units, 0);
  let c = centred(cell.units, 0);
  const outputs: Stats[] = [];
  for (let t = 0; t < steps; t++) {
    [h, c] = step(cell, zx, h, c);
    outputs.push(h);
  }
  const sequences = (layer.getConfig() as { returnSequences?: boolean }).returnSequences;
  if (!sequences) return h;
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

/** The output moments of a SimpleRNN, LSTM or GRU layer (or a Bidirectional of one), or why there are none. */
export function predictRecurrent(layer: Layer, x: Stats, training: boolean, read: WeightReader): Stats | string {
  const steps = (layer.input as tf.SymbolicTensor).shape[1];
  if (typeof steps !== 'number') return 'the number of steps is not fixed by the input shape';
  if (Array.isArray(layer.output)) return 'several outputs (returnState)';
  if (layer.getClassName() !== 'Bidirectional') return run(layer, x, steps, training, read);
  const { forwardLayer, backwardLayer } = layer as unknown as { forwardLayer: Layer; backwardLayer: Layer };
  // the backward direction sees the steps in reverse; with exchangeable steps its moments follow the same map
  const parts = [run(forwardLayer, x, steps, training, read), run(backwardLayer, x, steps, training, read)];
  const [f, b] = parts;
  if (typeof f === 'string') return f;
  if (typeof b === 'string') return b;
  const mode = (layer.getConfig() as { mergeMode?: string | null }).mergeMode;
  if (mode === 'concat') return concat([f, b]);
  if (mode === 'sum') return sumIndependent([f, b]);
  if (mode === 'ave') return averageIndependent([f, b]);
  if (mode === 'mul') return productIndependent([f, b]);
  return `no rule for mergeMode ${String(mode)}`;
}
