/**
 * Per-channel first and second moments, and how layers act on them under predictSignal's approximations:
 * units independent (a diagonal approximation), activations through the Gaussian expectation per channel.
 * Pure functions over typed arrays; no tfjs.
 */
import { ACTIVATION_KINKS, ActivationName, NON_MONOTONE, scalarActivation } from '../math/activations.js';
import { gaussianMoments, leakyRectifierMoments } from '../math/quadrature.js';
import { normalCdf } from '../math/special.js';

// Math's functions bound once: hot loops here; a global lookup of `Math` is ~20x slower in a vm context (jest).
const { floor, max, pow, sqrt } = Math;

/** Per-channel moments of a tensor (the last axis); positions are exchangeable. */
export interface Stats {
  /** E[x] per channel. */
  mean: Float64Array;
  /** E[x^2] per channel. */
  m2: Float64Array;
  /** Set when these are a nondecreasing activation's outputs: its Gaussian inputs (max pooling commutes with it). */
  before?: { input: Stats; activation: ActivationName; alpha: number };
}

const variance = (s: Stats, c: number): number => max(0, s.m2[c] - s.mean[c] * s.mean[c]);

/** Average over channels. */
export const average = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;

/** Zero-mean channels of second moment m2. */
export const centred = (channels: number, m2: number): Stats => ({
  mean: new Float64Array(channels),
  m2: new Float64Array(channels).fill(m2),
});

/** Stats from per-channel means and variances. */
export function fromVariance(mean: Float64Array, v: Float64Array): Stats {
  return { mean, m2: v.map((x, c) => x + mean[c] * mean[c]) };
}

/** Leaky rectifiers, whose moments have a closed form: the negative slope (null: the activation's alpha). */
const RECTIFIERS: Partial<Record<ActivationName, number | null>> = { relu: 0, linear: 1, leakyRelu: null, prelu: null };

/**
 * Per channel c of a Gaussian signal N(mean_c, var_c): `moments(mu, sd)` when sd > 0, else the point value phi(mu)
 * and its square. The loop every Gaussian expectation per channel shares.
 */
function perChannel(
  s: Stats,
  phi: (x: number) => number,
  moments: (mu: number, sd: number) => [number, number],
): { mean: Float64Array; m2: Float64Array } {
  const mean = new Float64Array(s.mean.length);
  const m2 = new Float64Array(s.mean.length);
  for (let c = 0; c < mean.length; c++) {
    const mu = s.mean[c];
    const sd = sqrt(variance(s, c));
    [mean[c], m2[c]] = sd === 0 ? [phi(mu), phi(mu) ** 2] : moments(mu, sd);
  }
  return { mean, m2 };
}

/** E[phi(z)], E[phi(z)^2] per channel for z ~ N(mean, m2 - mean^2). */
export function throughActivation(s: Stats, name: ActivationName, alpha: number): Stats {
  const phi = scalarActivation(name, alpha).value;
  const kinks = ACTIVATION_KINKS[name] ?? [];
  const slope = RECTIFIERS[name];
  const { mean, m2 } = perChannel(s, phi, (mu, sd) =>
    slope !== undefined
      ? leakyRectifierMoments(mu, sd, slope === null ? alpha : slope)
      : gaussianMoments(
          (u) => phi(mu + sd * u),
          kinks.map((k) => (k - mu) / sd),
        ),
  );
  return !NON_MONOTONE.has(name) && alpha >= 0
    ? { mean, m2, before: { input: s, activation: name, alpha } }
    : { mean, m2 };
}

/**
 * A kernel [...taps, in, out] (row-major, as tfjs stores it) and bias applied to per-channel inputs: per-channel
 * outputs, units independent. `columns` picks a range of output columns [from, to) (a gate's block).
 */
