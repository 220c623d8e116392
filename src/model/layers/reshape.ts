/**
 * Layers that move values without computing on them: Flatten, Reshape, Permute, RepeatVector, ZeroPadding2D,
 * Cropping2D, UpSampling2D and Masking. A nonlinearity passes through all of them. Their moments follow from the
 * exchangeability of positions: the same channels, rearranged, diluted by padding zeros, or pooled when a
 * position axis becomes the last.
 */
import type * as tf from '@tensorflow/tfjs';
import { Stats, pooled, reshaped, scale } from '../moments.js';
import { RADIUS, reshapedCorrelation } from '../moments_spatial.js';
import {
  featuresToPositions,
  flattenPositions,
  mapDims,
  padPositions,
  positionsOf,
  selectPositions,
  withMap,
} from '../moments_positions.js';
import { configOf, lastAxis, perAxis, spatial } from './common.js';
import { RuleFamily } from './registry.js';
import { MomentRule } from './types.js';

const positionCount = (shape: tf.Shape): number | null => spatial(shape)?.reduce((a, b) => a * b, 1) ?? null;

/** Same moments: the layer keeps every value and each channel's positions are exchangeable. */
const same =
  (note?: string): MomentRule =>
  ({ inputs }) => ({ moments: inputs[0], note });

/**
 * Reshape and Flatten: the flat order is kept; the last axis may change length; new positions are independent. Into
 * one feature axis (Flatten) from a map of positions: every element is its own feature with its own moments.
 */
const reshapeMoments: MomentRule = ({ inputs, inputShapes, outputShapes }) => {
  const map = positionsOf(inputs[0] as Stats, inputShapes[0]);
  const features = outputShapes[0].length === 2 ? lastAxis(outputShapes[0]) : null;
  if (map && features === map.channels * mapDims(map).reduce((a, b) => a * b, 1))
    return { moments: flattenPositions(map), note: 'each position its own feature', exact: true };
  // features into positions (a flat input reshaped into an image): each element keeps its moments
  const dims = spatial(outputShapes[0]);
  const grid =
    !map && inputShapes[0].length === 2 && dims && dims.length > 0
      ? featuresToPositions(inputs[0], dims, lastAxis(outputShapes[0]))
      : null;
  if (grid) return { moments: withMap(grid), note: 'each feature at its position', exact: true };
  const [from, to] = [lastAxis(inputShapes[0]), lastAxis(outputShapes[0])];
  const { mean, m2, spatial: correlation }: Stats = from === to ? inputs[0] : reshaped(inputs[0], to);
  const [before, after] = [inputShapes[0], outputShapes[0]].map((s) => s.slice(1, -1) as number[]);
  if (!correlation || from !== to || after.length === 0 || [...before, ...after].some((n) => typeof n !== 'number'))
    return { moments: { mean, m2 } };
  // the positions rearranged row-major: neighbours stay neighbours along the last axes
  const moved = before.join() === after.join() ? correlation : reshapedCorrelation(correlation, before, after);
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
  const [pin, pout] = [positionCount(inputShapes[0]), positionCount(outputShapes[0])];
  if (pin === null || pout === null) return 'spatial size not fixed by the input shape';
  const padding = configOf(layer).padding as number | [number, number] | [[number, number], [number, number]];
  const pairs: Array<[number, number]> = (Array.isArray(padding) ? padding : [padding, padding]).map((p) =>
    Array.isArray(p) ? [p[0], p[1]] : [p as number, p as number],
  );
  const inner = inputs[0] as Stats;
  const dims = spatial(inputShapes[0]) as number[];
  const padded = { inner, before: pairs.map((p) => p[0]), after: pairs.map((p) => p[1]), dims };
  const moments: Stats = { ...scale(inner, pin / pout, pin / pout), padded };
  const map = positionsOf(inner, inputShapes[0]);
  if (!map) return { moments };
  const { mean: _m, m2: _m2, ...extras } = moments;
  return { moments: withMap(padPositions(map, padded.before, padded.after), extras) };
};

/**
 * Cropping: positions exchangeable, so the same moments; after a ZeroPadding2D, the crop removes padding zeros first
 * (the rest stay as padding, the dilution recomputed).
 */
const croppingMoments: MomentRule = ({ layer, inputs, inputShapes }) => {
  const input = inputs[0] as Stats;
  const raw = configOf(layer).cropping as number | [number, number] | [[number, number], [number, number]];
  const crop: Array<[number, number]> = (Array.isArray(raw) ? raw : [raw, raw]).map((c) =>
    Array.isArray(c) ? [c[0], c[1]] : [c as number, c as number],
  );
  const map = positionsOf(input, inputShapes[0]);
  if (map) {
    const kept = mapDims(map).map((n, a) => range(crop[a][0], n - crop[a][1]));
    const { mean: _m, m2: _m2, positions: _p, padded: _z, ...extras } = input;
    return { moments: withMap(selectPositions(map, kept), extras), note: 'the positions kept', exact: true };
  }
  const note = 'border positions dropped: positions taken as exchangeable';
  if (!input.padded) return { moments: input, note };
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

/** Nearest upsampling repeats each position `size` times per axis (bilinear: taken as nearest). */
const upsamplingMoments: MomentRule = ({ layer, inputs, inputShapes, outputShapes }) => {
  const input = inputs[0] as Stats;
  const note =
    configOf(layer).interpolation === 'bilinear' ? 'bilinear: neighbouring positions taken as equal' : undefined;
  const map = positionsOf(input, inputShapes[0]);
  const out = spatial(outputShapes[0]);
  if (!map || !out) return { moments: input, note };
  const size = perAxis(configOf(layer).size, out.length, 2);
  const { mean: _m, m2: _m2, positions: _p, ...extras } = input;
  const repeated = out.map((n, a) => Int32Array.from({ length: n }, (_, q) => Math.floor(q / size[a])));
  return { moments: withMap(selectPositions(map, repeated), extras), note };
};

/** The integers [from, to). */
const range = (from: number, to: number): Int32Array =>
  Int32Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** A rule whose moment rule keeps the positions right (the identity keeps them as they are). */
const through = (moments: MomentRule) => ({ passes: 'through' as const, moments, positions: true });

/** The rules of this family. */
export const RESHAPE_RULES: RuleFamily = {
  Flatten: through(reshapeMoments),
  Reshape: through(reshapeMoments),
  Permute: { passes: 'through', moments: permuteMoments },
  RepeatVector: { passes: 'through', moments: repeatMoments },
  ZeroPadding2D: through(paddingMoments),
  Cropping2D: through(croppingMoments),
  UpSampling2D: through(upsamplingMoments),
  Masking: through(same('no step equals maskValue (continuous inputs)')),
};
