/**
 * Per-channel first and second moments, and how layers act on them under predictSignal's approximations:
 * units independent (a diagonal approximation), activations through the Gaussian expectation per channel.
 * Pure functions over typed arrays; no tfjs.
 */
import { ACTIVATION_KINKS, ActivationName, NON_MONOTONE, scalarActivation } from '../math/activations.js';
import {
  GRID,
  OUTER_GAUSSIAN,
  SMOOTH_GRID,
  clippedMoments,
  gaussianMoments,
  leakyRectifierMoments,
} from '../math/quadrature.js';
import { normalCdf, normalPdf } from '../math/special.js';
import type { ChannelMoments } from './layers/types.js';
import type { PositionMap } from './moments_positions.js';
import {
  Spatial,
  averagedCorrelation,
  correlationThrough,
  diluted,
  independent,
  mixCorrelations,
  offsetGrid,
  sliceSpatial,
  windowCorrelation,
} from './moments_spatial.js';

// Math's functions bound once: hot loops here; a global lookup of `Math` is ~20x slower in a vm context (jest).
const { exp, log: ln, log1p, max, pow, sqrt } = Math;

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)));
/** log sigmoid(x) = -softplus(-x), stable on both sides. */
const logSigmoid = (x: number): number => (x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x)));

/** Per-channel moments of a tensor (the last axis, tiled when shorter: see ChannelMoments); positions exchangeable. */
export interface Stats extends ChannelMoments {
  /** Set when these are a nondecreasing activation's outputs: its Gaussian inputs (max pooling commutes with it). */
  before?: { input: Stats; activation: ActivationName; alpha: number };
  /** Each channel's correlation across positions (absent: positions independent). */
  spatial?: Spatial;
  /**
   * Set by zero padding: the real values' moments and the zeros around them per spatial axis, so that a convolution
   * or max pooling right after it counts the zeros as padding taps instead of as diluted values.
   */
  padded?: { inner: Stats; before: number[]; after: number[]; dims: number[] };
  /**
   * Each channel's mean and variance at every position (moments_positions.ts); `mean` and `m2` are its averages. Kept
   * by the rules that compute it (a built-in rule's `positions`), dropped by the others.
   */
  positions?: PositionMap;
}

/** Per-channel variances. */
export const variances = (s: Stats): Float64Array => s.mean.map((_, c) => variance(s, c));

/** The same stats with another spatial correlation (or none). */
const withSpatial = <T extends Stats>(s: T, spatial: Spatial | undefined): T => (spatial ? { ...s, spatial } : s);

/** The variance of channel c. */
export const variance = (s: Stats, c: number): number => max(0, s.m2[c] - s.mean[c] * s.mean[c]);

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

/** Clipped linear activations, clip(scale x + shift, 0, top), whose moments have a closed form. */
const CLIPPED: Partial<Record<ActivationName, { scale: number; shift: number; top: number }>> = {
  relu6: { scale: 1, shift: 0, top: 6 },
  hardSigmoid: { scale: 0.2, shift: 0.5, top: 1 },
};

/**
 * Per channel c of a Gaussian signal N(mean_c, var_c): `moments(mu, sd)` when sd > 0, else the point value phi(mu)
 * and its square. The loop every Gaussian expectation per channel shares.
 */
function perChannel(
  s: Stats,
  phi: (x: number) => number,
  moments: (mu: number, sd: number, c: number) => [number, number],
  alike = true,
): { mean: Float64Array; m2: Float64Array } {
  const mean = new Float64Array(s.mean.length);
  const m2 = new Float64Array(s.mean.length);
  let last: [number, number, number, number] | null = null; // channels alike in a row (BatchNorm's outputs) share it
  for (let c = 0; c < mean.length; c++) {
    const mu = s.mean[c];
    const sd = sqrt(variance(s, c));
    if (alike && last && last[0] === mu && last[1] === sd) {
      [mean[c], m2[c]] = [last[2], last[3]];
      continue;
    }
    [mean[c], m2[c]] = sd === 0 ? [phi(mu), phi(mu) ** 2] : moments(mu, sd, c);
    last = [mu, sd, mean[c], m2[c]];
  }
  return { mean, m2 };
}

