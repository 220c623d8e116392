/**
 * What each weight of a known tfjs layer is: its role. Supporting a layer is one entry here; the model
 * tools (initializeModel, lsuv, signalPropagation) read the roles instead of walking layers their own way.
 */
import * as tf from '@tensorflow/tfjs';
import type { FanLayout } from '../math/fans.js';

type Layer = tf.layers.Layer;

/** Recurrent cells and their gate counts (tfjs gate order: LSTM i, f, c, o; GRU z, r, h). */
export type CellKind = 'simpleRnn' | 'lstm' | 'gru';
/** Gates per cell: the blocks of its kernels' last axis and of its bias. */
export const CELL_GATES: Readonly<Record<CellKind, number>> = { simpleRnn: 1, lstm: 4, gru: 3 };
const CELL_CLASSES: Readonly<Record<string, CellKind>> = {
  SimpleRNNCell: 'simpleRnn',
  LSTMCell: 'lstm',
  GRUCell: 'gru',
};

/** The role of one weight. */
export type WeightRole =
  /** A feed-forward kernel (Dense, Conv, the pointwise kernel of SeparableConv), in its fan layout. */
  | { role: 'kernel'; layout: FanLayout }
  /** A recurrent layer's input kernel [in, gates * units]. */
  | { role: 'inputKernel'; cell: CellKind; gates: number; units: number; first: boolean }
  /** A recurrent layer's recurrent kernel [units, gates * units]. */
  | { role: 'recurrentKernel'; cell: CellKind; gates: number; units: number }
  /** A bias; `cell` for a recurrent one ([gates * units], one block per gate). */
  | { role: 'bias'; cell?: CellKind }
  /** An embedding table [vocabulary, dim]. */
  | { role: 'embedding' }
  /** A normalization layer's scale, offset and (BatchNorm) moving statistics. */
  | { role: 'gamma' }
  | { role: 'beta' }
  | { role: 'movingMean' }
  | { role: 'movingVariance' };

/** One weight of a layer: its index in `layer.weights`, its name and role. */
export interface WeightSlot {
  /** Index into layer.weights / layer.getWeights(). */
  index: number;
  /** The weight's original name. */
  name: string;
  /** What it is. */
  role: WeightRole;
}

/** Feed-forward kernel layers: the kernel weights' short names and fan layouts. */
const KERNEL_LAYERS: Readonly<Record<string, Readonly<Record<string, FanLayout>>>> = {
  Dense: { kernel: 'auto' },
  Conv1D: { kernel: 'auto' },
  Conv2D: { kernel: 'auto' },
  Conv3D: { kernel: 'auto' },
  Conv2DTranspose: { kernel: 'convTranspose' },
  Conv3DTranspose: { kernel: 'convTranspose' },
  DepthwiseConv2D: { depthwise_kernel: 'depthwise' },
  SeparableConv1D: { depthwise_kernel: 'depthwise', pointwise_kernel: 'auto' },
  SeparableConv2D: { depthwise_kernel: 'depthwise', pointwise_kernel: 'auto' },
};

/** Layers whose every weight has a fixed role by its short name. */
const NAMED_LAYERS: Readonly<Record<string, Readonly<Record<string, WeightRole>>>> = {
  Embedding: { embeddings: { role: 'embedding' } },
  BatchNormalization: {
    gamma: { role: 'gamma' },
    beta: { role: 'beta' },
    moving_mean: { role: 'movingMean' },
    moving_variance: { role: 'movingVariance' },
  },
  LayerNormalization: { gamma: { role: 'gamma' }, beta: { role: 'beta' } },
};

/** Layers that run a recurrent cell (or a stack of cells). */
const RECURRENT_LAYERS = new Set(['SimpleRNN', 'LSTM', 'GRU', 'RNN']);

const shortName = (w: tf.LayerVariable): string => w.originalName.split('/').pop() as string;

