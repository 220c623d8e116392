/**
 * Per-channel moments through convolutions and pooling windows, position by position: the output positions of a
 * layer are grouped by which kernel taps (or how many window positions) fall inside the input, so the border
 * positions of `same` and `causal` padding, strides, dilation and transposed convolutions are counted exactly
 * under the independence of input positions. Pure functions over typed arrays; no tfjs.
 */
import { Stats, fromVariance, maxOfWindow, maxPooledCorrelation, variance, variances } from './moments.js';
import {
  Stencil,
  averagedCorrelation,
  globalCorrelation,
  independent,
  kernelCovariance,
  toCorrelation,
  windowCorrelation,
} from './moments_spatial.js';

const { floor, max } = Math;

/** A convolution's geometry along its spatial axes (channels last). */
export interface ConvGeometry {
  /** Input positions per spatial axis. */
  input: readonly number[];
  /** Output positions per spatial axis. */
  output: readonly number[];
  /** Kernel taps (or pooling window) per spatial axis. */
  kernel: readonly number[];
  /** Strides per spatial axis. */
  strides: readonly number[];
  /** Dilation per spatial axis (1 for pooling). */
  dilation: readonly number[];
  /** tfjs padding. */
  padding: 'valid' | 'same' | 'causal';
  /** A transposed convolution: `input` and `output` are the transposed layer's own (output = the larger). */
  transposed?: boolean;
  /**
   * Zeros around the input (a ZeroPadding2D before the layer, folded in): per axis, the positions before and after
   * the real values. Taps that read them count as padding.
   */
  zeros?: { before: readonly number[]; after: readonly number[] };
}

/** Output positions that share one set of in-range taps: their share of all positions and the taps (row-major). */
export interface TapGroup {
  /** Share of the output positions. */
  share: number;
  /** Flat tap indices (row-major over the spatial axes) that read inside the input. */
  taps: number[];
}

/** Padding before the first position along one axis, as tfjs computes it (TF's rule: floor(total / 2) before). */
function padBefore(n: number, out: number, k: number, s: number, d: number, padding: ConvGeometry['padding']): number {
  if (padding === 'valid') return 0;
  if (padding === 'causal') return (k - 1) * d;
  return floor(max((out - 1) * s + (k - 1) * d + 1 - n, 0) / 2);
}

/** Per output position along one axis: the [tap, input position] pairs it reads (taps that read padding left out). */
export type AxisReads = ReadonlyArray<ReadonlyArray<readonly [number, number]>>;

/** The [tap, input position] pairs every output position along axis `a` reads. */
export function axisReads(g: ConvGeometry, a: number): AxisReads {
  const [k, s, d] = [g.kernel[a], g.strides[a], g.dilation[a]];
  // A transposed conv is the input-gradient of the forward conv from its output (larger) to its input.
  const [n, out] = g.transposed ? [g.output[a], g.input[a]] : [g.input[a], g.output[a]];
  const before = padBefore(n, out, k, s, d, g.padding);
  const positions = g.transposed ? n : out;
  const [lo, hi] = g.zeros ? [g.zeros.before[a], n - g.zeros.after[a]] : [0, n];
  const reads: Array<Array<readonly [number, number]>> = [];
  for (let p = 0; p < positions; p++) {
    const pairs: Array<readonly [number, number]> = [];
    for (let j = 0; j < k; j++) {
      if (g.transposed) {
        // output position p gets tap j from input i where i s - before + j d = p
        const i = (p + before - j * d) / s;
        if (Number.isInteger(i) && i >= 0 && i < out) pairs.push([j, i]);
      } else {
        const at = p * s - before + j * d;
        if (at >= lo && at < hi) pairs.push([j, at]);
      }
    }
    reads.push(pairs);
  }
  return reads;
}

/** Per axis: output positions grouped by the taps that read inside the input. */
function axisGroups(g: ConvGeometry, a: number): TapGroup[] {
  const reads = axisReads(g, a);
  const groups = new Map<string, TapGroup>();
  for (const pairs of reads) {
    const taps = pairs.map(([j]) => j);
    const key = taps.join(',');
    const group = groups.get(key);
    if (group) group.share += 1 / reads.length;
    else groups.set(key, { share: 1 / reads.length, taps });
  }
  return [...groups.values()];
}