/** E[phi(z)], E[phi(z)^2] per channel for z ~ N(mean, m2 - mean^2). */
export function throughActivation(s: Stats, name: ActivationName, alpha: number): Stats {
  const phi = scalarActivation(name, alpha).value;
  const kinks = ACTIVATION_KINKS[name] ?? [];
  const slope = RECTIFIERS[name];
  const clip = CLIPPED[name];
  const { mean, m2 } = perChannel(s, phi, (mu, sd) =>
    slope !== undefined
      ? leakyRectifierMoments(mu, sd, slope === null ? alpha : slope)
      : clip
        ? clippedMoments(clip.scale * mu + clip.shift, clip.scale * sd, 0, clip.top)
        : gaussianMoments(
            (u) => phi(mu + sd * u),
            kinks.map((k) => (k - mu) / sd),
          ),
  );
  const spatial = s.spatial && activationCorrelation(s, () => phi, kinks, { mean, m2 });
  const out: Stats = withSpatial({ mean, m2 }, spatial);
  return !NON_MONOTONE.has(name) && alpha >= 0 ? { ...out, before: { input: s, activation: name, alpha } } : out;
}

/** The spatial correlation after a per-channel nonlinearity, from the input's (Mehler's formula). */
function activationCorrelation(
  s: Stats,
  phiOf: (c: number) => (x: number) => number,
  kinks: readonly number[],
  out: { mean: Float64Array; m2: Float64Array },
): Spatial {
  const outVariance = out.mean.map((m, c) => max(0, out.m2[c] - m * m));
  const sds = s.mean.map((_, c) => sqrt(variance(s, c)));
  return correlationThrough(s.spatial as Spatial, s.mean, sds, phiOf, kinks, outVariance);
}

/** The sum of independent signals, channel by channel. */
export function sumIndependent(terms: readonly Stats[]): Stats {
  const n = terms[0].mean.length;
  const mean = new Float64Array(n);
  const v = new Float64Array(n);
  terms.forEach((x) => {
    for (let c = 0; c < n; c++) {
      mean[c] += x.mean[c];
      v[c] += variance(x, c);
    }
  });
  const spatial = terms.find((t) => t.spatial)?.spatial;
  return withSpatial(
    fromVariance(mean, v),
    spatial &&
      mixCorrelations(
        terms.map((t) => ({ sp: t.spatial, variance: variances(t) })),
        spatial.axes,
      ),
  );
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
  const first = terms.find((t) => t.spatial)?.spatial;
  if (!first) return { mean, m2 };
  // E[(ab)(a'b')] = prod_k (var_k rho_k + mu_k^2) at each offset, the factors independent
  const rho = Array.from({ length: n }, (_, c) => {
    const size = first.rho[0].length;
    const centre = (size - 1) / 2;
    const cross = new Float64Array(size).fill(1);
    let meanSq = 1;
    for (const t of terms) {
      const mu = t.mean[c % t.mean.length];
      const v = variance(t, c % t.mean.length);
      const r = t.spatial && t.spatial.radius === first.radius ? t.spatial.rho[c % t.spatial.rho.length] : null;
      for (let i = 0; i < size; i++) cross[i] *= v * (r ? r[i] : i === centre ? 1 : 0) + mu * mu;
      meanSq *= mu * mu;
    }
    const total = cross[centre] - meanSq;
    return total > 0 ? cross.map((x) => (x - meanSq) / total) : cross.map((_, i) => (i === centre ? 1 : 0));
  });
  return { mean, m2, spatial: { ...first, rho } };
}

/** Every signal scaled: means by `meanFactor`, second moments by `m2Factor`. */
export function scale(s: Stats, meanFactor: number, m2Factor: number): Stats {
  return withSpatial({ mean: s.mean.map((v) => v * meanFactor), m2: s.m2.map((v) => v * m2Factor) }, s.spatial);
}

/**
 * Inverted dropout or multiplicative noise of mean 1 and independent per element: the mean kept, the second moment
 * times `m2Factor`, the covariance between distinct positions unchanged.
 */
export function noisy(s: Stats, m2Factor: number): Stats {
  const out = { mean: s.mean.slice(), m2: s.m2.map((v) => v * m2Factor) };
  return withSpatial(out, s.spatial && diluted(s.spatial, variances(s), variances(out)));
}

/** Channels [from, to). */
export function slice(s: Stats, from: number, to: number): Stats {
  return withSpatial(
    { mean: s.mean.slice(from, to), m2: s.m2.slice(from, to) },
    s.spatial && sliceSpatial(s.spatial, from, to),
  );
}

