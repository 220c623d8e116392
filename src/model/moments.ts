/**
 * Per-channel first and second moments, and how layers act on them under predictSignal's approximations:
 * units independent (a diagonal approximation), activations through the Gaussian expectation per channel.
 * Pure functions over typed arrays; no tfjs.
 */
import { ACTIVATION_KINKS, ActivationName, NON_MONOTONE, scalarActivation } from '../math/activations.js';
import { GRID, OUTER_GAUSSIAN, gaussianMoments, leakyRectifierMoments } from '../math/quadrature.js';
import { normalCdf, normalPdf } from '../math/special.js';
import type { ChannelMoments } from './layers/types.js';
import { Spatial, correlationThrough, diluted, independent, mixCorrelations, sliceSpatial } from './moments_spatial.js';

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
  const { mean, m2 } = perChannel(s, phi, (mu, sd) =>
    slope !== undefined
      ? leakyRectifierMoments(mu, sd, slope === null ? alpha : slope)
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
  const phi = s.before ? scalarActivation(s.before.activation, s.before.alpha).value : (x: number) => x;
  const kinks = s.before ? (ACTIVATION_KINKS[s.before.activation] ?? []) : [];
  const density = (z: number): number => window * pow(normalCdf(z), window - 1);
  // E[phi(M)] and E[phi(M)^2] as Gaussian expectations weighted by the max's density
  const independentMax = (mu: number, sd: number): [number, number] => {
    const edges = kinks.map((k) => (k - mu) / sd);
    return [
      gaussianMoments((z) => phi(mu + sd * z) * density(z), edges)[0],
      gaussianMoments((z) => phi(mu + sd * z) * sqrt(density(z)), edges)[1],
    ];
  };
  const input = s.before?.input ?? s;
  const slope = s.before ? RECTIFIERS[s.before.activation] : 1;
  const rectifier =
    slope === undefined ? null : slope === null ? (s.before as NonNullable<Stats['before']>).alpha : slope;
  const maxima = maxNodes(window);
  return perChannel(
    input,
    phi,
    (mu, sd, c) => {
      const r = correlation ? max(0, Math.min(correlation[c % correlation.length], 0.999)) : 0;
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
    },
    correlation === null,
  );
}

/** Quadrature nodes and weights for Y, the max of n standard normals (density n phi(y) Phi(y)^(n-1)). */
const maxima = new Map<number, { y: Float64Array; w: Float64Array }>();
function maxNodes(n: number): { y: Float64Array; w: Float64Array } {
  let nodes = maxima.get(n);
  if (!nodes) {
    const y: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < GRID.z.length; i++) {
      const weight = GRID.w[i] * n * pow(normalCdf(GRID.z[i]), n - 1);
      if (weight > 1e-15) {
        y.push(GRID.z[i]);
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
    for (const t of inputs.slice(1)) {
      const mu2 = sign * t.mean[c];
      const v2 = variance(t, c);
      const theta = sqrt(v1 + v2);
      if (theta === 0) {
        mu1 = max(mu1, mu2);
        continue;
      }
      const a = (mu1 - mu2) / theta;
      const [pa, na, da] = [normalCdf(a), normalCdf(-a), normalPdf(a)];
      const m1 = mu1 * pa + mu2 * na + theta * da;
      const second = (mu1 * mu1 + v1) * pa + (mu2 * mu2 + v2) * na + (mu1 + mu2) * theta * da;
      mu1 = m1;
      v1 = max(0, second - m1 * m1);
    }
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
