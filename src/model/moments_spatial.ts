/**
 * Spatial correlation of each channel across positions, carried with the per-channel moments: the correlation
 * rho_c(delta) between the values of channel c at two positions delta apart, on a window of offsets. Convolutions
 * create it (neighbouring outputs share inputs), activations transform it (Mehler's formula), sums of independent
 * branches mix it by variance, and average pooling, max pooling and global pooling read it: a window of correlated
 * positions averages to a larger variance than independent positions would (Xiao et al. 2018 propagate the same
 * covariance across positions in mean-field theory of CNNs; here it goes through the model's actual weights, each
 * channel on its own, channels taken as uncorrelated). Pure functions over typed arrays; no tfjs.
 */
import { hermiteProjections } from '../math/quadrature.js';

const { abs, max } = Math;

/** Correlations across positions, per channel, on the offsets -radius..radius of every spatial axis. */
export interface Spatial {
  /** Spatial axes (1 for sequences, 2 for images, 3 for volumes). */
  axes: number;
  /** Offsets tracked per axis: -radius..radius; beyond, the correlation is taken as 0. */
  radius: number;
  /** Per channel: the correlation at each offset, row-major over the (2 radius + 1)^axes grid; 1 at the centre. */
  rho: Float64Array[];
}

/** The radius tracked for a number of spatial axes (offsets per channel: 33, 49, 125). */
export const RADIUS: Readonly<Record<number, number>> = { 1: 16, 2: 3, 3: 2 };

/** The offset grid of `axes` axes and `radius`: every offset vector, row-major. */
const grids = new Map<string, number[][]>();
export function offsetGrid(axes: number, radius: number): number[][] {
  const key = `${axes}/${radius}`;
  let grid = grids.get(key);
  if (!grid) {
    grid = [[]];
    for (let a = 0; a < axes; a++)
      grid = grid.flatMap((o) => Array.from({ length: 2 * radius + 1 }, (_, k) => [...o, k - radius]));
    grids.set(key, grid);
  }
  return grid;
}

/** The index of an offset in the grid, or -1 outside it. */
function indexOf(offset: readonly number[], radius: number): number {
  let index = 0;
  for (const d of offset) {
    if (abs(d) > radius) return -1;
    index = index * (2 * radius + 1) + d + radius;
  }
  return index;
}

/** Independent positions: correlation 1 at the centre, 0 elsewhere, for `channels` channels. */
export function independent(channels: number, axes: number): Spatial {
  const radius = RADIUS[axes] ?? 1;
  const size = (2 * radius + 1) ** axes;
  const centre = (size - 1) / 2;
  return {
    axes,
    radius,
    rho: Array.from({ length: channels }, () => Float64Array.from({ length: size }, (_, i) => (i === centre ? 1 : 0))),
  };
}

/** The correlation of channel c at grid index i (the channel's tiles share it). */
const rhoOf = (sp: Spatial, c: number): Float64Array => sp.rho[c % sp.rho.length];

/** How a convolution moves over its input: the kernel's taps (spatial shape), strides and dilation per axis. */
export interface Stencil {
  kernel: readonly number[];
  strides: readonly number[];
  dilation: readonly number[];
}

/** The taps' positions, row-major over the kernel's spatial shape, times the dilation. */
function tapPositions(st: Stencil): number[][] {
  let taps: number[][] = [[]];
  st.kernel.forEach((k, a) => {
    taps = taps.flatMap((t) => Array.from({ length: k }, (_, j) => [...t, j * st.dilation[a]]));
  });
  return taps;
}

/** Tap pairs grouped by their position difference, and for each output offset and difference the input offset's index. */
interface PairTable {
  pairs: Array<Array<[number, number]>>;
  lookup: Int32Array;
  deltas: number;
}

/** The pair tables built so far, by stencil and radius (a model has a few geometries; each conv is predicted often). */
const pairTables = new Map<string, PairTable>();

function pairTable(st: Stencil, radius: number): PairTable {
  const key = `${st.kernel}/${st.strides}/${st.dilation}/${radius}`;
  const cached = pairTables.get(key);
  if (cached) return cached;
  const table = buildPairTable(st, radius);
  pairTables.set(key, table);
  return table;
}