/** Channels of several signals side by side. */
export function concat(parts: readonly Stats[]): Stats {
  const out = {
    mean: Float64Array.from(parts.flatMap((x) => Array.from(x.mean))),
    m2: Float64Array.from(parts.flatMap((x) => Array.from(x.m2))),
  };
  // parts that are one nondecreasing activation's outputs: so is their concatenation (max pooling reads it)
  const act = parts[0].before;
  const before =
    act && parts.every((p) => p.before && p.before.activation === act.activation && p.before.alpha === act.alpha)
      ? {
          input: concat(parts.map((p) => (p.before as NonNullable<Stats['before']>).input)),
          activation: act.activation,
          alpha: act.alpha,
        }
      : undefined;
  const first = parts.find((p) => p.spatial)?.spatial;
  if (!first) return before ? { ...out, before } : out;
  // every part's channels, those without a correlation as independent
  const delta = independent(1, first.axes).rho[0];
  const same = (sp: Spatial | undefined): sp is Spatial =>
    sp !== undefined && sp.radius === first.radius && sp.axes === first.axes;
  const rho = parts.flatMap((p) =>
    Array.from(p.mean, (_, c) => (same(p.spatial) ? p.spatial.rho[c % p.spatial.rho.length] : delta)),
  );
  return { ...out, spatial: { ...first, rho }, ...(before ? { before } : {}) };
}

/**
 * The largest of `window` Gaussian positions of each channel (order statistics: for independent positions M has
 * density n phi(z) Phi(z)^(n-1)). Positions with mean pairwise correlation r are taken as equicorrelated:
 * X_i = mu + sd (sqrt(r) Z_0 + sqrt(1 - r) Z_i), so M = mu + sd sqrt(r) Z_0 + sd sqrt(1 - r) max_i Z_i and the
 * moments are an outer Gaussian expectation over Z_0. After a nondecreasing activation phi, max phi(z_i) =
 * phi(max z_i), so the max is taken of the Gaussian inputs and phi applied to it.
 */
export function maxOfWindow(s: Stats, window: number, correlation: Float64Array | null = null): Stats {
  const max1 = windowMaximum(s.before, window);
  return perChannel(
    s.before?.input ?? s,
    max1.phi,
    (mu, sd, c) => max1.moments(mu, sd, correlation ? correlation[c % correlation.length] : 0),
    correlation === null,
  );
}

/** The activation a max passes through (max commutes with it): phi, its kinks, and its negative slope if a rectifier. */
function maxActivation(before: Stats['before']): {
  phi: (x: number) => number;
  kinks: readonly number[];
  rectifier: number | null;
} {
  if (!before) return { phi: (x) => x, kinks: [], rectifier: 1 };
  const slope = RECTIFIERS[before.activation];
  return {
    phi: scalarActivation(before.activation, before.alpha).value,
    kinks: ACTIVATION_KINKS[before.activation] ?? [],
    rectifier: slope === undefined ? null : slope === null ? before.alpha : slope,
  };
}

/**
 * phi(M) for M the max of `window` Gaussians N(mu, sd^2) of pairwise correlation r (see maxOfWindow), phi the
 * activation `before` names (identity when absent): E[phi(M)] and E[phi(M)^2].
 */
export function windowMaximum(
  before: Stats['before'],
  window: number,
): { phi: (x: number) => number; moments: (mu: number, sd: number, r: number) => [number, number] } {
  const { phi, kinks, rectifier } = maxActivation(before);
  const density = (z: number): number => window * pow(normalCdf(z), window - 1);
  // E[phi(M)] and E[phi(M)^2] as Gaussian expectations weighted by the max's density
  const independentMax = (mu: number, sd: number): [number, number] => {
    const edges = kinks.map((k) => (k - mu) / sd);
    return [
      gaussianMoments((z) => phi(mu + sd * z) * density(z), edges)[0],
      gaussianMoments((z) => phi(mu + sd * z) * sqrt(density(z)), edges)[1],
    ];
  };
  const maxima = maxNodes(window);
  const moments = (mu: number, sd: number, correlation: number): [number, number] => {
    if (sd === 0) return [phi(mu), phi(mu) ** 2];
    const r = max(0, Math.min(correlation, 0.999));
    if (r < 1e-4) return independentMax(mu, sd);
    const [shared, own] = [sd * sqrt(r), sd * sqrt(1 - r)];
    let [m1, m2] = [0, 0];
    if (rectifier !== null) {
      // M = mu + own Y + shared Z_0, Y the max of the window's standard normals: the inner expectation over Z_0
      // of a leaky rectifier is closed-form
      for (let i = 0; i < maxima.y.length; i++) {
        const [a, b] = leakyRectifierMoments(mu + own * maxima.y[i], shared, rectifier);
        m1 += maxima.w[i] * a;
        m2 += maxima.w[i] * b;
      }
      return [m1, m2];
    }
    for (let i = 0; i < OUTER_GAUSSIAN.z.length; i++) {
      const [a, b] = independentMax(mu + shared * OUTER_GAUSSIAN.z[i], own);
      m1 += OUTER_GAUSSIAN.w[i] * a;
      m2 += OUTER_GAUSSIAN.w[i] * b;
    }
    return [m1, m2];
  };
  return { phi, moments };
}

