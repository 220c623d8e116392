/**
 * Dense and convolution layers: kernels in their fan layouts, then the layer's own activation. Moments: each output
 * position sums its in-range taps over independent input positions (moments_conv.ts), so `same`/`causal` borders,
 * strides, dilation and the phases of a transposed convolution are counted.
 */
import type * as tf from '@tensorflow/tfjs';
import { FanLayout } from '../../math/fans.js';
import { KernelKind, convolve, tapGroups } from '../moments_conv.js';
import { Stencil } from '../moments_spatial.js';
import { foldPadding, fusedActivation, geometryOf, rolesByName, withFusedActivation } from './common.js';
import { RuleFamily } from './registry.js';
import { MomentRule, WeightRole } from './types.js';

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

/** The moment rule of a one-kernel layer whose kernel is `name`, of kind `kind`; `dense` has no positions. */
function kernelMoments(name: string, kind: KernelKind | 'dense'): MomentRule {
  return ({ layer, inputs, inputShapes, outputShapes, weights }) => {
    const k = weights.get(name);
    if (!k) return `no ${name}`;
    const bias = weights.get('bias')?.values ?? null;
    if (kind === 'dense') {
      // a Dense on [batch, ...positions, features] acts at every position: a 1x1 convolution
      const axes = inputShapes[0].length - 2;
      const stencil = axes > 0 ? pointwise(axes) : null;
      const out = convolve(inputs[0], k.values, k.shape, 'conv', bias, null, null, stencil);
      return withFusedActivation(layer, out, outputShapes[0], DENSE_NOTE);
    }
    const g = geometryOf(layer, inputShapes[0], outputShapes[0], k.shape.slice(0, -2), {
      transposed: kind === 'transposed',
    });
    if (typeof g === 'string') return g;
    const [x, geometry] = foldPadding(inputs[0], g);
    const out = convolve(x, k.values, k.shape, kind, bias, tapGroups(geometry), null, geometry);
    return withFusedActivation(layer, out, outputShapes[0], kind === 'transposed' ? TRANSPOSED_NOTE : CONV_NOTE);
  };
}

/** Depthwise then pointwise (1x1) kernels, then the bias and the activation. */
const separableMoments: MomentRule = ({ layer, inputs, inputShapes, outputShapes, weights }) => {
  const [d, p] = [weights.get('depthwise_kernel'), weights.get('pointwise_kernel')];
  if (!d || !p) return 'no depthwise or pointwise kernel';
  const g = geometryOf(layer, inputShapes[0], outputShapes[0], d.shape.slice(0, -2));
  if (typeof g === 'string') return g;
  const [x, geometry] = foldPadding(inputs[0], g);
  const depthwise = convolve(x, d.values, d.shape, 'depthwise', null, tapGroups(geometry), null, geometry);
  const out = convolve(
    depthwise,
    p.values,
    p.shape,
    'conv',
    weights.get('bias')?.values ?? null,
    null,
    null,
    pointwise(g.kernel.length),
  );
  return withFusedActivation(layer, out, outputShapes[0], CONV_NOTE);
};

const kernelRule = (name: string, layout: FanLayout, kind: KernelKind | 'dense') => ({
  weights: oneKernel(name, layout),
  passes: 'kernel' as const,
  activation: fusedActivation,
  moments: kernelMoments(name, kind),
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
    probe: 'kernel',
  },
};