function buildPairTable(st: Stencil, radius: number): PairTable {
  const taps = tapPositions(st);
  const byDiff = new Map<string, { diff: number[]; pairs: Array<[number, number]> }>();
  taps.forEach((p, t) =>
    taps.forEach((q, u) => {
      const diff = p.map((v, a) => v - q[a]);
      const key = diff.join(',');
      const entry = byDiff.get(key) ?? { diff, pairs: [] };
      entry.pairs.push([t, u]);
      byDiff.set(key, entry);
    }),
  );
  const diffs = [...byDiff.values()];
  const grid = offsetGrid(st.kernel.length, radius);
  const lookup = new Int32Array(grid.length * diffs.length);
  grid.forEach((delta, d) =>
    diffs.forEach((entry, k) => {
      lookup[d * diffs.length + k] = indexOf(
        delta.map((v, a) => v * st.strides[a] + entry.diff[a]),
        radius,
      );
    }),
  );
  return { pairs: diffs.map((e) => e.pairs), lookup, deltas: diffs.length };
}

/** A kernel's output covariance at every offset, and its variance had the input positions been independent. */
export interface KernelCovariance {
  /** Per output channel: the covariance at each grid offset (the centre is the variance). */
  cov: Float64Array[];
  /** Per output channel: the variance under independent positions (the taps' squared weights only). */
  independent: Float64Array;
}

/**
 * Cov_o(delta) = sum_i var_i sum_{t,u} W[t,i,o] W[u,i,o] rho_i(s delta + p_t - p_u) for a conv kernel [...taps, in,
 * out] (`depthwise`: [...taps, channels, multiplier], output c M + m sees input c only), channels uncorrelated.
 */
export function kernelCovariance(
  variances: Float64Array,
  sp: Spatial,
  kernel: Float32Array,
  shape: readonly number[],
  depthwise: boolean,
  stencil: Stencil,
  columns: [number, number],
): KernelCovariance {
  const [a, b] = shape.slice(-2);
  const taps = kernel.length / (a * b);
  const { pairs, lookup, deltas } = pairTable(stencil, sp.radius);
  const grid = lookup.length / deltas;
  const [from, to] = columns;
  const width = to - from;
  const cov = Array.from({ length: width }, () => new Float64Array(grid));
  const indep = new Float64Array(width);
  const k = new Float64Array(deltas);
  const w = new Float64Array(taps);
  // per input channel: its correlation at the input offset of every (tap difference, output offset)
  const shifted = new Float64Array(deltas * grid);
  for (let i = 0; i < a; i++) {
    const v = variances[i % variances.length];
    if (!(v > 0)) continue;
    const rho = rhoOf(sp, i);
    for (let d = 0; d < deltas; d++) {
      for (let g = 0; g < grid; g++) {
        const at = lookup[g * deltas + d];
        shifted[d * grid + g] = at >= 0 ? rho[at] : 0;
      }
    }
    const [first, last] = depthwise ? [i * b, i * b + b] : [0, b];
    for (let o = Math.max(first, from); o < Math.min(last, to); o++) {
      for (let t = 0; t < taps; t++)
        w[t] = depthwise ? kernel[(t * a + i) * b + (o - i * b)] : kernel[(t * a + i) * b + o];
      for (let d = 0; d < deltas; d++) {
        let sum = 0;
        for (const [t, u] of pairs[d]) sum += w[t] * w[u];
        k[d] = sum;
      }
      const row = cov[o - from];
      for (let d = 0; d < deltas; d++) {
        const kd = v * k[d];
        if (kd === 0) continue;
        const base = d * grid;
        for (let g = 0; g < grid; g++) row[g] += kd * shifted[base + g];
      }
      let sq = 0;
      for (let t = 0; t < taps; t++) sq += w[t] * w[t];
      indep[o - from] += v * sq;
    }
  }
  return { cov, independent: indep };
}

/** Correlations from covariances (centre 1; a channel without variance is independent). */
export function toCorrelation(cov: Float64Array[], axes: number, radius: number): Spatial {
  const centre = ((2 * radius + 1) ** axes - 1) / 2;
  return {
    axes,
    radius,
    rho: cov.map((row) => {
      const v = row[centre];
      return v > 0 ? row.map((x) => x / v) : row.map((_, i) => (i === centre ? 1 : 0));
    }),
  };
}

/** Hermite terms used by Mehler's formula; the rest of the variance is added as the next power. */
const ORDER = 16;

/**
 * The correlation after an activation phi of each channel N(mu_c, var_c): Cov = sum_n c_n^2 rho^n (Mehler), c_n the
 * normalized Hermite coefficients of phi(mu + sd z), the variance not captured by the first ORDER terms added at
 * rho^(ORDER + 1); divided by the output variance.
 */