/**
 * phi(M) for M the max of Gaussians N(mu_k, sd_k^2) that differ (a window across a border), of pairwise correlation
 * r through a shared factor Z_0 as in maxOfWindow: given Z_0 the rest are independent and Clark's recursion (see
 * extremeOfIndependent) takes their max as Gaussian; a leaky rectifier's moments of it are closed-form, any other
 * phi is applied once to the Gaussian whose moments match M's over Z_0.
 */
export function mixedMaximum(
  before: Stats['before'],
  mus: ArrayLike<number>,
  sds: ArrayLike<number>,
  correlation: number,
): [number, number] {
  const { phi, kinks, rectifier } = maxActivation(before);
  const r = max(0, Math.min(correlation, 0.999));
  const outer = r < 1e-4 ? ONE_NODE : OUTER_GAUSSIAN;
  const [shared, own] = [sqrt(r), sqrt(1 - r)];
  let [m1, m2] = [0, 0];
  for (let i = 0; i < outer.z.length; i++) {
    const z = outer.z[i];
    let mu1 = mus[0] + sds[0] * shared * z;
    let v1 = (sds[0] * own) ** 2;
    for (let k = 1; k < mus.length; k++) {
      [mu1, v1] = clarkMax(mu1, v1, mus[k] + sds[k] * shared * z, (sds[k] * own) ** 2);
    }
    if (rectifier === null) {
      m1 += outer.w[i] * mu1;
      m2 += outer.w[i] * (v1 + mu1 * mu1);
      continue;
    }
    const [a, b] = v1 > 0 ? leakyRectifierMoments(mu1, sqrt(v1), rectifier) : [phi(mu1), phi(mu1) ** 2];
    m1 += outer.w[i] * a;
    m2 += outer.w[i] * b;
  }
  if (rectifier !== null) return [m1, m2];
  const sd = sqrt(max(0, m2 - m1 * m1));
  return sd > 0
    ? gaussianMoments(
        (u) => phi(m1 + sd * u),
        kinks.map((k) => (k - m1) / sd),
      )
    : [phi(m1), phi(m1) ** 2];
}

/** A single node: the expectation of a constant. */
const ONE_NODE = { z: Float64Array.of(0), w: Float64Array.of(1) };

/** Clark's (1961) max of two independent Gaussians, taken as Gaussian: its mean and variance. */
function clarkMax(mu1: number, v1: number, mu2: number, v2: number): [number, number] {
  const theta = sqrt(v1 + v2);
  if (theta === 0) return [max(mu1, mu2), 0];
  const a = (mu1 - mu2) / theta;
  const [pa, na, da] = [normalCdf(a), normalCdf(-a), normalPdf(a)];
  const m1 = mu1 * pa + mu2 * na + theta * da;
  const second = (mu1 * mu1 + v1) * pa + (mu2 * mu2 + v2) * na + (mu1 + mu2) * theta * da;
  return [m1, max(0, second - m1 * m1)];
}

/** E[Y] and Var(Y) for Y the max of n independent standard normals. */
function maxOfNormals(n: number): { mean: number; variance: number } {
  const { y, w } = maxNodes(n);
  let [m1, m2] = [0, 0];
  for (let i = 0; i < y.length; i++) {
    m1 += w[i] * y[i];
    m2 += w[i] * y[i] * y[i];
  }
  return { mean: m1, variance: max(0, m2 - m1 * m1) };
}

