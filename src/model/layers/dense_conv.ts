/**
 * Dense and convolution layers: kernels in their fan layouts, then the layer's own activation. Moments: each output
 * position sums its in-range taps over independent input positions (moments_conv.ts), so `same`/`causal` borders,
 * strides, dilation and the phases of a transposed convolution are counted.
 */
import type * as tf from '@tensorflow/tfjs';
import { FanLayout } from '../../math/fans.js';
import { Stats } from '../moments.js';
import { ConvGeometry, KernelKind, convolve, tapGroups } from '../moments_conv.js';
import { convolvePositions, positionsOf, scaledLinearly } from '../moments_positions.js';
import { Stencil } from '../moments_spatial.js';
import {
  foldPadding,
  fusedActivation,
  geometryOf,
  lastAxis,
  rolesByName,
  spatial,
  withFusedActivation,
} from './common.js';
import { RuleFamily } from './registry.js';
import { MomentOutput, MomentRule, WeightRole, WeightValues } from './types.js';

type Layer = tf.layers.Layer;

const CONV_NOTE = 'channels independent, positions correlated; border taps counted';
const DENSE_NOTE = 'units independent';
const TRANSPOSED_NOTE = 'channels and positions independent; border taps counted';

/** A 1x1 stencil over `axes` spatial axes. */
const pointwise = (axes: number): Stencil => ({
  kernel: Array(axes).fill(1),
  strides: Array(axes).fill(1),
  dilation: Array(axes).fill(1),
});

/** Roles of a one-kernel layer: its kernel in `layout`, and the bias. */
const oneKernel =
  (name: string, layout: FanLayout) =>
  (layer: Layer): WeightRole[] | string =>
    rolesByName(layer, { [name]: { role: 'kernel', layout }, bias: { role: 'bias' } });

/** A 1x1 convolution's geometry over positions `dims` (a Dense at every position; a separable conv's second step). */
const pointwiseGeometry = (dims: readonly number[]): ConvGeometry => ({
  ...pointwise(dims.length),
  input: dims,
  output: dims,
  padding: 'valid',
});

/**
 * A kernel of kind `kind` with geometry `g` applied to `x`: position by position where `x` has a map of the input's
 * positions (zero padding is in the map), else per channel with its border taps counted.
 */
function applyKernel(
  x: Stats,
  inputShape: tf.Shape,
  k: WeightValues,
  kind: KernelKind,
  bias: Float32Array | null,
  g: ConvGeometry,
): Stats {
  const map = positionsOf(x, inputShape);
  if (map) return convolvePositions(x, map, k.values, k.shape, kind, bias, g);
  const [inner, geometry] = foldPadding(x, g);
  return convolve(inner, k.values, k.shape, kind, bias, tapGroups(geometry), null, geometry);
}

/**
 * The layer's output from its kernels' output `out` (then its activation), saying how it changes when the output
 * kernel is scaled where that is linear: no bias, or a zero one.
 */
function finish(layer: Layer, out: Stats, shape: tf.Shape, note: string, bias: Float32Array | null): MomentOutput {
  const result = withFusedActivation(layer, out, shape, note);
  if (bias && bias.some((b) => b !== 0)) return result;
  return { ...result, scaled: (factor) => finish(layer, scaledLinearly(out, factor), shape, note, null) };
}

/** The moment rule of a one-kernel layer whose kernel is `name`, of kind `kind`; `dense` has no positions. */
function kernelMoments(name: string, kind: KernelKind | 'dense'): MomentRule {
  return ({ layer, inputs, inputShapes, outputShapes, weights }) => {
    const k = weights.get(name);
    if (!k) return `no ${name}`;
    const bias = weights.get('bias')?.values ?? null;
    const x = inputs[0] as Stats;
    if (kind === 'dense') {
      // a Dense on [batch, ...positions, features] acts at every position: a 1x1 convolution
      const [axes, dims] = [inputShapes[0].length - 2, spatial(inputShapes[0])];
      const out =
        dims && axes > 0
          ? applyKernel(x, inputShapes[0], k, 'conv', bias, pointwiseGeometry(dims))
          : convolve(x, k.values, k.shape, 'conv', bias, null, null, axes > 0 ? pointwise(axes) : null);
      return finish(layer, out, outputShapes[0], DENSE_NOTE, bias);
    }
    const g = geometryOf(layer, inputShapes[0], outputShapes[0], k.shape.slice(0, -2), {
      transposed: kind === 'transposed',
    });
    if (typeof g === 'string') return g;
    const out = applyKernel(x, inputShapes[0], k, kind, bias, g);
    return finish(layer, out, outputShapes[0], kind === 'transposed' ? TRANSPOSED_NOTE : CONV_NOTE, bias);
  };
}

/** Depthwise then pointwise (1x1) kernels, then the bias and the activation. */
const separableMoments: MomentRule = ({ layer, inputs, inputShapes, outputShapes, weights }) => {
  const [d, p] = [weights.get('depthwise_kernel'), weights.get('pointwise_kernel')];
  if (!d || !p) return 'no depthwise or pointwise kernel';
  const g = geometryOf(layer, inputShapes[0], outputShapes[0], d.shape.slice(0, -2));
  if (typeof g === 'string') return g;
  const depthwise = applyKernel(inputs[0] as Stats, inputShapes[0], d, 'depthwise', null, g);
  const middle: tf.Shape = [null, ...g.output, lastAxis(inputShapes[0]) * d.shape[d.shape.length - 1]];
  const bias = weights.get('bias')?.values ?? null;
  const out = applyKernel(depthwise, middle, p, 'conv', bias, pointwiseGeometry(g.output));
  return finish(layer, out, outputShapes[0], CONV_NOTE, bias);
};

const kernelRule = (name: string, layout: FanLayout, kind: KernelKind | 'dense') => ({
  weights: oneKernel(name, layout),
  passes: 'kernel' as const,
  activation: fusedActivation,
  moments: kernelMoments(name, kind),
  positions: true,
  probe: 'kernel' as const,
});

/** The rules of this family. */
export const DENSE_CONV_RULES: RuleFamily = {
  Dense: kernelRule('kernel', 'dense', 'dense'),
  Conv1D: kernelRule('kernel', 'conv', 'conv'),
  Conv2D: kernelRule('kernel', 'conv', 'conv'),
  Conv3D: kernelRule('kernel', 'conv', 'conv'),
  Conv2DTranspose: kernelRule('kernel', 'convTranspose', 'transposed'),
  Conv3DTranspose: kernelRule('kernel', 'convTranspose', 'transposed'),
  DepthwiseConv2D: kernelRule('depthwise_kernel', 'depthwise', 'depthwise'),
  SeparableConv2D: {
    weights: (layer) =>
      rolesByName(layer, {
        depthwise_kernel: { role: 'kernel', layout: 'depthwise', reads: 'input', writes: 'inner' },
        pointwise_kernel: { role: 'kernel', layout: 'conv', reads: 'inner', writes: 'output' },
        bias: { role: 'bias' },
      }),
    passes: 'kernel',
    activation: fusedActivation,
    moments: separableMoments,
    positions: true,
    probe: 'kernel',
  },
};
