/**
 * Architectures shaped like the ones users publish, at small input sizes, for the tests and the bench: a
 * MobileNetV2-style network (Sandler et al. 2018: ZeroPadding2D, depthwise 3x3, BatchNorm, ReLU6, linear 1x1
 * projection, Add) and an Inception-style one (Szegedy et al. 2016: parallel 1x1 / 3x3 / 5x5 / pool branches,
 * Concatenate, BatchNorm without a conv bias, max pooling, 3x3 stride-1 average pooling), built as the Keras
 * applications are and as their converted tfjs models arrive: optionally with Keras's `scale: false` BatchNorms and a
 * frozen backbone under a trainable head.
 */
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;
/** A layer's kernel initializer, as its config takes it. */
type KernelInitializer = NonNullable<Parameters<typeof tf.layers.conv2d>[0]['kernelInitializer']>;

/** How to build a test architecture. */
export interface ArchitectureOptions {
  /** Input side (square images, 3 channels); default 32. */
  size?: number;
  /** Classes of the softmax head; default 10. */
  classes?: number;
  /** BatchNorm with a learned scale (default true); false as Keras's InceptionV3 converts. */
  scale?: boolean;
  /** Everything but the head has `trainable: false` (a pretrained backbone); default false. */
  frozenBackbone?: boolean;
  /** Channel width multiplier; default 1. */
  width?: number;
}

/** MobileNetV2's inverted residual table (Sandler et al. 2018, Table 2): expansion t, channels c, repeats n, stride s. */
const MOBILENET_V2_TABLE: ReadonlyArray<[number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

const bn = (h: T, scale: boolean): T => tf.layers.batchNormalization({ scale, epsilon: 1e-3 }).apply(h) as T;
const apply = (layer: tf.layers.Layer, h: T | T[]): T => layer.apply(h) as T;

function head(
  h: T,
  classes: number,
  dense: Pick<Parameters<typeof tf.layers.dense>[0], 'kernelInitializer'> = {},
  pool: 'average' | 'flatten' = 'average',
): T {
  h = apply(pool === 'flatten' ? tf.layers.flatten() : tf.layers.globalAveragePooling2d({}), h);
  return apply(tf.layers.dense({ units: classes, activation: 'softmax', name: 'predictions', ...dense }), h);
}

function finish(input: T, output: T, name: string, frozen: boolean): tf.LayersModel {
  const model = tf.model({ inputs: input, outputs: output, name });
  if (frozen) for (const layer of model.layers) if (layer.name !== 'predictions') layer.trainable = false;
  return model;
}

/**
 * MobileNetV2-style: a stride-2 stem, then inverted residual blocks (1x1 expansion, BN, ReLU6, depthwise 3x3 with
 * ZeroPadding2D before the strided ones, BN, ReLU6, linear 1x1 projection, BN, Add where the shape allows), a 1x1
 * head conv, global average pooling and a softmax Dense. 10 blocks by default, 4 of them residual; `full`: the 17
 * blocks of MobileNetV2's table (stem 32, head 1280 channels: 155 layers, 2.3M weights at 1000 classes).
 */
export function mobileNetV2Like(options: ArchitectureOptions & { full?: boolean } = {}): tf.LayersModel {
  const { size = 32, classes = 10, scale = true, frozenBackbone = false, width = 1, full = false } = options;
  const c = (n: number): number => Math.max(4, Math.round(n * width));
  const input = tf.input({ shape: [size, size, 3] });
  let h = apply(
    tf.layers.zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
    }),
    input,
  );
  const stem = c(full ? 32 : 16);
  h = apply(tf.layers.conv2d({ filters: stem, kernelSize: 3, strides: 2, padding: 'valid', useBias: false }), h);
  h = apply(tf.layers.reLU({ maxValue: 6 }), bn(h, scale));
  // [expansion, output channels, stride] per block: MobileNetV2's table (full), or a shortened one
  const table: Array<[number, number, number]> = MOBILENET_V2_TABLE.flatMap(([t, out, n, stride]) =>
    Array.from({ length: n }, (_, i): [number, number, number] => [t, out, i === 0 ? stride : 1]),
  );
  const blocks: Array<[number, number, number]> = full
    ? table
    : [
        [1, 8, 1],
        [6, 12, 2],
        [6, 12, 1],
        [6, 16, 2],
        [6, 16, 1],
        [6, 16, 1],
        [6, 24, 2],
        [6, 24, 1],
        [6, 32, 1],
        [6, 48, 1],
      ];
  let channels = stem;
  for (const [t, out, stride] of blocks) {
    const skip = h;
    let x = h;
    if (t !== 1) {
      x = apply(tf.layers.conv2d({ filters: channels * t, kernelSize: 1, useBias: false }), x);
      x = apply(tf.layers.reLU({ maxValue: 6 }), bn(x, scale));
    }
    if (stride === 2)
      x = apply(
        tf.layers.zeroPadding2d({
          padding: [
            [0, 1],
            [0, 1],
          ],
        }),
        x,
      );
    x = apply(
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        strides: stride,
        padding: stride === 2 ? 'valid' : 'same',
        useBias: false,
      }),
      x,
    );
    x = apply(tf.layers.reLU({ maxValue: 6 }), bn(x, scale));
    x = apply(tf.layers.conv2d({ filters: c(out), kernelSize: 1, useBias: false }), x);
    x = bn(x, scale);
    h = stride === 1 && channels === c(out) ? apply(tf.layers.add(), [skip, x]) : x;
    channels = c(out);
  }
  h = apply(tf.layers.conv2d({ filters: c(full ? 1280 : 96), kernelSize: 1, useBias: false }), h);
  h = apply(tf.layers.reLU({ maxValue: 6 }), bn(h, scale));
  return finish(input, head(h, classes), full ? 'mobilenetv2' : 'mobilenetv2_like', frozenBackbone);
}