/**
 * The correlation across positions of a max pooling's outputs, from its input's (`s`; the pre-activations where it
 * is a nondecreasing activation's output). For Gaussian positions X_p, Stein's lemma gives Cov(M, X_q) =
 * sum_p P(argmax = p) Cov(X_p, X_q), so M's projection on the window's values is sum_p P(argmax = p) X_p: the
 * window's mean for exchangeable positions. Two windows' maxima are taken to covary as those projections do (the
 * average pooling's covariance; higher Hermite orders, of order rho^2, left out), over Var(M) = var (r + (1 - r)
 * Var(Y_n)) with r the window's mean correlation and Y_n the max of n standard normals; then through the activation
 * (Mehler) at M's mean and variance. `within`: each channel's variance at a position; `out`: the pooled output's.
 */
export function maxPooledCorrelation(
  s: Stats,
  size: readonly number[],
  strides: readonly number[],
  within: Float64Array,
  outVariance: Float64Array,
): Spatial {
  const pre = s.before?.input ?? s;
  const sp = pre.spatial ?? independent(pre.mean.length, size.length);
  const n = size.reduce((a, b) => a * b, 1);
  const averaged = averagedCorrelation(sp, size, strides);
  const r = windowCorrelation(sp, size);
  const y = maxOfNormals(n);
  const centre = ((2 * sp.radius + 1) ** sp.axes - 1) / 2;
  const shareOf = (c: number): number => r[c] + (1 - r[c]) * y.variance;
  // windows that overlap share positions: there the max is one variable, and its covariance beyond the projection's
  const shared = offsetGrid(sp.axes, sp.radius).map((delta) => {
    const k = delta.reduce((acc, d, a) => acc * max(0, size[a] - Math.abs(d) * strides[a]), 1);
    return k > 0 && k < n ? sharedMaxCovariance(k, n) - k / (n * n) : 0;
  });
  const rho = averaged.out.rho.map((row, c) => {
    // the projections' covariance, Var(window mean) x row, plus the shared positions', over Var(M)
    const mean = averaged.inflation[c] / n;
    return row.map((v, i) => (i === centre ? 1 : Math.min(1, (v * mean + (1 - r[c]) * shared[i]) / shareOf(c))));
  });
  const maxed: Spatial = { axes: sp.axes, radius: sp.radius, rho };
  if (!s.before) return maxed;
  const phi = scalarActivation(s.before.activation, s.before.alpha).value;
  const means = pre.mean.map((mu, c) => mu + sqrt(within[c] * (1 - r[c])) * y.mean);
  const sds = pre.mean.map((_, c) => sqrt(within[c] * shareOf(c)));
  return correlationThrough(maxed, means, sds, () => phi, ACTIVATION_KINKS[s.before.activation] ?? [], outVariance);
}

/** sharedMaxCovariance's answers by (k, n). */
const sharedCache = new Map<string, number>();

/** The standard grid's nodes in increasing order, with their weights. */
const SORTED_GRID = ((): { z: Float64Array; w: Float64Array } => {
  const order = Array.from(GRID.z.keys()).sort((a, b) => GRID.z[a] - GRID.z[b]);
  return { z: Float64Array.from(order, (i) => GRID.z[i]), w: Float64Array.from(order, (i) => GRID.w[i]) };
})();

/**
 * Cov(max(A, S), max(B, S)) for two windows of n independent standard normals sharing k of them: S the max of the k
 * shared, A and B of the n - k others each. Given S the two maxima are independent, so the covariance is the
 * variance over S of g(S) = E[max(A, s)] = s P(A < s) + E[A; A > s].
 */
function sharedMaxCovariance(k: number, n: number): number {
  const key = `${k}/${n}`;
  const cached = sharedCache.get(key);
  if (cached !== undefined) return cached;
  const { z, w } = SORTED_GRID;
  const m = n - k;
  // E[A; A > z_i] by the grid's tail sums (A's density m phi Phi^(m-1); w holds phi), half the node's own weight
  const part = z.map((zi, i) => w[i] * zi * m * pow(normalCdf(zi), m - 1));
  const tail = new Float64Array(z.length + 1);
  for (let i = z.length - 1; i >= 0; i--) tail[i] = tail[i + 1] + part[i];
  let [g1, g2] = [0, 0];
  for (let i = 0; i < z.length; i++) {
    const density = k * pow(normalCdf(z[i]), k - 1);
    const g = z[i] * pow(normalCdf(z[i]), m) + tail[i + 1] + 0.5 * part[i];
    g1 += w[i] * density * g;
    g2 += w[i] * density * g * g;
  }
  const cov = max(0, g2 - g1 * g1);
  sharedCache.set(key, cov);
  return cov;
}

