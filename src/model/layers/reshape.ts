/**
 * Layers that move values without computing on them: Flatten, Reshape, Permute, RepeatVector, ZeroPadding2D,
 * Cropping2D, UpSampling2D and Masking. A nonlinearity passes through all of them. Their moments follow from the
 * exchangeability of positions: the same channels, rearranged, diluted by padding zeros, or pooled when a
 * position axis becomes the last.
 */
import type * as tf from '@tensorflow/tfjs';
import { Stats, pooled, reshaped, scale } from '../moments.js';
import { RADIUS, reshapedCorrelation } from '../moments_spatial.js';
import { configOf, lastAxis, spatial } from './common.js';
import { RuleFamily } from './registry.js';
import { MomentRule } from './types.js';

const positionsOf = (shape: tf.Shape): number | null => spatial(shape)?.reduce((a, b) => a * b, 1) ?? null;

/** Same moments: the layer keeps every value and each channel's positions are exchangeable. */
const same =
  (note?: string): MomentRule =>
  ({ inputs }) => ({ moments: inputs[0], note });

/** Reshape and Flatten: the flat order is kept; the last axis may change length; new positions are independent. */
const reshapeMoments: MomentRule = ({ inputs, inputShapes, outputShapes }) => {
  const [from, to] = [lastAxis(inputShapes[0]), lastAxis(outputShapes[0])];
  const { mean, m2, spatial }: Stats = from === to ? inputs[0] : reshaped(inputs[0], to);
  const [before, after] = [inputShapes[0], outputShapes[0]].map((s) => s.slice(1, -1) as number[]);
  if (!spatial || from !== to || after.length === 0 || [...before, ...after].some((n) => typeof n !== 'number'))
    return { moments: { mean, m2 } };
  // the positions rearranged row-major: neighbours stay neighbours along the last axes
  const moved = before.join() === after.join() ? spatial : reshapedCorrelation(spatial, before, after);
  return { moments: { mean, m2, spatial: moved } };
};

/** RepeatVector: n copies of every value, so the new positions are perfectly correlated. */
const repeatMoments: MomentRule = ({ inputs }) => {
  const radius = RADIUS[1];
  const rho = Array.from(inputs[0].mean, () => new Float64Array(2 * radius + 1).fill(1));
  return { moments: { mean: inputs[0].mean, m2: inputs[0].m2, spatial: { axes: 1, radius, rho } } };
};

/** Permute: the channels stay last, or a position axis becomes the last (every channel pooled). */
const permuteMoments: MomentRule = ({ layer, inputs }) => {
  const dims = configOf(layer).dims as number[];
  const last = dims[dims.length - 1] === dims.length;
  return last
    ? { moments: inputs[0] }
    : { moments: pooled(inputs[0]), note: 'a position axis made last: channels pooled', exact: true };
};

/**
 * Zeros at the border dilute every channel by (positions in) / (positions out); a convolution or max pooling right
 * after counts them as padding taps instead (the real values and the zeros' extent are kept with the moments).
 */
const paddingMoments: MomentRule = ({ layer, inputs, inputShapes, outputShapes }) => {
  const [pin, pout] = [positionsOf(inputShapes[0]), positionsOf(outputShapes[0])];
  if (pin === null || pout === null) return 'spatial size not fixed by the input shape';
  const padding = configOf(layer).padding as number | [number, number] | [[number, number], [number, number]];
  const pairs: Array<[number, number]> = (Array.isArray(padding) ? padding : [padding, padding]).map((p) =>
    Array.isArray(p) ? [p[0], p[1]] : [p as number, p as number],
  );
  const inner = inputs[0] as Stats;
  const dims = spatial(inputShapes[0]) as number[];
  const padded = { inner, before: pairs.map((p) => p[0]), after: pairs.map((p) => p[1]), dims };
  const moments: Stats = { ...scale(inner, pin / pout, pin / pout), padded };
  return { moments };
};

/**
 * Cropping: positions exchangeable, so the same moments; after a ZeroPadding2D, the crop removes padding zeros first
 * (the rest stay as padding, the dilution recomputed).
 */
const croppingMoments: MomentRule = ({ layer, inputs }) => {
  const input = inputs[0] as Stats;
  const note = 'border positions dropped: positions taken as exchangeable';
  if (!input.padded) return { moments: input, note };
  const raw = configOf(layer).cropping as number | [number, number] | [[number, number], [number, number]];
  const crop: Array<[number, number]> = (Array.isArray(raw) ? raw : [raw, raw]).map((c) =>
    Array.isArray(c) ? [c[0], c[1]] : [c as number, c as number],
  );
  const { inner, before, after } = input.padded;
  const left = before.map((b, a) => Math.max(0, b - crop[a][0]));
  const right = after.map((b, a) => Math.max(0, b - crop[a][1]));
  // the real positions along each axis after the crop, and the total
  const dims = input.padded.dims;
  const real = dims.map((n, a) =>
    Math.max(0, n - Math.max(0, crop[a][0] - before[a]) - Math.max(0, crop[a][1] - after[a])),
  );
  const f = real.reduce((p, n) => p * n, 1) / real.reduce((p, n, a) => p * (n + left[a] + right[a]), 1);
  return { moments: { ...scale(inner, f, f), padded: { inner, before: left, after: right, dims: real } }, note };
};

const through = (moments: MomentRule) => ({ passes: 'through' as const, moments });

/** The rules of this family. */
export const RESHAPE_RULES: RuleFamily = {
  Flatten: through(reshapeMoments),
  Reshape: through(reshapeMoments),
  Permute: through(permuteMoments),
  RepeatVector: through(repeatMoments),
  ZeroPadding2D: through(paddingMoments),
  Cropping2D: through(croppingMoments),
  UpSampling2D: through(((input) =>
    configOf(input.layer).interpolation === 'bilinear'
      ? { moments: input.inputs[0], note: 'bilinear: neighbouring positions taken as equal' }
      : { moments: input.inputs[0] }) as MomentRule),
  Masking: through(same('no step equals maskValue (continuous inputs)')),
};
