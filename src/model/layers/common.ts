/** Helpers the rule families share: weight names, config reads, activations named in configs, spatial shapes. */
import type * as tf from '@tensorflow/tfjs';
import { ActivationName, DEFAULT_ALPHA, canonicalActivation } from '../../math/activations.js';
import { Stats, softmaxMoments, throughActivation } from '../moments.js';
import { ConvGeometry } from '../moments_conv.js';
import { elementwise } from '../moments_positions.js';
import { MomentOutput, Nonlinearity, WeightRole } from './types.js';

type Layer = tf.layers.Layer;

/** A weight's short name: `dense_1/kernel` -> `kernel`. */
export const shortName = (w: tf.LayerVariable): string => w.originalName.split('/').pop() as string;

/** The layer's config as a plain record. */
export const configOf = (layer: Layer): Record<string, unknown> => layer.getConfig() as Record<string, unknown>;

/** A number from the config, or the default when it is absent. */
export function numberOf(layer: Layer, key: string, fallback: number): number {
  const v = configOf(layer)[key];
  return typeof v === 'number' ? v : fallback;
}

/**
 * Roles by weight short name: every weight must be named in `table`, or the answer is the sentence naming the
 * weight that is not.
 */
export function rolesByName(layer: Layer, table: Readonly<Record<string, WeightRole>>): WeightRole[] | string {
  const roles: WeightRole[] = [];
  for (const w of layer.weights) {
    const role = table[shortName(w)];
    if (role === undefined) return `weight ${w.originalName} has no role in the rule for ${layer.getClassName()}`;
    roles.push(role);
  }
  return roles;
}

/** The nonlinearity a config's `activation` value names; softmax and its log count as linear for the gain. */
export function namedActivation(raw: unknown, owner: string): Nonlinearity {
  if (typeof raw !== 'string' || raw === 'linear') return { name: 'linear' };
  if (/softmax/i.test(raw)) return { name: 'linear', note: `${raw} counted as linear`, probabilities: true };
  const name: ActivationName = canonicalActivation(raw, owner);
  const alpha = DEFAULT_ALPHA[name];
  return alpha === undefined ? { name } : { name, alpha };
}

/** The raw `activation` option of a layer, or of the layer it wraps (TimeDistributed). */
export function activationOption(layer: Layer): unknown {
  const config = configOf(layer);
  const wrapped = config.layer as { config?: Record<string, unknown> } | undefined;
  return 'activation' in config ? config.activation : wrapped?.config?.activation;
}

/** The layer's own (fused) activation, from its config's `activation` option (or its wrapped layer's). */
export const fusedActivation = (layer: Layer): Nonlinearity => namedActivation(activationOption(layer), layer.name);

/** An activation named in a config applied to moments over a last axis of `length` elements. */
export function activationMoments(raw: unknown, s: Stats, length: number, owner: string): Stats {
  if (raw === 'softmax') return softmaxMoments(s, length);
  if (raw === 'logSoftmax') return softmaxMoments(s, length, true);
  const a = namedActivation(raw, owner);
  return a.name === 'linear' ? s : elementwise([s], ([x]) => throughActivation(x, a.name, a.alpha ?? 0));
}

/** The layer's fused activation applied to its kernels' output moments. */
export function withFusedActivation(layer: Layer, s: Stats, outputShape: tf.Shape, note?: string): MomentOutput {
  const length = lastAxis(outputShape);
  return { moments: activationMoments(configOf(layer).activation, s, length, layer.name), note, preActivation: s };
}

/** The size of a shape's last axis (1 when unknown). */
export const lastAxis = (shape: tf.Shape): number => shape[shape.length - 1] ?? 1;

/** The spatial axes of a channels-last shape (between batch and channels); null where one is not fixed. */
export function spatial(shape: tf.Shape): number[] | null {
  const axes = shape.slice(1, -1);
  return axes.every((n) => typeof n === 'number') ? (axes as number[]) : null;
}

/** A per-axis option (`strides: 2` or `[2, 1]`) as one number per axis. */
export function perAxis(v: unknown, axes: number, fallback: number): number[] {
  return Array.from({ length: axes }, (_, a) =>
    Array.isArray(v) ? Number(v[a] ?? v[0]) : typeof v === 'number' ? v : fallback,
  );
}

/**
 * The geometry of a conv or pooling layer from its config and shapes (channels last), or why there is none.
 * `window`: the kernel's taps, or the pooling window.
 */
export function geometryOf(
  layer: Layer,
  inputShape: tf.Shape,
  outputShape: tf.Shape,
  window: readonly number[],
  options: { transposed?: boolean; strides?: number[] } = {},
): ConvGeometry | string {
  const config = configOf(layer);
  if (config.dataFormat === 'channelsFirst') return 'channelsFirst data format: the rules read channels last';
  const [input, output] = [spatial(inputShape), spatial(outputShape)];
  if (!input || !output) return 'spatial size not fixed by the input shape';
  const axes = window.length;
  const padding = (config.padding ?? 'valid') as ConvGeometry['padding'];
  return {
    input,
    output,
    kernel: window,
    strides: options.strides ?? perAxis(config.strides, axes, 1),
    dilation: perAxis(config.dilationRate, axes, 1),
    padding,
    transposed: options.transposed,
  };
}

/**
 * The real values and a geometry that counts a ZeroPadding2D's zeros as padding taps, for a layer right after the
 * padding (the geometry's input is the padded size); other inputs as they are.
 */
export function foldPadding(s: Stats, g: ConvGeometry): [Stats, ConvGeometry] {
  const p = s.padded;
  if (!p || p.before.length !== g.kernel.length || g.transposed) return [s, g];
  return [p.inner, { ...g, zeros: { before: p.before, after: p.after } }];
}
