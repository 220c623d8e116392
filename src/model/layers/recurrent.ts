/**
 * Recurrent layers: SimpleRNN, LSTM, GRU, ConvLSTM2D and `tf.layers.rnn` with their cells (stacked cells too). Each
 * cell has an input kernel [...taps, in, gates units], a recurrent kernel [...taps, units, gates units] and a bias
 * [gates units], in tfjs's gate order (LSTM i, f, c, o; GRU z, r, h). The cells themselves are not layers of a
 * model: they run inside these layers, whose rules cover their weights.
 */
import type * as tf from '@tensorflow/tfjs';
import { RECURRENT_NOTE, predictRecurrent } from './recurrent_moments.js';
import { configOf } from './common.js';
import { BuiltinRule, RuleFamily } from './registry.js';
import { CellKind, MomentRule, WeightRole } from './types.js';

type Layer = tf.layers.Layer;

/** Recurrent cells and their kinds. */
const CELL_KINDS: Readonly<Record<string, CellKind>> = {
  SimpleRNNCell: 'simpleRnn',
  LSTMCell: 'lstm',
  GRUCell: 'gru',
  ConvLSTM2DCell: 'lstm',
};

/** Gates per cell: the blocks of its kernels' last axis and of its bias. */
export const CELL_GATES: Readonly<Record<CellKind, number>> = { simpleRnn: 1, lstm: 4, gru: 3 };

/** The roles of a recurrent layer's weights, cell by cell (kernel, recurrent_kernel, bias per cell). */
function recurrentRoles(layer: Layer): WeightRole[] | string {
  const cell = (layer as unknown as { cell?: Layer & { cells?: Layer[] } }).cell;
  if (!cell) return `${layer.name} has no cell`;
  const cells = cell.cells ?? [cell];
  const roles: WeightRole[] = [];
  for (const [i, c] of cells.entries()) {
    const kind = CELL_KINDS[c.getClassName()];
    if (kind === undefined) return `a cell of class ${c.getClassName()}, which has no rule`;
    const gates = CELL_GATES[kind];
    const config = configOf(c);
    const units = (config.filters ?? config.units) as number;
    roles.push({ role: 'inputKernel', cell: kind, gates, units, first: i === 0 });
    roles.push({ role: 'recurrentKernel', cell: kind, gates, units });
    if (config.useBias !== false) roles.push({ role: 'bias', cell: kind });
  }
  return roles;
}

/** The moment rule of the recurrent layers (and of a Bidirectional of one). */
export const recurrentMoments: MomentRule = (input) => {
  const out = predictRecurrent(input);
  return typeof out === 'string' ? out : { moments: out, note: RECURRENT_NOTE };
};

const RECURRENT: BuiltinRule = { weights: recurrentRoles, moments: recurrentMoments, probe: 'recurrent' };
const CELL: BuiltinRule = {
  unsupported: 'a recurrent cell runs inside RNN, SimpleRNN, LSTM, GRU or ConvLSTM2D, whose rules cover its weights',
};

/** The rules of this family. */
export const RECURRENT_RULES: RuleFamily = {
  RNN: RECURRENT,
  SimpleRNN: RECURRENT,
  LSTM: RECURRENT,
  GRU: RECURRENT,
  ConvLSTM2D: RECURRENT,
  SimpleRNNCell: CELL,
  LSTMCell: CELL,
  GRUCell: CELL,
  ConvLSTM2DCell: CELL,
  StackedRNNCells: CELL,
};