export function correlationThrough(
  sp: Spatial,
  means: Float64Array,
  sds: Float64Array,
  phiOf: (c: number) => (x: number) => number,
  kinks: readonly number[],
  outVariance: Float64Array,
): Spatial {
  const out: Float64Array[] = [];
  // channels with the same input distribution and nonlinearity share their coefficients (BatchNorm's outputs)
  const memo = new Map<string, Float64Array>();
  for (let c = 0; c < outVariance.length; c++) {
    const input = rhoOf(sp, c);
    const [mu, sd, vOut] = [means[c], sds[c], outVariance[c]];
    if (!(sd > 0) || !(vOut > 0)) {
      out.push(input.slice());
      continue;
    }
    const phi = phiOf(c);
    // a per-channel nonlinearity (PReLU's slopes) takes the channel as its argument: no sharing across channels
    const key = `${mu}|${sd}|${phiOf.length ? c : ''}`;
    let coef = memo.get(key);
    if (!coef) {
      const proj = hermiteProjections(
        (z) => phi(mu + sd * z),
        ORDER,
        kinks.map((k) => (k - mu) / sd),
      );
      coef = new Float64Array(ORDER + 1);
      let factorial = 1;
      for (let n = 1; n <= ORDER; n++) {
        factorial *= n;
        coef[n] = (proj[n] * proj[n]) / factorial;
      }
      memo.set(key, coef);
    }
    const captured = coef.reduce((a, b) => a + b, 0);
    const terms = coef;
    const rest = max(0, vOut - captured);
    out.push(
      input.map((r) => {
        let sum = 0;
        let power = 1;
        for (let n = 1; n <= ORDER; n++) {
          power *= r;
          sum += terms[n] * power;
        }
        return (sum + rest * power * r) / vOut;
      }),
    );
  }
  return { axes: sp.axes, radius: sp.radius, rho: out };
}

/** The variance-weighted mix of several signals' correlations (their sum, the signals independent). */
export function mixCorrelations(
  parts: ReadonlyArray<{ sp: Spatial | undefined; variance: Float64Array }>,
  axes: number,
): Spatial {
  const radius = RADIUS[axes] ?? 1;
  const channels = max(...parts.map((p) => p.variance.length));
  const size = (2 * radius + 1) ** axes;
  const centre = (size - 1) / 2;
  const rho: Float64Array[] = [];
  for (let c = 0; c < channels; c++) {
    const row = new Float64Array(size);
    let total = 0;
    for (const { sp, variance } of parts) {
      const v = variance[c % variance.length];
      total += v;
      if (sp && sp.radius === radius && sp.axes === axes) {
        const r = rhoOf(sp, c);
        for (let i = 0; i < size; i++) row[i] += v * r[i];
      } else row[centre] += v;
    }
    rho.push(total > 0 ? row.map((x) => x / total) : row.map((_, i) => (i === centre ? 1 : 0)));
  }
  return { axes, radius, rho };
}

/** The pooling window's positions (row-major over the window), for correlations inside it. */
function windowPositions(window: readonly number[]): number[][] {
  let positions: number[][] = [[]];
  for (const k of window) positions = positions.flatMap((p) => Array.from({ length: k }, (_, j) => [...p, j]));
  return positions;
}

/**
 * For every grid offset delta of a pooled output, the input offsets s delta + p - q of every pair of window positions
 * (p, q) that fall on the grid, as indices (the same for every channel); cached per geometry.
 */
const windowTables = new Map<string, Int32Array[]>();
function windowPairs(
  axes: number,
  radius: number,
  window: readonly number[],
  strides: readonly number[],
): Int32Array[] {
  const key = `${axes}/${radius}/${window}/${strides}`;
  let table = windowTables.get(key);
  if (!table) {
    const positions = windowPositions(window);
    table = offsetGrid(axes, radius).map((delta) => {
      const at: number[] = [];
      for (const p of positions) {
        for (const q of positions) {
          const i = indexOf(
            delta.map((d, a) => d * strides[a] + p[a] - q[a]),
            radius,
          );
          if (i >= 0) at.push(i);
        }
      }
      return Int32Array.from(at);
    });
    windowTables.set(key, table);
  }
  return table;
}

/**
 * Average pooling of correlated positions: per channel, the window mean's variance over the independent value
 * (var / n): sum_{p,q} rho(p - q) / n; and the pooled output's correlation at each offset, from
 * sum_{p,q} rho(s delta + p - q).
 */
export function averagedCorrelation(
  sp: Spatial,
  window: readonly number[],
  strides: readonly number[],
): { inflation: Float64Array; out: Spatial } {
  const pairs = windowPairs(sp.axes, sp.radius, window, strides);
  const n = window.reduce((a, b) => a * b, 1);
  const centre = (pairs.length - 1) / 2;
  const inflation = new Float64Array(sp.rho.length);
  const rho = sp.rho.map((r, c) => {
    const row = Float64Array.from(pairs, (at) => {
      let sum = 0;
      for (let k = 0; k < at.length; k++) sum += r[at[k]];
      return sum / (n * n);
    });
    inflation[c] = row[centre] * n;
    return row[centre] > 0 ? row.map((x) => x / row[centre]) : row;
  });
  return { inflation, out: { axes: sp.axes, radius: sp.radius, rho } };
}