export function throughKernel(
  s: Stats,
  kernel: Float32Array,
  shape: readonly number[],
  bias: Float32Array | null,
  columns: [number, number] = [0, shape[shape.length - 1]],
  coverage: Float64Array | null = null,
): Stats {
  const out = shape[shape.length - 1];
  const inCh = shape[shape.length - 2];
  const taps = kernel.length / (inCh * out);
  const [from, to] = columns;
  const mean = new Float64Array(to - from);
  const v = new Float64Array(to - from);
  for (let t = 0; t < taps; t++) {
    for (let i = 0; i < inCh; i++) {
      const c = i % s.mean.length;
      const share = coverage ? coverage[t] : 1;
      const mu = s.mean[c] * share;
      const vi = variance(s, c) * share;
      const row = (t * inCh + i) * out;
      for (let o = from; o < to; o++) {
        const w = kernel[row + o];
        mean[o - from] += w * mu;
        v[o - from] += w * w * vi;
      }
    }
  }
  if (bias) for (let o = from; o < to; o++) mean[o - from] += bias[o];
  return fromVariance(mean, v);
}

/** A convolution's geometry along its spatial axes (channels last). */
export interface ConvGeometry {
  /** Input positions per spatial axis. */
  input: readonly number[];
  /** Output positions per spatial axis. */
  output: readonly number[];
  /** Kernel taps per spatial axis. */
  kernel: readonly number[];
  /** Strides per spatial axis. */
  strides: readonly number[];
  /** Dilation per spatial axis. */
  dilation: readonly number[];
  /** tfjs padding. */
  padding: 'valid' | 'same' | 'causal';
}

/**
 * For each tap of a kernel (row-major over the spatial axes), the share of output positions where it falls
 * inside the input: 1 everywhere for `valid`, less at the borders for `same` (tfjs pads floor(total / 2) before)
 * and `causal` (all padding before). Taps that read padding zeros add nothing to those outputs.
 */
export function tapCoverage(g: ConvGeometry): Float64Array {
  const perAxis = g.kernel.map((k, a) => {
    const [n, out, s, d] = [g.input[a], g.output[a], g.strides[a], g.dilation[a]];
    const total = max((out - 1) * s + (k - 1) * d + 1 - n, 0);
    const before = g.padding === 'valid' ? 0 : g.padding === 'causal' ? (k - 1) * d : floor(total / 2);
    return Array.from({ length: k }, (_, j) => {
      let inside = 0;
      for (let o = 0; o < out; o++) {
        const at = o * s - before + j * d;
        if (at >= 0 && at < n) inside++;
      }
      return inside / out;
    });
  });
  const taps = g.kernel.reduce((a, b) => a * b, 1);
  const coverage = new Float64Array(taps);
  for (let t = 0; t < taps; t++) {
    let share = 1;
    let rest = t;
    for (let a = g.kernel.length - 1; a >= 0; a--) {
      share *= perAxis[a][rest % g.kernel[a]];
      rest = floor(rest / g.kernel[a]);
    }
    coverage[t] = share;
  }
  return coverage;
}

/** A depthwise kernel [...taps, channels, multiplier]: output channel c * multiplier + m sees input channel c. */
export function throughDepthwise(
  s: Stats,
  kernel: Float32Array,
  shape: readonly number[],
  coverage: Float64Array | null = null,
): Stats {
  const mult = shape[shape.length - 1];
  const channels = shape[shape.length - 2];
  const taps = kernel.length / (channels * mult);
  const mean = new Float64Array(channels * mult);
  const v = new Float64Array(channels * mult);
  for (let t = 0; t < taps; t++) {
    for (let c = 0; c < channels; c++) {
      const share = coverage ? coverage[t] : 1;
      const mu = s.mean[c % s.mean.length] * share;
      const vc = variance(s, c % s.mean.length) * share;
      for (let m = 0; m < mult; m++) {
        const w = kernel[(t * channels + c) * mult + m];
        mean[c * mult + m] += w * mu;
        v[c * mult + m] += w * w * vc;
      }
    }
  }
  return fromVariance(mean, v);
}

