/**
 * The moment helpers a user's moment rule can build on (registerLayerRule): per-channel means and second moments
 * through kernels, activations, sums and products of independent signals, softmax. Pure functions over typed arrays.
 */
import {
  affine,
  average,
  centred,
  concat,
  productIndependent,
  scale,
  slice,
  softmaxMoments,
  sumIndependent,
  throughActivation,
} from './moments.js';
import { throughKernel } from './moments_conv.js';
import type { ActivationName } from '../math/activations.js';
import type { ChannelMoments } from './layers/types.js';

/** The moment helpers for layer rules; each takes and returns per-channel moments (E[x] and E[x^2]). */
export interface SignalMoments {
  /** Zero-mean channels of second moment m2. */
  centred(channels: number, m2: number): ChannelMoments;
  /** A kernel [...taps, in, out] (row-major, tfjs's layout) and bias applied to independent inputs. */
  throughKernel(
    x: ChannelMoments,
    values: Float32Array,
    shape: readonly number[],
    bias: Float32Array | null,
  ): ChannelMoments;
  /** E[phi(z)], E[phi(z)^2] per channel for Gaussian z with the channel's moments. */
  throughActivation(x: ChannelMoments, name: ActivationName, alpha: number): ChannelMoments;
  /** The sum of independent signals. */
  sumIndependent(terms: readonly ChannelMoments[]): ChannelMoments;
  /** The product of independent signals. */
  productIndependent(terms: readonly ChannelMoments[]): ChannelMoments;
  /** Means times `meanFactor`, second moments times `m2Factor`. */
  scale(x: ChannelMoments, meanFactor: number, m2Factor: number): ChannelMoments;
  /** y = a x + b. */
  affine(x: ChannelMoments, a: number, b: number): ChannelMoments;
  /** Channels [from, to). */
  slice(x: ChannelMoments, from: number, to: number): ChannelMoments;
  /** Channels side by side. */
  concat(parts: readonly ChannelMoments[]): ChannelMoments;
  /** Softmax over a last axis of `length` elements (logits independent Gaussians; the rest's sum lognormal). */
  softmax(x: ChannelMoments, length: number): ChannelMoments;
  /** The mean of an array (a layer's average over channels). */
  average(values: Float64Array): number;
}

const helpers: SignalMoments = {
  centred,
  throughKernel,
  throughActivation,
  sumIndependent,
  productIndependent,
  scale,
  affine,
  slice,
  concat,
  softmax: (x, length) => softmaxMoments(x, length),
  average,
};

/**
 * Moment helpers for a user's moment rule (registerLayerRule): see SignalMoments.
 *
 * @example
 * ```ts
 * import { signalMoments } from 'tfjs-initializers';
 *
 * // 4 zero-mean channels of unit second moment, through relu: E[y] = 1/sqrt(2 pi), E[y^2] = 1/2 per channel
 * const x = signalMoments.centred(4, 1);
 * const y = signalMoments.throughActivation(x, 'relu', 0);
 * console.log(y.mean[0].toFixed(4), y.m2[0].toFixed(4));
 * ```
 * ```text output
 * 0.3989 0.5000
 * ```
 */
export const signalMoments: SignalMoments = Object.freeze(helpers);
