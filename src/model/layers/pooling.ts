/**
 * Pooling, average and max, local and global, 1-D to 3-D, through each channel's correlation across positions
 * (moments_spatial.ts). Average pooling keeps the mean and divides the variance by the window's size (the positions
 * inside the input: `same` borders have smaller windows) times the window's correlation inflation; max pooling takes
 * Gaussian order statistics of the pre-activations, taken as equicorrelated at the window's mean correlation, then
 * the nondecreasing activation before it (max commutes with it).
 */
import type * as tf from '@tensorflow/tfjs';
import { ConvGeometry, PoolWindow, averagePool, globalPool, maxPool, windowSizes } from '../moments_conv.js';
import { Stats } from '../moments.js';
import {
  absentAround,
  averagePoolPositions,
  globalAveragePositions,
  maxPoolPositions,
  positionsOf,
} from '../moments_positions.js';
import { globalCorrelation } from '../moments_spatial.js';
import { configOf, foldPadding, geometryOf, lastAxis, perAxis, spatial } from './common.js';
import { RuleFamily } from './registry.js';
import { MomentRule } from './types.js';

type Layer = tf.layers.Layer;

/** The note every pooling prediction carries. */
const POOLING_NOTE = 'window positions correlated as predicted (max: equicorrelated)';

/** Windows and their sizes for a local pooling layer, the window itself and its geometry, or why they cannot be stated. */
function windows(
  layer: Layer,
  input: Stats,
  inputShape: tf.Shape,
  outputShape: tf.Shape,
  foldZeros: boolean,
): { x: Stats; sizes: Array<{ share: number; size: number }>; window: PoolWindow; geometry: ConvGeometry } | string {
  const axes = inputShape.length - 2;
  const config = configOf(layer);
  const size = perAxis(config.poolSize, axes, 2);
  const strides = config.strides == null ? size : perAxis(config.strides, axes, 1);
  const g = geometryOf(layer, inputShape, outputShape, size, { strides });
  if (typeof g === 'string') return g;
  const [x, geometry] = foldZeros ? foldPadding(input, g) : [input, g];
  return { x, sizes: windowSizes(geometry), window: { size, strides }, geometry };
}

/** Activations whose outputs are never negative: a max over them ignores zeros, so padding zeros can be folded. */
const NONNEGATIVE = new Set(['relu', 'relu6', 'sigmoid', 'hardSigmoid', 'softplus']);

/**
 * Local pooling, position by position where the input has a map (max pooling: where its Gaussian pre-activations
 * have one), else per channel with the border windows counted.
 */
const local =
  (kind: 'average' | 'max'): MomentRule =>
  ({ layer, inputs, inputShapes, outputShapes }) => {
    const input = inputs[0] as Stats;
    const inner = input.padded?.inner.before;
    // average pooling counts padding zeros in its windows; a max over nonnegative values ignores them
    const fold = kind === 'max' && inner !== undefined && NONNEGATIVE.has(inner.activation) && inner.alpha >= 0;
    const w = windows(layer, input, inputShapes[0], outputShapes[0], fold);
    if (typeof w === 'string') return w;
    const shape: tf.Shape = [null, ...w.geometry.input, lastAxis(inputShapes[0])];
    if (kind === 'average') {
      const map = positionsOf(w.x, shape);
      const moments = map ? averagePoolPositions(w.x, map, w.geometry, w.window) : averagePool(w.x, w.sizes, w.window);
      return { moments, note: POOLING_NOTE };
    }
    const pre = w.x.before?.input ?? w.x;
    let map = positionsOf(pre, shape);
    let geometry = w.geometry;
    if (fold && w.geometry.zeros) {
      // the zeros a max ignores: positions outside the real values' map, which no window reads
      const inside = positionsOf(pre, [null, ...(input.padded?.dims ?? []), lastAxis(inputShapes[0])]);
      map = inside && absentAround(inside, w.geometry.zeros.before, w.geometry.zeros.after);
      geometry = { ...w.geometry, zeros: undefined };
    }
    const moments = map ? maxPoolPositions(w.x, map, geometry, w.window) : maxPool(w.x, w.sizes, w.window);
    return { moments, note: POOLING_NOTE };
  };

const global =
  (kind: 'average' | 'max'): MomentRule =>
  ({ layer, inputs, inputShapes }) => {
    if (configOf(layer).dataFormat === 'channelsFirst')
      return 'channelsFirst data format: the rules read channels last';
    const positions = spatial(inputShapes[0]);
    if (!positions) return 'spatial size not fixed by the input shape';
    const s = inputs[0] as Stats;
    const map = kind === 'average' ? positionsOf(s, inputShapes[0]) : null;
    const moments = map
      ? globalAveragePositions(map, s.spatial ? globalCorrelation(s.spatial, positions).inflation : null)
      : globalPool(s, positions, kind);
    return { moments, note: POOLING_NOTE };
  };

const rule = (moments: MomentRule) => ({ passes: 'through' as const, moments, positions: true });

/** The rules of this family. */
export const POOLING_RULES: RuleFamily = {
  AveragePooling1D: rule(local('average')),
  AveragePooling2D: rule(local('average')),
  AveragePooling3D: rule(local('average')),
  MaxPooling1D: rule(local('max')),
  MaxPooling2D: rule(local('max')),
  MaxPooling3D: rule(local('max')),
  GlobalAveragePooling1D: rule(global('average')),
  GlobalAveragePooling2D: rule(global('average')),
  GlobalMaxPooling1D: rule(global('max')),
  GlobalMaxPooling2D: rule(global('max')),
};