/** The sum (sign +1) or difference (sign -1 on the second and later terms) of independent signals, channel by channel. */
export function sumIndependent(terms: readonly Stats[], signs: readonly number[] = []): Stats {
  const n = terms[0].mean.length;
  const mean = new Float64Array(n);
  const v = new Float64Array(n);
  terms.forEach((x, k) => {
    for (let c = 0; c < n; c++) {
      mean[c] += (signs[k] ?? 1) * x.mean[c];
      v[c] += variance(x, c);
    }
  });
  return fromVariance(mean, v);
}

/** The product of independent signals, channel by channel: E[ab] = E[a]E[b], E[(ab)^2] = E[a^2]E[b^2]. */
export function productIndependent(terms: readonly Stats[]): Stats {
  const n = terms[0].mean.length;
  const mean = new Float64Array(n).fill(1);
  const m2 = new Float64Array(n).fill(1);
  for (const x of terms) {
    for (let c = 0; c < n; c++) {
      mean[c] *= x.mean[c % x.mean.length];
      m2[c] *= x.m2[c % x.m2.length];
    }
  }
  return { mean, m2 };
}

/** Every signal scaled: means by `meanFactor`, second moments by `m2Factor`. */
export function scale(s: Stats, meanFactor: number, m2Factor: number): Stats {
  return { mean: s.mean.map((v) => v * meanFactor), m2: s.m2.map((v) => v * m2Factor) };
}

/** A bias added per channel. */
export function shift(s: Stats, bias: Float32Array): Stats {
  const mean = s.mean.map((v, c) => v + bias[c]);
  return { mean, m2: s.m2.map((v, c) => v - s.mean[c] ** 2 + mean[c] ** 2) };
}

/** Channels [from, to). */
export function slice(s: Stats, from: number, to: number): Stats {
  return { mean: s.mean.slice(from, to), m2: s.m2.slice(from, to) };
}

/** Channels of several signals side by side. */
export function concat(parts: readonly Stats[]): Stats {
  return {
    mean: Float64Array.from(parts.flatMap((x) => Array.from(x.mean))),
    m2: Float64Array.from(parts.flatMap((x) => Array.from(x.m2))),
  };
}

/** Average pooling over `window` positions taken as independent: mean kept, variance / window. */
export function averagePool(s: Stats, window: number): Stats {
  return fromVariance(
    s.mean.slice(),
    s.mean.map((_, c) => variance(s, c) / window),
  );
}

/**
 * Max pooling over `window` positions taken as independent Gaussians: the moments of their largest (order
 * statistics: M has density n phi(z) Phi(z)^(n-1)). After a nondecreasing activation phi, max phi(z_i) =
 * phi(max z_i), so the max is taken of the Gaussian inputs and phi applied to it.
 */
export function maxPool(s: Stats, window: number): Stats {
  const phi = s.before ? scalarActivation(s.before.activation, s.before.alpha).value : (x: number) => x;
  const kinks = s.before ? (ACTIVATION_KINKS[s.before.activation] ?? []) : [];
  const density = (z: number): number => window * pow(normalCdf(z), window - 1);
  // E[phi(M)] and E[phi(M)^2] as Gaussian expectations weighted by the max's density
  return perChannel(s.before?.input ?? s, phi, (mu, sd) => {
    const edges = kinks.map((k) => (k - mu) / sd);
    return [
      gaussianMoments((z) => phi(mu + sd * z) * density(z), edges)[0],
      gaussianMoments((z) => phi(mu + sd * z) * sqrt(density(z)), edges)[1],
    ];
  });
}

/** The average of independent signals, channel by channel: mean / n, variance / n^2. */
export function averageIndependent(terms: readonly Stats[]): Stats {
  const sum = sumIndependent(terms);
  const n = terms.length;
  return fromVariance(
    sum.mean.map((m) => m / n),
    sum.mean.map((m, c) => max(0, sum.m2[c] - m * m) / (n * n)),
  );
}
