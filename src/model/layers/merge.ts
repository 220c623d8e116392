/**
 * Merges: Add, Average, Multiply, Maximum, Minimum, Concatenate and Dot. Their inputs are taken as independent
 * (the branches of a residual block or an Inception module each draw their own weights). Concatenate passes a
 * nonlinearity through when every input went through the same one; the others do not.
 */
import type * as tf from '@tensorflow/tfjs';
import {
  Stats,
  averageIndependent,
  concat,
  expanded,
  extremeOfIndependent,
  productIndependent,
  sumIndependent,
} from '../moments.js';
import { concatPositions, elementwise, withMap } from '../moments_positions.js';
import { configOf, lastAxis } from './common.js';
import { RuleFamily } from './registry.js';
import { MomentRule } from './types.js';

const INDEPENDENT = 'inputs independent';

/** Inputs of one channel count, or a sentence saying they differ. */
function sameChannels(inputs: readonly Stats[], shapes: readonly tf.Shape[]): Stats[] | string {
  const length = lastAxis(shapes[0]);
  if (shapes.some((s) => lastAxis(s) !== length)) return 'inputs of different channel counts (broadcast)';
  return inputs.map((s) => expanded(s, Math.max(...inputs.map((x) => x.mean.length))));
}

/** A merge of independent inputs element by element (position by position where the inputs have maps). */
const merged =
  (combine: (inputs: Stats[]) => Stats): MomentRule =>
  ({ inputs, inputShapes }) => {
    const same = sameChannels(inputs, inputShapes);
    return typeof same === 'string' ? same : { moments: elementwise(same, combine), note: INDEPENDENT };
  };

/** Concatenation along the channels (side by side) or along a position axis (the moments mixed by size). */
const concatenateMoments: MomentRule = ({ layer, inputs, inputShapes, outputShapes }) => {
  const rank = outputShapes[0].length;
  const raw = configOf(layer).axis;
  const axis = typeof raw === 'number' ? (raw < 0 ? rank + raw : raw) : rank - 1;
  if (axis === rank - 1) {
    const parts = inputs.map((s, i) => expanded(s, lastAxis(inputShapes[i])));
    const { positions: _, mean, m2, ...extras } = concat(parts);
    const map = concatPositions(parts);
    if (!map) return { moments: { mean, m2, ...extras } };
    // the Gaussian inputs of a shared activation, position by position too (a max pooling after reads them)
    const inner = extras.before && concatPositions(parts.map((p) => (p.before as NonNullable<Stats['before']>).input));
    const before =
      extras.before && inner ? { ...extras.before, input: withMap(inner, extras.before.input) } : undefined;
    const { before: _b, ...rest } = extras;
    return { moments: withMap(map, before ? { ...rest, before } : rest) };
  }
  const sizes = inputShapes.map((s) => s[axis]);
  if (sizes.some((n) => typeof n !== 'number')) return 'concatenation along an axis of unknown size';
  const total = (sizes as number[]).reduce((a, b) => a + b, 0);
  const same = sameChannels(inputs, inputShapes);
  if (typeof same === 'string') return same;
  const mean = new Float64Array(same[0].mean.length);
  const m2 = new Float64Array(mean.length);
  same.forEach((s, i) => {
    const share = (sizes[i] as number) / total;
    for (let c = 0; c < mean.length; c++) {
      mean[c] += share * s.mean[c];
      m2[c] += share * s.m2[c];
    }
  });
  return { moments: { mean, m2 }, note: 'concatenated along a position axis: the moments mixed by size', exact: true };
};

/**
 * Dot of two inputs over one axis each: y = sum_k a_k b_k over K independent terms, E[y] = sum_k E[a_k] E[b_k],
 * Var(y) = sum_k (E[a_k^2] E[b_k^2] - E[a_k]^2 E[b_k]^2). Contracting the channels sums over the channels;
 * contracting a position axis sums K copies of each channel pair.
 */
const dotMoments: MomentRule = ({ layer, inputs, inputShapes, outputShapes }) => {
  if (inputs.length !== 2) return 'a Dot of other than two inputs';
  const config = configOf(layer);
  if (config.normalize === true) return 'normalize: cosine proximity is not modelled';
  const axes = Array.isArray(config.axes) ? (config.axes as number[]) : [config.axes as number, config.axes as number];
  const [ra, rb] = inputShapes.map((s) => s.length);
  const [axA, axB] = [axes[0] < 0 ? ra + axes[0] : axes[0], axes[1] < 0 ? rb + axes[1] : axes[1]];
  const [a, b] = inputs;
  const channelsA = axA === ra - 1;
  const channelsB = axB === rb - 1;
  if (channelsA !== channelsB) return 'a Dot that contracts the channels of one input and a position axis of the other';
  const K = inputShapes[0][axA];
  if (typeof K !== 'number') return 'a Dot over an axis of unknown size';
  if (channelsA) {
    const [ea, eb] = [expanded(a, K), expanded(b, K)];
    let mean = 0;
    let v = 0;
    for (let k = 0; k < K; k++) {
      mean += ea.mean[k] * eb.mean[k];
      v += ea.m2[k] * eb.m2[k] - ea.mean[k] ** 2 * eb.mean[k] ** 2;
    }
    return {
      moments: { mean: Float64Array.of(mean), m2: Float64Array.of(Math.max(0, v) + mean * mean) },
      note: INDEPENDENT,
    };
  }
  // a position axis contracted: output element (i, j) pairs channel i of a with channel j of b, K times
  const outChannels = lastAxis(outputShapes[0]);
  const eb = expanded(b, lastAxis(inputShapes[1]));
  const mean = new Float64Array(eb.mean.length);
  const m2 = new Float64Array(eb.mean.length);
  for (let j = 0; j < mean.length; j++) {
    for (let i = 0; i < a.mean.length; i++) {
      const mu = K * a.mean[i] * eb.mean[j];
      const vij = K * (a.m2[i] * eb.m2[j] - a.mean[i] ** 2 * eb.mean[j] ** 2);
      mean[j] += mu / a.mean.length;
      m2[j] += (Math.max(0, vij) + mu * mu) / a.mean.length;
    }
  }
  return mean.length === outChannels || outChannels % mean.length === 0
    ? { moments: { mean, m2 }, note: INDEPENDENT }
    : 'a Dot whose output channels are not the second input channels';
};

/** The rules of this family. */
export const MERGE_RULES: RuleFamily = {
  Add: { merge: 'sum', moments: merged(sumIndependent), positions: true },
  Average: { merge: 'average', moments: merged(averageIndependent), positions: true },
  Multiply: { merge: 'product', moments: merged(productIndependent), positions: true },
  Maximum: {
    merge: 'max',
    moments: (input) => {
      const out = merged((s) => extremeOfIndependent(s, 1))(input);
      return typeof out === 'string' ? out : { ...out, note: `${INDEPENDENT}; Clark's Gaussian max` };
    },
    positions: true,
  },
  Minimum: {
    merge: 'min',
    moments: (input) => {
      const out = merged((s) => extremeOfIndependent(s, -1))(input);
      return typeof out === 'string' ? out : { ...out, note: `${INDEPENDENT}; Clark's Gaussian min` };
    },
    positions: true,
  },
  Concatenate: { merge: 'concat', passes: 'through', moments: concatenateMoments, positions: true },
  Dot: { merge: 'dot', moments: dotMoments },
};