/** Quadrature nodes and weights for Y, the max of n standard normals (density n phi(y) Phi(y)^(n-1)). */
const maxima = new Map<number, { y: Float64Array; w: Float64Array }>();
function maxNodes(n: number): { y: Float64Array; w: Float64Array } {
  let nodes = maxima.get(n);
  if (!nodes) {
    const y: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < SMOOTH_GRID.z.length; i++) {
      const weight = SMOOTH_GRID.w[i] * n * pow(normalCdf(SMOOTH_GRID.z[i]), n - 1);
      if (weight > 1e-15) {
        y.push(SMOOTH_GRID.z[i]);
        w.push(weight);
      }
    }
    maxima.set(n, (nodes = { y: Float64Array.from(y), w: Float64Array.from(w) }));
  }
  return nodes;
}

/** The average of independent signals, channel by channel: mean / n, variance / n^2. */
export function averageIndependent(terms: readonly Stats[]): Stats {
  const sum = sumIndependent(terms);
  const n = terms.length;
  return withSpatial(
    fromVariance(
      sum.mean.map((m) => m / n),
      sum.mean.map((m, c) => max(0, sum.m2[c] - m * m) / (n * n)),
    ),
    sum.spatial,
  );
}

/** A scalar function f with kinks at `kinks` applied per channel: E[f(x)], E[f(x)^2] for x ~ N(mean, var). */
export function throughFunction(s: Stats, f: (x: number) => number, kinks: readonly number[]): Stats {
  const out = perChannel(s, f, (mu, sd) =>
    gaussianMoments(
      (u) => f(mu + sd * u),
      kinks.map((k) => (k - mu) / sd),
    ),
  );
  return withSpatial(out, s.spatial && activationCorrelation(s, () => f, kinks, out));
}

/** y = a x + b per element: mean a mu + b, variance a^2 var. */
export function affine(s: Stats, a: number, b: number): Stats {
  const out = fromVariance(
    s.mean.map((m) => a * m + b),
    s.mean.map((_, c) => a * a * variance(s, c)),
  );
  return withSpatial(out, s.spatial);
}

/** Independent zero-mean noise of variance v added to every element. */
export function addNoise(s: Stats, v: number): Stats {
  const out = { mean: s.mean.slice(), m2: s.m2.map((m) => m + v) };
  return withSpatial(out, s.spatial && diluted(s.spatial, variances(s), variances(out)));
}

/** Every channel's moments averaged into one (a tensor whose last axis is now a former position axis). */
export function pooled(s: Stats): Stats {
  return { mean: Float64Array.of(average(s.mean)), m2: Float64Array.of(average(s.m2)) };
}

/**
 * The moments of a tensor whose elements, flattened row-major, keep their order but whose last axis now has
 * `length` elements (Reshape): element j of a row takes the moments of flat index (r length + j) mod channels,
 * averaged over rows r.
 */
export function reshaped(s: Stats, length: number): Stats {
  const channels = s.mean.length;
  if (length % channels === 0) return s; // the old channels tile the new axis
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const rows = channels / gcd(length, channels);
  const mean = new Float64Array(length);
  const m2 = new Float64Array(length);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < length; j++) {
      const c = (r * length + j) % channels;
      mean[j] += s.mean[c] / rows;
      m2[j] += s.m2[c] / rows;
    }
  }
  return { mean, m2 };
}

/** The same channels over `length` elements (tiled): the moments of every element along the last axis. */
export function expanded(s: Stats, length: number): Stats {
  if (s.mean.length === length) return s;
  const out = {
    mean: Float64Array.from({ length }, (_, j) => s.mean[j % s.mean.length]),
    m2: Float64Array.from({ length }, (_, j) => s.m2[j % s.m2.length]),
  };
  return withSpatial(
    out,
    s.spatial && {
      ...s.spatial,
      rho: Array.from({ length }, (_, j) => (s.spatial as Spatial).rho[j % (s.spatial as Spatial).rho.length]),
    },
  );
}

/**
 * The largest (sign 1) or smallest (sign -1) of independent signals per channel, by Clark's recursion (Clark 1961:
 * the max of two Gaussians has E = mu1 Phi(a) + mu2 Phi(-a) + theta phi(a), E[M^2] = (mu1^2 + s1^2) Phi(a) +
 * (mu2^2 + s2^2) Phi(-a) + (mu1 + mu2) theta phi(a), theta^2 = s1^2 + s2^2, a = (mu1 - mu2) / theta; each partial
 * max taken as Gaussian). Signals that are one nondecreasing activation's outputs are maxed before it (it commutes).
 */