/** Output positions grouped by their in-range taps over every spatial axis (the product of the axes' groups). */
export function tapGroups(g: ConvGeometry): TapGroup[] {
  let groups: TapGroup[] = [{ share: 1, taps: [0] }];
  for (let a = 0; a < g.kernel.length; a++) {
    const k = g.kernel[a];
    const next: TapGroup[] = [];
    const axis = axisGroups(g, a);
    for (const outer of groups) {
      for (const inner of axis) {
        next.push({
          share: outer.share * inner.share,
          taps: outer.taps.flatMap((t) => inner.taps.map((j) => t * k + j)),
        });
      }
    }
    groups = next;
  }
  return groups.filter((x) => x.share > 0);
}

/** The layout of a kernel's last two axes: [in, out] (conv), [out, in] (transposed), [channels, multiplier]. */
export type KernelKind = 'conv' | 'transposed' | 'depthwise';

/**
 * A kernel [...taps, a, b] applied to per-channel inputs, position groups counted: each group's output mean and
 * variance sum over its in-range taps, and the output's moments average the groups. `groups` null: every tap reads
 * inside the input (a Dense layer, `valid` padding without borders). With a `stencil` (a conv's taps, strides and
 * dilation), the covariance of neighbouring input positions enters each output's variance and the output's own
 * spatial correlation is computed (moments_spatial.ts; transposed convolutions take positions as independent).
 */
export function convolve(
  s: Stats,
  kernel: Float32Array,
  shape: readonly number[],
  kind: KernelKind,
  bias: Float32Array | null,
  groups: TapGroup[] | null,
  columns: [number, number] | null = null,
  stencil: Stencil | null = null,
): Stats {
  const [a, b] = shape.slice(-2);
  const taps = kernel.length / (a * b);
  const inCh = kind === 'transposed' ? b : a;
  const outCh = kind === 'transposed' ? a : kind === 'depthwise' ? a * b : b;
  const [from, to] = columns ?? [0, outCh];
  const width = to - from;
  // per tap and output channel: sum_i w mu_i and sum_i w^2 var_i
  const tapMean = new Float64Array(taps * width);
  const tapVar = new Float64Array(taps * width);
  for (let t = 0; t < taps; t++) {
    const base = t * a * b;
    for (let i = 0; i < inCh; i++) {
      const c = i % s.mean.length;
      const mu = s.mean[c];
      const vi = variance(s, c);
      if (kind === 'depthwise') {
        for (let m = 0; m < b; m++) {
          const o = i * b + m;
          if (o < from || o >= to) continue;
          const w = kernel[base + i * b + m];
          tapMean[t * width + o - from] += w * mu;
          tapVar[t * width + o - from] += w * w * vi;
        }
      } else if (kind === 'transposed') {
        for (let o = from; o < to; o++) {
          const w = kernel[base + o * b + i];
          tapMean[t * width + o - from] += w * mu;
          tapVar[t * width + o - from] += w * w * vi;
        }
      } else {
        const row = base + i * b;
        for (let o = from; o < to; o++) {
          const w = kernel[row + o];
          tapMean[t * width + o - from] += w * mu;
          tapVar[t * width + o - from] += w * w * vi;
        }
      }
    }
  }
  const all: TapGroup[] = groups ?? [{ share: 1, taps: Array.from({ length: taps }, (_, t) => t) }];
  const { inflation, spatial } = correlatedTaps(s, variances(s), kernel, shape, kind, stencil, [from, to]);
  const mean = new Float64Array(width);
  const m2 = new Float64Array(width);
  const gm = new Float64Array(width);
  const gv = new Float64Array(width);
  for (const group of all) {
    gm.fill(0);
    gv.fill(0);
    for (const t of group.taps) {
      for (let o = 0; o < width; o++) {
        gm[o] += tapMean[t * width + o];
        gv[o] += tapVar[t * width + o];
      }
    }
    for (let o = 0; o < width; o++) {
      const mu = gm[o] + (bias ? bias[from + o] : 0);
      mean[o] += group.share * mu;
      m2[o] += group.share * (gv[o] * inflation[o] + mu * mu);
    }
  }
  return spatial ? { mean, m2, spatial } : { mean, m2 };
}

/**
 * What the correlation of neighbouring input positions does to a kernel's outputs: per output channel, the variance
 * of an interior output over its value had the positions been independent (`inflation`, 1 without a stencil), and
 * the outputs' own spatial correlation (none for transposed convolutions, whose positions are taken as independent).
 * `within`: each input channel's variance at a position (the spread over examples, not over positions).
 */
