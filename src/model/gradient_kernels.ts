/**
 * The convolution gradient kernels that tfjs 4.22's wasm backend lacks (Conv2DBackpropFilter and
 * DepthwiseConv2dNativeBackpropFilter/Input), composed from kernels it has, so that signalPropagation's backward
 * pass runs on wasm. Registered only for a backend that lacks them, once; any other backend is left alone.
 *
 * The filter gradients are correlations of the input with the output gradient, computed as a forward convolution
 * with the roles swapped (the batch becomes the channels, the output gradient the filter, the forward stride its
 * dilation); the depthwise input gradient is the depthwise correlation of the stride-dilated, padded output
 * gradient with the spatially flipped filter.
 */
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type Attrs = Record<string, unknown>;
type KernelBackend = tf.KernelBackend;
/** What a kernel function is given. */
type KernelArgs = { inputs: Record<string, Info>; backend: KernelBackend; attrs: Attrs };

/** Runs another kernel of the same backend; the results are collected for disposal. */
class Composer {
  private readonly made: Info[] = [];

  constructor(private readonly backend: KernelBackend) {}

  call(name: string, inputs: Record<string, Info>, attrs: Attrs, keep = false): Info {
    const kernel = tf.getKernel(name, tf.getBackend());
    if (!kernel) throw new Error(`the ${tf.getBackend()} backend has no ${name} kernel`);
    const out = kernel.kernelFunc({ inputs: inputs as never, backend: this.backend, attrs: attrs as never }) as Info;
    if (!keep) this.made.push(out);
    return out;
  }

  dispose(): void {
    for (const t of this.made) this.backend.disposeData(t.dataId);
  }
}

type Pair = [number, number];

/** Explicit NHWC padding of the spatial axes. */
const spatialPad = (top: number, bottom: number, left: number, right: number): number[][] => [
  [0, 0],
  [top, bottom],
  [left, right],
  [0, 0],
];

/** Runs `body` with a Composer whose intermediate results are freed afterwards. */
function composed(backend: KernelBackend, body: (c: Composer) => Info): Info {
  const c = new Composer(backend);
  try {
    return body(c);
  } finally {
    c.dispose();
  }
}

/** Forward-pass geometry (padding before/after, output size) of a 2-D conv on NHWC input. */
function geometry(
  xShape: number[],
  filterShape: number[],
  attrs: Attrs,
  depthwise: boolean,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as Pair,
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
    depthwise,
  );
}

/** dW[kh, kw, ci, co] = sum over batch and output positions of x_pad[b, oh s + kh, ow s + kw, ci] dy[b, oh, ow, co]. */
function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  const info = geometry(x.shape, filterShape, attrs, false);
  return composed(backend, (c) => {
    const xT = c.call('Transpose', { x }, { perm: [3, 1, 2, 0] }); // [ci, H, W, B]
    const dyT = c.call('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [OH, OW, B, co]
    const { top, bottom, left, right } = info.padInfo;
    const full = c.call(
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: [1, 1],
        pad: spatialPad(top, bottom, left, right),
        dataFormat: 'NHWC',
        dilations: [info.strideHeight, info.strideWidth],
        dimRoundingMode: undefined,
      },
    ); // [ci, >= kh, >= kw, co]
    const [kh, kw, ci, co] = filterShape;
    const cut = c.call('Slice', { x: full }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
    return c.call('Transpose', { x: cut }, { perm: [1, 2, 0, 3] }, true);
  });
}