/** The roles of a recurrent layer's weights, cell by cell (kernel, recurrent_kernel, bias per cell). */
function recurrentRoles(layer: Layer): WeightRole[] | null {
  const cell = (layer as unknown as { cell?: { getClassName(): string; cells?: unknown[] } }).cell;
  if (!cell) return null;
  const cells = (cell.cells ?? [cell]) as Array<{ getClassName(): string; units: number; useBias: boolean }>;
  const roles: WeightRole[] = [];
  for (const [i, c] of cells.entries()) {
    const kind = CELL_CLASSES[c.getClassName()];
    if (kind === undefined) return null;
    const gates = CELL_GATES[kind];
    roles.push({ role: 'inputKernel', cell: kind, gates, units: c.units, first: i === 0 });
    roles.push({ role: 'recurrentKernel', cell: kind, gates, units: c.units });
    if (c.useBias) roles.push({ role: 'bias', cell: kind });
  }
  return roles;
}

/** The roles of a layer's weights in order, or null when the layer (or one of its weights) is unknown. */
function roles(layer: Layer): WeightRole[] | null {
  const cls = layer.getClassName();
  const weights = layer.weights;
  const kernels = KERNEL_LAYERS[cls];
  if (kernels) {
    return weights.map((w) => {
      const layout = kernels[shortName(w)];
      return layout !== undefined ? { role: 'kernel', layout } : { role: 'bias' };
    });
  }
  const named = NAMED_LAYERS[cls];
  if (named) {
    const found = weights.map((w) => named[shortName(w)]);
    return found.every((r) => r !== undefined) ? found : null;
  }
  if (RECURRENT_LAYERS.has(cls)) return recurrentRoles(layer);
  if (cls === 'Bidirectional') {
    const { forwardLayer, backwardLayer } = layer as unknown as { forwardLayer: Layer; backwardLayer: Layer };
    const [f, b] = [roles(forwardLayer), roles(backwardLayer)];
    return f && b ? [...f, ...b] : null;
  }
  if (cls === 'TimeDistributed') return roles((layer as unknown as { layer: Layer }).layer);
  return null;
}

/**
 * Every weight of `layer` with its role, or null for a layer this package does not know (a layer with
 * no weights gives []). Wrappers (Bidirectional, TimeDistributed) take the roles of what they wrap.
 */
export function weightSlots(layer: Layer): WeightSlot[] | null {
  if (layer.weights.length === 0) return [];
  const found = roles(layer);
  if (found === null || found.length !== layer.weights.length) return null;
  return found.map((role, index) => ({ index, name: layer.weights[index].originalName, role }));
}

/** One feed-forward kernel of a layer, with its weight index and fan layout. */
export interface KernelSlot {
  /** Index into layer.getWeights(). */
  index: number;
  /** The weight's original name. */
  name: string;
  /** Its fan layout. */
  layout: FanLayout;
}

/** The feed-forward kernels of a Dense/Conv-type layer, or [] for other layers. */
export function kernelSlots(layer: Layer): KernelSlot[] {
  if (!KERNEL_LAYERS[layer.getClassName()]) return [];
  return (weightSlots(layer) ?? []).flatMap((s) =>
    s.role.role === 'kernel' ? [{ index: s.index, name: s.name, layout: s.role.layout }] : [],
  );
}

/** True for a layer that runs a recurrent cell (SimpleRNN, LSTM, GRU, RNN), bare or in a Bidirectional. */
export function isRecurrentLayer(layer: Layer): boolean {
  const cls = layer.getClassName();
  if (RECURRENT_LAYERS.has(cls)) return true;
  return (
    cls === 'Bidirectional' &&
    RECURRENT_LAYERS.has((layer as unknown as { forwardLayer: Layer }).forwardLayer.getClassName())
  );
}

/** A weight's current values and shape. */
export interface WeightValues {
  /** Row-major values. */
  values: Float32Array;
  /** Its shape. */
  shape: number[];
}

/** Reads a layer's (or cell's) weights by short name; predictSignal's reader reads each layer once. */
export type WeightReader = (layer: Layer) => Map<string, WeightValues>;

/** Every weight of `layer` (or of a recurrent cell) by its short name: kernel, bias, recurrent_kernel, gamma... */
export function weightsByName(layer: Layer): Map<string, WeightValues> {
  const values = layer.getWeights();
  return new Map(
    layer.weights.map((w, i) => [
      shortName(w),
      { values: values[i].dataSync() as Float32Array, shape: values[i].shape as number[] },
    ]),
  );
}