/** Conv (no bias, as Keras's conv2d_bn), BatchNorm, ReLU. */
function convBn(
  h: T,
  filters: number,
  kernel: number | [number, number],
  scale: boolean,
  strides = 1,
  padding: 'same' | 'valid' = 'same',
): T {
  h = apply(tf.layers.conv2d({ filters, kernelSize: kernel, strides, padding, useBias: false }), h);
  return apply(tf.layers.activation({ activation: 'relu' }), bn(h, scale));
}

/**
 * Inception-style: a strided stem and max pooling, then modules of four parallel branches (1x1; 1x1 then 3x3;
 * 1x1 then 5x5; 3x3 stride-1 average pooling then 1x1), each conv without bias and followed by BatchNorm and ReLU,
 * concatenated; a max-pooling reduction between the module pairs; global average pooling and a softmax Dense.
 * 5 modules by default.
 */
export function inceptionLike(options: ArchitectureOptions & { modules?: number } = {}): tf.LayersModel {
  const { size = 32, classes = 10, scale = true, frozenBackbone = false, width = 1, modules = 5 } = options;
  const c = (n: number): number => Math.max(4, Math.round(n * width));
  const input = tf.input({ shape: [size, size, 3] });
  let h = convBn(input, c(16), 3, scale, 2, 'valid');
  h = convBn(h, c(24), 3, scale);
  h = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2 }), h);
  for (let m = 0; m < modules; m++) {
    if (m === 2) h = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), h);
    const b1 = convBn(h, c(16), 1, scale);
    const b3 = convBn(convBn(h, c(12), 1, scale), c(16), 3, scale);
    const b5 = convBn(convBn(h, c(8), 1, scale), c(12), 5, scale);
    const pool = apply(tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }), h);
    const bp = convBn(pool, c(8), 1, scale);
    h = apply(tf.layers.concatenate({ axis: -1 }), [b1, b3, b5, bp]);
  }
  return finish(input, head(h, classes), 'inception_like', frozenBackbone);
}

/** How a VGG-style network is built (vggLike). */
export interface VggOptions extends Pick<ArchitectureOptions, 'size' | 'classes' | 'width'> {
  /** 3x3 relu convs in all; default 30. */
  depth?: number;
  /** Stages, each ending in 2x2 pooling; default 3. */
  stages?: number;
  /** Average or max pooling; default average. */
  pooling?: 'average' | 'max';
  /** Input channels; default 3. */
  channels?: number;
  /** The input arrives as a flat vector of size x size x channels values and is reshaped (an MLP's data). */
  flat?: boolean;
  /** The head: global average pooling (default) or Flatten, as VGG, then the softmax Dense. */
  head?: 'average' | 'flatten';
  /** Each conv's and the head's kernel initializer, by layer index (the head is index `depth`); default tfjs's. */
  kernel?: (index: number) => KernelInitializer;
}

/**
 * VGG-style (Simonyan & Zisserman 2015) without normalization: `depth` 3x3 `same` convs with ReLU in `stages` stages,
 * each stage ending in 2x2 pooling (`pooling`: average or max), channels doubling per stage from 8 x width; global
 * average pooling and a softmax Dense. Nothing renormalizes the signal: its scale at depth is the init's alone.
 */
export function vggLike(options: VggOptions = {}): tf.LayersModel {
  const { size = 32, classes = 10, width = 1, depth = 30, stages = 3, pooling = 'average' } = options;
  const { channels = 3, flat = false, kernel, head: top = 'average' } = options;
  const input = tf.input({ shape: flat ? [size * size * channels] : [size, size, channels] });
  let h = flat ? apply(tf.layers.reshape({ targetShape: [size, size, channels] }), input) : input;
  const init = (index: number) => (kernel ? { kernelInitializer: kernel(index) } : {});
  for (let s = 0, done = 0; s < stages; s++) {
    const convs = Math.round(((s + 1) * depth) / stages) - done;
    for (let i = 0; i < convs; i++, done++) {
      const filters = Math.round(8 * width * 2 ** s);
      h = apply(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', ...init(done) }), h);
    }
    const pool =
      pooling === 'max' ? tf.layers.maxPooling2d({ poolSize: 2 }) : tf.layers.averagePooling2d({ poolSize: 2 });
    h = apply(pool, h);
  }
  return finish(input, head(h, classes, init(depth), top), `vgg_like_${pooling}`, false);
}