export function extremeOfIndependent(terms: readonly Stats[], sign: 1 | -1): Stats {
  const act = terms[0].before;
  const shared =
    sign === 1 &&
    act !== undefined &&
    terms.every((t) => t.before && t.before.activation === act.activation && t.before.alpha === act.alpha);
  const inputs = shared ? terms.map((t) => (t.before as NonNullable<Stats['before']>).input) : terms;
  const n = inputs[0].mean.length;
  const mean = new Float64Array(n);
  const v = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    let mu1 = sign * inputs[0].mean[c];
    let v1 = variance(inputs[0], c);
    for (const t of inputs.slice(1)) [mu1, v1] = clarkMax(mu1, v1, sign * t.mean[c], variance(t, c));
    mean[c] = sign * mu1;
    v[c] = v1;
  }
  const first = inputs.find((t) => t.spatial)?.spatial;
  const spatial =
    first &&
    mixCorrelations(
      inputs.map((t) => ({ sp: t.spatial, variance: variances(t) })),
      first.axes,
    );
  const result = withSpatial(fromVariance(mean, v), spatial);
  return shared ? throughActivation(result, act.activation, act.alpha) : result;
}

/**
 * Softmax (or its log, `log`) over a last axis of `length` elements whose logits are independent Gaussians
 * N(mu_c, var_c): for each element, y_c = sigmoid(G) (log: log sigmoid(G)) with G = l_c - log R and R the sum of
 * the other exponentials, taken as lognormal with R's mean and variance (Fenton-Wilkinson), so E[y_c] and E[y_c^2]
 * are Gaussian expectations over G.
 */
export function softmaxMoments(s: Stats, length: number, log = false): Stats {
  const all = expanded(s, length);
  // exponents shifted by their largest, so that wide logits do not overflow (the ratios below are invariant)
  const shift = all.mean.reduce((acc, mu, c) => max(acc, mu + variance(all, c)), -Infinity);
  const e1 = all.mean.map((mu, c) => exp(mu + variance(all, c) / 2 - shift));
  const e2 = all.mean.map((mu, c) => exp(2 * (mu + variance(all, c) - shift)));
  const sum = (a: Float64Array): number => a.reduce((x, y) => x + y, 0);
  const [sum1, sum2, squares] = [sum(e1), sum(e2), sum(e1.map((v) => v * v))];
  const f = log ? logSigmoid : sigmoid;
  const mean = new Float64Array(s.mean.length);
  const m2 = new Float64Array(s.mean.length);
  for (let c = 0; c < mean.length; c++) {
    const m = sum1 - e1[c]; // E[R], R the sum of the other elements' exponentials
    if (!(m > 0)) {
      [mean[c], m2[c]] = log ? [0, 0] : [1, 1];
      continue;
    }
    const vR = max(0, sum2 - e2[c] - (squares - e1[c] * e1[c]));
    const sR2 = ln(1 + vR / (m * m));
    const muG = s.mean[c] - (ln(m) + shift - sR2 / 2);
    const sdG = sqrt(variance(s, c) + sR2);
    [mean[c], m2[c]] = sdG === 0 ? [f(muG), f(muG) ** 2] : gaussianMoments((u) => f(muG + sdG * u), []);
  }
  return { mean, m2 };
}

/** A leaky rectifier with a slope per channel (PReLU): closed-form moments, channels tiled to the longer of the two. */
export function throughLeaky(s: Stats, alphas: Float64Array): Stats {
  const n = max(s.mean.length, alphas.length);
  const x = expanded(s, n);
  const mean = new Float64Array(n);
  const m2 = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    const mu = x.mean[c];
    const sd = sqrt(variance(x, c));
    const a = alphas[c % alphas.length];
    const f = (v: number): number => (v > 0 ? v : a * v);
    [mean[c], m2[c]] = sd === 0 ? [f(mu), f(mu) ** 2] : leakyRectifierMoments(mu, sd, a);
  }
  const leaky =
    (c: number) =>
    (v: number): number =>
      v > 0 ? v : alphas[c % alphas.length] * v;
  return withSpatial({ mean, m2 }, x.spatial && activationCorrelation(x, leaky, [0], { mean, m2 }));
}