/** dW[kh, kw, c, m] = sum over batch and positions of x_pad[b, oh s + kh, ow s + kw, c] dy[b, oh, ow, c M + m]. */
function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  const [kh, kw, C, M] = filterShape;
  const [B, H, W] = x.shape;
  const [, OH, OW] = dy.shape;
  const info = geometry(x.shape, filterShape, attrs, true);
  return composed(backend, (c) => {
    // the input as one image whose channels are (c, b); the output gradient as its depthwise filter
    const xT = c.call('Transpose', { x }, { perm: [1, 2, 3, 0] }); // [H, W, C, B]
    const xImage = c.call('Reshape', { x: xT }, { shape: [1, H, W, C * B] });
    const dy5 = c.call('Reshape', { x: dy }, { shape: [B, OH, OW, C, M] });
    const dyT = c.call('Transpose', { x: dy5 }, { perm: [1, 2, 3, 0, 4] }); // [OH, OW, C, B, M]
    const filter = c.call('Reshape', { x: dyT }, { shape: [OH, OW, C * B, M] });
    const { top, bottom, left, right } = info.padInfo;
    const full = c.call(
      'DepthwiseConv2dNative',
      { x: xImage, filter },
      {
        strides: [1, 1],
        pad: spatialPad(top, bottom, left, right),
        dilations: [info.strideHeight, info.strideWidth],
        dimRoundingMode: undefined,
      },
    ); // [1, >= kh, >= kw, C B M]
    const cut = c.call('Slice', { x: full }, { begin: [0, 0, 0, 0], size: [1, kh, kw, C * B * M] });
    const split = c.call('Reshape', { x: cut }, { shape: [kh, kw, C, B, M] });
    const summed = c.call('Sum', { x: split }, { axis: [3], keepDims: false }, true); // [kh, kw, C, M]
    return summed;
  });
}

/** dx = the depthwise correlation of dy (zeros between its positions at stride s, padded) with the flipped filter. */
function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as number[];
  const [B, H, W, C] = inputShape;
  const [kh, kw, , M] = filter.shape;
  const [, OH, OW] = dy.shape;
  const info = geometry(inputShape, filter.shape, attrs, true);
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  return composed(backend, (c) => {
    let spread = dy;
    if (sh > 1 || sw > 1) {
      // insert s - 1 zeros after every position along each spatial axis, then drop the trailing ones
      const six = c.call('Reshape', { x: dy }, { shape: [B, OH, 1, OW, 1, C * M] });
      const padded = c.call(
        'PadV2',
        { x: six },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [0, sh - 1],
            [0, 0],
            [0, sw - 1],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      const flat = c.call('Reshape', { x: padded }, { shape: [B, OH * sh, OW * sw, C * M] });
      spread = c.call(
        'Slice',
        { x: flat },
        { begin: [0, 0, 0, 0], size: [B, (OH - 1) * sh + 1, (OW - 1) * sw + 1, C * M] },
      );
    }
    const flipped = c.call('Reverse', { x: filter }, { dims: [0, 1] });
    const kernel = c.call('Reshape', { x: flipped }, { shape: [kh, kw, C * M, 1] });
    const { top, left } = info.padInfo;
    const [ph, pw] = [kh - 1 - top, kw - 1 - left];
    const [eh, ew] = [H + kh - 1 - (spread.shape[1] + ph), W + kw - 1 - (spread.shape[2] + pw)];
    const out = c.call(
      'DepthwiseConv2dNative',
      { x: spread, filter: kernel },
      {
        strides: [1, 1],
        pad: spatialPad(ph, eh, pw, ew),
        dilations: [1, 1],
        dimRoundingMode: undefined,
      },
    ); // [B, H, W, C M]
    if (M === 1) {
      return c.call('Reshape', { x: out }, { shape: [B, H, W, C] }, true);
    }
    const split = c.call('Reshape', { x: out }, { shape: [B, H, W, C, M] });
    return c.call('Sum', { x: split }, { axis: [4], keepDims: false }, true);
  });
}

const KERNELS: ReadonlyArray<[string, (args: KernelArgs) => Info]> = [
  ['Conv2DBackpropFilter', conv2dBackpropFilter],
  ['DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter],
  ['DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput],
];

/** The gradient kernels the backend lacks, composed and registered (once); returns the names registered. */
export function ensureGradientKernels(backendName: string): string[] {
  const registered: string[] = [];
  for (const [name, kernelFunc] of KERNELS) {
    if (tf.getKernel(name, backendName)) continue;
    const needs =
      name === 'Conv2DBackpropFilter'
        ? ['Transpose', 'Conv2D', 'Slice']
        : ['Transpose', 'Reshape', 'DepthwiseConv2dNative', 'Slice', 'Sum', 'PadV2', 'Reverse'];
    if (!needs.every((k) => tf.getKernel(k, backendName))) continue;
    tf.registerKernel({ kernelName: name, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
    registered.push(name);
  }
  return registered;
}