export function correlatedTaps(
  s: Stats,
  within: Float64Array,
  kernel: Float32Array,
  shape: readonly number[],
  kind: KernelKind,
  stencil: Stencil | null,
  columns: [number, number],
): { inflation: Float64Array; spatial: Stats['spatial'] } {
  const inflation = new Float64Array(columns[1] - columns[0]).fill(1);
  if (!stencil || kind === 'transposed') return { inflation, spatial: undefined };
  const axes = stencil.kernel.length;
  const sp = s.spatial && s.spatial.axes === axes ? s.spatial : independent(s.mean.length, axes);
  const kc = kernelCovariance(within, sp, kernel, shape, kind === 'depthwise', stencil, columns);
  const centre = (kc.cov[0]?.length - 1) / 2;
  kc.cov.forEach((row, o) => (inflation[o] = kc.independent[o] > 0 ? max(0, row[centre]) / kc.independent[o] : 1));
  return { inflation, spatial: toCorrelation(kc.cov, axes, sp.radius) };
}

/** Pooling windows grouped by how many of their positions fall inside the input: [share, positions]. */
export function windowSizes(g: ConvGeometry): Array<{ share: number; size: number }> {
  const sizes = new Map<number, number>();
  for (const group of tapGroups(g)) sizes.set(group.taps.length, (sizes.get(group.taps.length) ?? 0) + group.share);
  return [...sizes].map(([size, share]) => ({ share, size }));
}

/** A pooling window: its size and strides per spatial axis. */
export interface PoolWindow {
  size: readonly number[];
  strides: readonly number[];
}

/**
 * Average pooling: each channel's mean kept, its variance over the window's size (the positions inside the input:
 * `same` borders have smaller windows) times the window's correlation inflation, sum_{p,q} rho(p - q) / n (1 for
 * independent positions).
 */
export function averagePool(
  s: Stats,
  windows: Array<{ share: number; size: number }>,
  window: PoolWindow | null = null,
): Stats {
  const sp = s.spatial ?? independent(s.mean.length, window?.size.length ?? 1);
  const pooled = window ? averagedCorrelation(sp, window.size, window.strides) : null;
  const mean = s.mean.slice();
  const v = s.mean.map((_, c) =>
    windows.reduce((acc, w) => acc + (w.share * variance(s, c) * (pooled ? pooled.inflation[c] : 1)) / w.size, 0),
  );
  const out = fromVariance(mean, v);
  return pooled ? { ...out, spatial: pooled.out } : out;
}

/**
 * Max pooling: Gaussian order statistics of the pre-activations over each window (see maxOfWindow), positions
 * equicorrelated at the window's mean correlation, the window sizes averaged.
 */
export function maxPool(
  s: Stats,
  windows: Array<{ share: number; size: number }>,
  window: PoolWindow | null = null,
): Stats {
  const pre = s.before?.input ?? s;
  const correlation = window && pre.spatial ? windowCorrelation(pre.spatial, window.size) : null;
  const parts = windows.map((w) => ({ share: w.share, stats: maxOfWindow(s, w.size, correlation) }));
  const mean = new Float64Array(s.mean.length);
  const m2 = new Float64Array(s.mean.length);
  for (const { share, stats } of parts) {
    for (let c = 0; c < mean.length; c++) {
      mean[c] += share * stats.mean[c];
      m2[c] += share * stats.m2[c];
    }
  }
  if (!window) return { mean, m2 };
  const out = { mean, m2 };
  return { ...out, spatial: maxPooledCorrelation(s, window.size, window.strides, variances(pre), variances(out)) };
}

/** Global pooling over every position of a grid of `sizes`: the average, or the max, of correlated positions. */
export function globalPool(s: Stats, sizes: readonly number[], kind: 'average' | 'max'): Stats {
  const positions = sizes.reduce((a, b) => a * b, 1);
  if (kind === 'average') {
    const inflation = s.spatial ? globalCorrelation(s.spatial, sizes).inflation : null;
    return fromVariance(
      s.mean.slice(),
      s.mean.map((_, c) => (variance(s, c) * (inflation ? inflation[c] : 1)) / positions),
    );
  }
  const pre = s.before?.input ?? s;
  const { mean, m2 } = maxOfWindow(s, positions, pre.spatial ? globalCorrelation(pre.spatial, sizes).mean : null);
  return { mean, m2 };
}

/** A kernel [...taps, in, out] with every tap inside the input (Dense; recurrent projections): see convolve. */
export function throughKernel(
  s: Stats,
  kernel: Float32Array,
  shape: readonly number[],
  bias: Float32Array | null,
): Stats {
  return convolve(s, kernel, shape, 'conv', bias, null);
}