/** The mean correlation between two distinct positions of a pooling window, per channel. */
export function windowCorrelation(sp: Spatial, window: readonly number[]): Float64Array {
  const n = window.reduce((a, b) => a * b, 1);
  // the pairs of the window with itself (the grid's centre, offset 0), its n diagonal pairs (index centre) left out
  const centre = ((2 * sp.radius + 1) ** sp.axes - 1) / 2;
  const at = windowPairs(sp.axes, sp.radius, window, window)[centre];
  return Float64Array.from(sp.rho, (r) => {
    if (n < 2) return 0;
    let sum = 0;
    for (let k = 0; k < at.length; k++) if (at[k] !== centre) sum += r[at[k]];
    return sum / (n * (n - 1));
  });
}

/**
 * Global pooling over a grid of `sizes` positions: per channel, the variance inflation of the mean over the
 * independent value, sum_delta w(delta) rho(delta) (w the share of position pairs at offset delta), and the mean
 * correlation between two distinct positions.
 */
export function globalCorrelation(
  sp: Spatial,
  sizes: readonly number[],
): { inflation: Float64Array; mean: Float64Array } {
  const grid = offsetGrid(sp.axes, sp.radius);
  const weights = grid.map((delta) => delta.reduce((acc, d, a) => (acc * max(0, sizes[a] - abs(d))) / sizes[a], 1));
  const total = sizes.reduce((a, b) => a * b, 1);
  const inflation = new Float64Array(sp.rho.length);
  const mean = new Float64Array(sp.rho.length);
  sp.rho.forEach((r, c) => {
    let sum = 0;
    grid.forEach((_, g) => (sum += weights[g] * r[g]));
    inflation[c] = sum;
    mean[c] = total > 1 ? max(0, (sum - 1) / (total - 1)) : 0;
  });
  return { inflation, mean };
}

/**
 * Correlations after independent noise raised each channel's variance from `before` to `after` (dropout, additive
 * or multiplicative noise): the covariance between distinct positions is unchanged.
 */
export function diluted(sp: Spatial, before: Float64Array, after: Float64Array): Spatial {
  const centre = ((2 * sp.radius + 1) ** sp.axes - 1) / 2;
  return {
    axes: sp.axes,
    radius: sp.radius,
    rho: sp.rho.map((r, c) => {
      const f = after[c % after.length] > 0 ? before[c % before.length] / after[c % after.length] : 0;
      return r.map((x, i) => (i === centre ? 1 : x * f));
    }),
  };
}

/** Channels [from, to) of a correlation, or several side by side. */
export function sliceSpatial(sp: Spatial, from: number, to: number): Spatial {
  return { ...sp, rho: sp.rho.slice(from, to) };
}

/**
 * The correlation after positions are reshaped row-major from `from` to `to` (the channels kept): for each offset of
 * the new grid, the old correlation at the old offset between the two positions, averaged over the positions.
 */
export function reshapedCorrelation(sp: Spatial, from: readonly number[], to: readonly number[]): Spatial {
  const axes = to.length;
  const radius = RADIUS[axes] ?? 1;
  const unflatten = (flat: number, dims: readonly number[]): number[] => {
    const out = new Array<number>(dims.length);
    for (let a = dims.length - 1; a >= 0; a--) {
      out[a] = flat % dims[a];
      flat = Math.floor(flat / dims[a]);
    }
    return out;
  };
  const flatten = (p: readonly number[], dims: readonly number[]): number =>
    p.reduce((acc, v, a) => acc * dims[a] + v, 0);
  const total = to.reduce((a, b) => a * b, 1);
  const step = Math.max(1, Math.floor(total / 1024)); // a sample of positions keeps large grids cheap
  const grid = offsetGrid(axes, radius);
  const rho = sp.rho.map((r) =>
    Float64Array.from(grid, (delta) => {
      let [sum, count] = [0, 0];
      for (let flat = 0; flat < total; flat += step) {
        const p = unflatten(flat, to);
        const q = p.map((v, a) => v + delta[a]);
        if (q.some((v, a) => v < 0 || v >= to[a])) continue;
        const [op, oq] = [unflatten(flat, from), unflatten(flatten(q, to), from)];
        const at = indexOf(
          oq.map((v, a) => v - op[a]),
          sp.radius,
        );
        sum += at >= 0 ? r[at] : 0;
        count++;
      }
      return count ? sum / count : 0;
    }),
  );
  return { axes, radius, rho };
}
