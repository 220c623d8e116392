/**
 * Preprocessing layers: Rescaling (y = scale x + offset), CenterCrop, Resizing and RandomWidth (positions
 * exchangeable: each channel's moments kept), CategoryEncoding (ids taken as uniform over its tokens).
 */
import { affine } from '../moments.js';
import { elementwise } from '../moments_positions.js';
import { configOf, lastAxis, numberOf } from './common.js';
import { RuleFamily } from './registry.js';
import { MomentRule } from './types.js';

const kept =
  (note: string): MomentRule =>
  ({ inputs }) => ({ moments: inputs[0], note });

const RESIZE_NOTE = 'positions exchangeable; interpolated neighbours taken as equal';

/**
 * Counts of ids uniform over N tokens, L ids per example: oneHot P = 1 / N; multiHot P = 1 - (1 - 1/N)^L (mean and
 * second moment P); count ~ Binomial(L, 1/N).
 */
const categoryMoments: MomentRule = ({ layer, inputShapes }) => {
  const config = configOf(layer);
  const n = config.numTokens as number;
  const shape = inputShapes[0];
  const ids = shape.length > 1 ? (lastAxis(shape) as number) : 1;
  // tfjs 4.22's CategoryEncoding writes its output shape over its input's symbolic shape: the ids per example are lost
  if (config.outputMode !== 'oneHot' && shape.length > 1 && ids === n)
    return 'the number of ids per example is not known (tfjs 4.22 overwrites the input shape with the output shape)';
  const p = 1 / n;
  let mean: number;
  let m2: number;
  if (config.outputMode === 'count') {
    mean = ids * p;
    m2 = ids * p * (1 - p) + mean * mean;
  } else {
    mean = config.outputMode === 'oneHot' ? p : 1 - (1 - p) ** ids;
    m2 = mean;
  }
  return {
    moments: { mean: Float64Array.of(mean), m2: Float64Array.of(m2) },
    note: 'ids taken as uniform over the tokens',
  };
};

/** The rules of this family. */
export const PREPROCESSING_RULES: RuleFamily = {
  Rescaling: {
    passes: 'opaque',
    moments: ({ layer, inputs }) => ({
      moments: elementwise(inputs, ([x]) => affine(x, numberOf(layer, 'scale', 1), numberOf(layer, 'offset', 0))),
    }),
    positions: true,
  },
  CenterCrop: { passes: 'through', moments: kept('border positions dropped: positions taken as exchangeable') },
  Resizing: { passes: 'through', moments: kept(RESIZE_NOTE) },
  RandomWidth: {
    passes: 'through',
    moments: (input) => (input.training ? kept(RESIZE_NOTE)(input) : { moments: input.inputs[0] }),
  },
  CategoryEncoding: { moments: categoryMoments, ids: (layer) => numberOf(layer, 'numTokens', 1) },
};
