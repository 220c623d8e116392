/**
 * Per-position moments: each channel's mean and variance at every position of a spatial grid. Per-channel moments
 * average over positions, and that loses what a convolution does with a position's own mean: near a border, or
 * after one, a relu output's mean differs from position to position, and a kernel sums those means coherently,
 * (sum_t w_t mu_t)^2, where the per-channel view adds their spread as if it were independent noise,
 * sum_t w_t^2 var. On a 30-conv VGG-style net without normalization the per-channel view lost 5-16% of each conv's
 * second moment, compounding to 9x; position by position each conv is within 0.1% of the measurement from the
 * 11th on (fed the measured input), the first stage's 8 channels within 6%, their covariance left out.
 *
 * Positions whose moments are equal share one stored cell, axis by axis: an output position's cell is the list of
 * (tap, input cell) pairs it reads, so the interior of a large map stays one cell and each layer's kernel carries the
 * border's cells one reach further in. A map costs what its distinct positions cost, never more than one example's
 * forward pass (twice: means and variances). Variances are over examples at a position; the spatial correlation
 * between positions stays per channel (moments_spatial.ts) and enters as each output channel's inflation. Pure
 * functions over typed arrays; no tfjs.
 */
import { AxisReads, ConvGeometry, KernelKind, axisReads, correlatedTaps } from './moments_conv.js';
import { Stats, maxPooledCorrelation, mixedMaximum, windowMaximum } from './moments.js';
import { averagedCorrelation, independent, windowCorrelation } from './moments_spatial.js';

const { max, sqrt } = Math;

/** One spatial axis of a position map. */
export interface MapAxis {
  /** Per position along the axis: the cell that holds its moments. */
  cell: Int32Array;
  /** Cells along the axis. */
  cells: number;
}

/** Moments at every position: positions that share a cell along every axis share their moments. */
export interface PositionMap {
  /** The spatial axes, in order. */
  axes: readonly MapAxis[];
  /** Channels (the last axis). */
  channels: number;
  /** E[x] per cell (row-major over the axes' cells) and channel. */
  mean: Float64Array;
  /** Var(x) over examples per cell and channel. */
  variance: Float64Array;
}

/** The positions along each axis. */
export const mapDims = (map: PositionMap): number[] => map.axes.map((a) => a.cell.length);

/** The map of `s` when it describes a tensor of `shape` (channels last, batch first), else null. */
export function positionsOf(s: Stats, shape: readonly (number | null)[]): PositionMap | null {
  const map = s.positions;
  if (!map) return null;
  const dims = shape.slice(1, -1);
  const fits =
    dims.length === map.axes.length &&
    dims.every((n, a) => n === map.axes[a].cell.length) &&
    shape[shape.length - 1] === map.channels;
  return fits ? map : null;
}

/** A map whose every position has the per-channel `mean` and `variance`. */
export function uniformMap(dims: readonly number[], mean: Float64Array, variance: Float64Array): PositionMap {
  return {
    axes: dims.map((n) => ({ cell: new Int32Array(n), cells: 1 })),
    channels: mean.length,
    mean: Float64Array.from(mean),
    variance: Float64Array.from(variance),
  };
}

/** Per flat cell: the share of all positions it holds (the product of its axes' shares). */
function cellWeights(axes: readonly MapAxis[]): Float64Array {
  let weights = Float64Array.of(1);
  for (const axis of axes) {
    const counts = new Float64Array(axis.cells);
    for (const c of axis.cell) counts[c] += 1 / axis.cell.length;
    const next = new Float64Array(weights.length * axis.cells);
    for (let i = 0; i < weights.length; i++) {
      for (let c = 0; c < axis.cells; c++) next[i * axis.cells + c] = weights[i] * counts[c];
    }
    weights = next;
  }
  return weights;
}

/** Per channel: E[x] and E[x^2] over every position, and the average variance at a position (`within`). */
export function summarize(map: PositionMap): { mean: Float64Array; m2: Float64Array; within: Float64Array } {
  const C = map.channels;
  const mean = new Float64Array(C);
  const m2 = new Float64Array(C);
  const within = new Float64Array(C);
  const weights = cellWeights(map.axes);
  for (let cell = 0; cell < weights.length; cell++) {
    const w = weights[cell];
    if (w === 0) continue;
    for (let c = 0; c < C; c++) {
      const [mu, v] = [map.mean[cell * C + c], map.variance[cell * C + c]];
      mean[c] += w * mu;
      m2[c] += w * (v + mu * mu);
      within[c] += w * v;
    }
  }
  return { mean, m2, within };
}

/** Stats whose per-channel moments are the map's summary, with the map and the per-channel extras of `extras`. */
export function withMap(map: PositionMap, extras: Omit<Stats, 'mean' | 'm2' | 'positions'> = {}): Stats {
  const { mean, m2 } = summarize(map);
  return { ...extras, mean, m2, positions: map };
}

/** Each channel's average variance at a position: the map's, else the per-channel variance. */
function withinVariance(s: Stats): Float64Array {
  return s.positions ? summarize(s.positions).within : s.mean.map((mu, c) => max(0, s.m2[c] - mu * mu));
}

/** Groups one axis's output positions by the (slot, input cell) pairs they read: its cells and each one's pairs. */
function gatherAxis(
  input: MapAxis,
  reads: AxisReads,
): { axis: MapAxis; sources: Array<ReadonlyArray<readonly [number, number]>> } {
  // positions outside the map (cell -1: padding a max ignores) are not read
  return cellsOf(reads.length, (p) =>
    reads[p].map(([slot, i]) => [slot, input.cell[i]] as const).filter(([, c]) => c >= 0),
  );
}

/**
 * One axis's cells: position p's source is `sourceOf(p)` (a list of numbers or pairs), and positions with equal
 * sources share a cell; the sources per cell, in cell order.
 */
function cellsOf<S extends ReadonlyArray<number | readonly [number, number]>>(
  n: number,
  sourceOf: (p: number) => S,
): { axis: MapAxis; sources: S[] } {
  const ids = new Map<string, number>();
  const cell = new Int32Array(n);
  const sources: S[] = [];
  for (let p = 0; p < n; p++) {
    const source = sourceOf(p);
    const key = source.join(';');
    let id = ids.get(key);
    if (id === undefined) {
      id = sources.length;
      ids.set(key, id);
      sources.push(source);
    }
    cell[p] = id;
  }
  return { axis: { cell, cells: sources.length }, sources };
}

/** The output cells of a gather over every axis, and per output cell its flat (slot, input cell) pairs. */
interface Gathered {
  /** The output's axes. */
  axes: MapAxis[];
  /** Per output cell (row-major): slot, input cell, slot, input cell, ... (slots row-major over the window). */
  pairs: Int32Array[];
}

/**
 * Output cells and what each reads, from per-axis reads: the product over axes of each axis's cells and pairs;
 * `slots` is the window's (or kernel's) size per axis.
 */
function gather(input: readonly MapAxis[], reads: readonly AxisReads[], slots: readonly number[]): Gathered {
  const perAxis = input.map((axis, a) => gatherAxis(axis, reads[a]));
  // the flat slot and input cell, extended axis by axis (row-major), starting from the one empty prefix (0, 0)
  let pairs: number[][] = [[0, 0]];
  perAxis.forEach((g, a) => {
    const next: number[][] = [];
    for (const outer of pairs) {
      for (const sources of g.sources) {
        const combined: number[] = [];
        for (let k = 0; k < outer.length; k += 2) {
          for (const [slot, cell] of sources) {
            combined.push(outer[k] * slots[a] + slot, outer[k + 1] * input[a].cells + cell);
          }
        }
        next.push(combined);
      }
    }
    pairs = next;
  });
  return { axes: perAxis.map((g) => g.axis), pairs: pairs.map((p) => Int32Array.from(p)) };
}

/** Reads of a conv's or pooling layer's geometry on every axis. */
const geometryReads = (g: ConvGeometry): AxisReads[] => g.kernel.map((_, a) => axisReads(g, a));

/**
 * A kernel [...taps, a, b] (kind as convolve's) applied position by position: each output cell's mean is the bias
 * plus sum over its in-range taps and input channels of w mu, its variance sum w^2 var times the output channel's
 * inflation by correlated input positions (correlatedTaps). Exact for the means; variances take channels as
 * uncorrelated and the spatial correlation as the same at every position.
 */
export function convolvePositions(
  s: Stats,
  map: PositionMap,
  kernel: Float32Array,
  shape: readonly number[],
  kind: KernelKind,
  bias: Float32Array | null,
  geometry: ConvGeometry,
): Stats {
  const [a, b] = shape.slice(-2);
  const inCh = kind === 'transposed' ? b : a;
  const outCh = kind === 'transposed' ? a : kind === 'depthwise' ? a * b : b;
  const within = withinVariance(s);
  const { inflation, spatial } = correlatedTaps(s, within, kernel, shape, kind, geometry, [0, outCh]);
  const g = gather(map.axes, geometryReads(geometry), geometry.kernel);
  const cells = g.pairs.length;
  const mean = new Float64Array(cells * outCh);
  const variance = new Float64Array(cells * outCh);
  const weights = Float64Array.from(kernel);
  const squares = weights.map((w) => w * w);
  const accumulate = kind === 'depthwise' ? depthwiseTaps : kind === 'transposed' ? transposedTaps : convTaps;
  for (let cell = 0; cell < cells; cell++) {
    const out = cell * outCh;
    if (bias) for (let o = 0; o < outCh; o++) mean[out + o] = bias[o];
    const pairs = g.pairs[cell];
    for (let k = 0; k < pairs.length; k += 2) {
      accumulate(weights, squares, pairs[k] * a * b, map, pairs[k + 1] * inCh, inCh, b, mean, variance, out, outCh);
    }
    for (let o = 0; o < outCh; o++) variance[out + o] *= inflation[o];
  }
  return withMap({ axes: g.axes, channels: outCh, mean, variance }, spatial ? { spatial } : {});
}

/**
 * One tap of one input cell added to one output cell, for each kernel layout: `tap` the tap's offset in the kernel,
 * `at` the input cell's, `out` the output cell's. Separate loops per layout keep each one monomorphic.
 */
type TapLoop = (
  w: Float64Array,
  w2: Float64Array,
  tap: number,
  map: PositionMap,
  at: number,
  inCh: number,
  b: number,
  mean: Float64Array,
  variance: Float64Array,
  out: number,
  outCh: number,
) => void;

/** [..., in, out]: every input channel feeds every output channel. */
const convTaps: TapLoop = (w, w2, tap, map, at, inCh, b, mean, variance, out, outCh) => {
  const [mu, v] = [map.mean, map.variance];
  for (let i = 0; i < inCh; i++) {
    const m = mu[at + i];
    const s = v[at + i];
    if (m === 0 && s === 0) continue;
    const row = tap + i * b;
    for (let o = 0; o < outCh; o++) {
      mean[out + o] += w[row + o] * m;
      variance[out + o] += w2[row + o] * s;
    }
  }
};

/** [..., channels, multiplier]: output c M + m sees input c only. */
const depthwiseTaps: TapLoop = (w, w2, tap, map, at, inCh, b, mean, variance, out) => {
  const [mu, v] = [map.mean, map.variance];
  for (let i = 0; i < inCh; i++) {
    const m = mu[at + i];
    const s = v[at + i];
    const row = tap + i * b;
    const o = out + i * b;
    for (let k = 0; k < b; k++) {
      mean[o + k] += w[row + k] * m;
      variance[o + k] += w2[row + k] * s;
    }
  }
};

/** [..., out, in] (a transposed convolution's kernel). */
const transposedTaps: TapLoop = (w, w2, tap, map, at, inCh, b, mean, variance, out, outCh) => {
  const [mu, v] = [map.mean, map.variance];
  for (let o = 0; o < outCh; o++) {
    const row = tap + o * b;
    let [m1, s1] = [0, 0];
    for (let i = 0; i < inCh; i++) {
      m1 += w[row + i] * mu[at + i];
      s1 += w2[row + i] * v[at + i];
    }
    mean[out + o] += m1;
    variance[out + o] += s1;
  }
};

/**
 * Average pooling position by position: each output cell's mean is its window's mean over the positions inside the
 * input, its variance their variances' sum over n^2 times the window's correlation inflation.
 */
export function averagePoolPositions(
  s: Stats,
  map: PositionMap,
  geometry: ConvGeometry,
  window: { size: readonly number[]; strides: readonly number[] },
): Stats {
  const C = map.channels;
  const pooled = averagedCorrelation(
    s.spatial ?? independent(map.channels, window.size.length),
    window.size,
    window.strides,
  );
  const g = gather(map.axes, geometryReads(geometry), geometry.kernel);
  const mean = new Float64Array(g.pairs.length * C);
  const variance = new Float64Array(g.pairs.length * C);
  g.pairs.forEach((pairs, cell) => {
    const n = pairs.length / 2;
    if (n === 0) return;
    for (let k = 1; k < pairs.length; k += 2) {
      const at = pairs[k] * C;
      for (let c = 0; c < C; c++) {
        mean[cell * C + c] += map.mean[at + c] / n;
        variance[cell * C + c] += map.variance[at + c] / (n * n);
      }
    }
    for (let c = 0; c < C; c++) variance[cell * C + c] *= pooled.inflation[c];
  });
  return withMap({ axes: g.axes, channels: C, mean, variance }, { spatial: pooled.out });
}

/**
 * Max pooling position by position, of the Gaussian pre-activations when the input is a nondecreasing activation's
 * output (max commutes with it): a window of one cell by its order statistics (windowMaximum), a window across
 * cells by Clark's recursion (mixedMaximum); positions equicorrelated at the window's mean correlation. `map`: the
 * positions of the values maxed (the pre-activations where `s` has them).
 */
export function maxPoolPositions(
  s: Stats,
  map: PositionMap,
  geometry: ConvGeometry,
  window: { size: readonly number[]; strides: readonly number[] },
): Stats {
  const pre = s.before?.input ?? s;
  const C = map.channels;
  const correlation = pre.spatial ? windowCorrelation(pre.spatial, window.size) : null;
  const g = gather(map.axes, geometryReads(geometry), geometry.kernel);
  const mean = new Float64Array(g.pairs.length * C);
  const variance = new Float64Array(g.pairs.length * C);
  const homogeneous = new Map<number, ReturnType<typeof windowMaximum>>();
  const mus: number[] = [];
  const sds: number[] = [];
  g.pairs.forEach((pairs, cell) => {
    const n = pairs.length / 2;
    if (n === 0) return;
    let same = true;
    for (let k = 3; k < pairs.length; k += 2) same &&= pairs[k] === pairs[1];
    for (let c = 0; c < C; c++) {
      const r = correlation ? correlation[c % correlation.length] : 0;
      let m1: number;
      let m2: number;
      if (same) {
        let f = homogeneous.get(n);
        if (!f) homogeneous.set(n, (f = windowMaximum(s.before, n)));
        const at = pairs[1] * C + c;
        [m1, m2] = f.moments(map.mean[at], sqrt(map.variance[at]), r);
      } else {
        mus.length = 0;
        sds.length = 0;
        for (let k = 1; k < pairs.length; k += 2) {
          mus.push(map.mean[pairs[k] * C + c]);
          sds.push(sqrt(map.variance[pairs[k] * C + c]));
        }
        [m1, m2] = mixedMaximum(s.before, mus, sds, r);
      }
      mean[cell * C + c] = m1;
      variance[cell * C + c] = max(0, m2 - m1 * m1);
    }
  });
  const out: PositionMap = { axes: g.axes, channels: C, mean, variance };
  const spatial = maxPooledCorrelation(s, window.size, window.strides, withinVariance(pre), summarize(out).within);
  return withMap(out, { spatial });
}

/** Maps refined to one cell layout: each input's values re-indexed onto the common cells. */
function align(maps: readonly PositionMap[]): { axes: MapAxis[]; maps: PositionMap[] } {
  const k = maps[0].axes.length;
  // per axis: a common cell per distinct tuple of the inputs' cells, and each input's cell for it
  const axes: MapAxis[] = [];
  const pick: Int32Array[][] = maps.map(() => []);
  for (let a = 0; a < k; a++) {
    const { axis, sources } = cellsOf(maps[0].axes[a].cell.length, (p) => maps.map((m) => m.axes[a].cell[p]));
    axes.push(axis);
    maps.forEach((_, i) => pick[i].push(Int32Array.from(sources, (t) => t[i])));
  }
  const total = axes.reduce((acc, a) => acc * a.cells, 1);
  const aligned = maps.map((m, i) => {
    const C = m.channels;
    const mean = new Float64Array(total * C);
    const variance = new Float64Array(total * C);
    for (let flat = 0; flat < total; flat++) {
      // the input's flat cell for this common cell
      let [rest, at] = [flat, 0];
      const index: number[] = [];
      for (let a = k - 1; a >= 0; a--) {
        index[a] = rest % axes[a].cells;
        rest = Math.floor(rest / axes[a].cells);
      }
      for (let a = 0; a < k; a++) at = at * m.axes[a].cells + pick[i][a][index[a]];
      mean.set(m.mean.subarray(at * C, at * C + C), flat * C);
      variance.set(m.variance.subarray(at * C, at * C + C), flat * C);
    }
    return { axes, channels: C, mean, variance };
  });
  return { axes, maps: aligned };
}

/** A map's elements (cell by cell, channels inside) as per-channel moments: the per-channel rules act on them. */
const elementsOf = (map: PositionMap): Stats => ({
  mean: map.mean,
  m2: map.variance.map((v, j) => v + map.mean[j] * map.mean[j]),
});

/**
 * A per-channel rule that acts on each element alone (an activation, a sum or product of independent signals, an
 * affine map, noise) applied position by position: `f` on the maps' elements, aligned to one cell layout, and on
 * the per-channel inputs for what it adds per channel (the spatial correlation; `before`, pointed at the input's
 * positions). Inputs without a map of one layout: `f` on the per-channel inputs alone.
 */
export function elementwise(inputs: readonly Stats[], f: (xs: Stats[]) => Stats): Stats {
  const perChannel = f(inputs.map(({ positions: _, ...rest }) => rest));
  const maps = oneGrid(inputs);
  if (!maps || maps.some((m) => m.channels !== maps[0].channels)) return perChannel;
  const { axes, maps: aligned } = align(maps);
  const out = f(aligned.map(elementsOf));
  const map: PositionMap = {
    axes,
    channels: maps[0].channels,
    mean: Float64Array.from(out.mean),
    variance: out.m2.map((m2, j) => max(0, m2 - out.mean[j] * out.mean[j])),
  };
  const { positions: _, mean: _m, m2: _m2, ...extras } = perChannel;
  const before = extras.before && inputs.length === 1 ? { ...extras.before, input: inputs[0] } : extras.before;
  return withMap(map, before ? { ...extras, before } : extras);
}

/** A linear map's output had its weights been multiplied by `factor`: means times it, variances times its square. */
export function scaledLinearly(s: Stats, factor: number): Stats {
  const { positions: map, ...rest } = s;
  const out: Stats = { ...rest, mean: s.mean.map((m) => m * factor), m2: s.m2.map((m) => m * factor * factor) };
  if (!map) return out;
  return {
    ...out,
    positions: {
      ...map,
      mean: map.mean.map((m) => m * factor),
      variance: map.variance.map((v) => v * factor * factor),
    },
  };
}

/**
 * y = a_c x + b_c per channel c (a normalization with its statistics fixed): means a mu + b, variances a^2 var,
 * position by position where `s` has a map; the spatial correlation kept.
 */
export function affineChannels(s: Stats, a: Float64Array, b: Float64Array): Stats {
  const at = (j: number): number => j % a.length;
  const mean = s.mean.map((mu, c) => a[at(c)] * mu + b[at(c)]);
  const m2 = s.mean.map((mu, c) => a[at(c)] ** 2 * max(0, s.m2[c] - mu * mu) + mean[c] ** 2);
  const extras = s.spatial ? { spatial: s.spatial } : {};
  const map = s.positions;
  if (!map) return { mean, m2, ...extras };
  const C = map.channels;
  return withMap(
    {
      ...map,
      mean: map.mean.map((mu, j) => a[j % C] * mu + b[j % C]),
      variance: map.variance.map((v, j) => a[j % C] ** 2 * v),
    },
    extras,
  );
}

/** The maps of every one of `parts`, when each has one and all cover one grid of positions; else null. */
function oneGrid(parts: readonly Stats[]): PositionMap[] | null {
  const maps = parts.map((p) => p.positions);
  const dims = maps[0] && mapDims(maps[0]).join();
  return maps.every((m) => m !== undefined && mapDims(m).join() === dims) ? (maps as PositionMap[]) : null;
}

/** Channels side by side, position by position (the maps aligned); null unless every part has a map of one grid. */
export function concatPositions(parts: readonly Stats[]): PositionMap | null {
  const maps = oneGrid(parts);
  if (!maps) return null;
  const { axes, maps: aligned } = align(maps);
  const channels = aligned.reduce((acc, m) => acc + m.channels, 0);
  const total = axes.reduce((acc, a) => acc * a.cells, 1);
  const mean = new Float64Array(total * channels);
  const variance = new Float64Array(total * channels);
  for (let cell = 0; cell < total; cell++) {
    let offset = cell * channels;
    for (const m of aligned) {
      mean.set(m.mean.subarray(cell * m.channels, (cell + 1) * m.channels), offset);
      variance.set(m.variance.subarray(cell * m.channels, (cell + 1) * m.channels), offset);
      offset += m.channels;
    }
  }
  return { axes, channels, mean, variance };
}

/**
 * The map after zeros are added around it (ZeroPadding): per axis a new cell of zeros for the added positions; a
 * cell that is zero along any axis holds mean 0 and variance 0.
 */
export function padPositions(map: PositionMap, before: readonly number[], after: readonly number[]): PositionMap {
  const axes = map.axes.map((axis, a) => {
    const cell = new Int32Array(before[a] + axis.cell.length + after[a]).fill(axis.cells);
    cell.set(axis.cell, before[a]);
    return { cell, cells: axis.cells + 1 };
  });
  return reindex(map, axes, (index) => (index.some((c, a) => c === map.axes[a].cells) ? -1 : flatOf(index, map.axes)));
}

/** The map with positions added around it that hold nothing (cell -1): a max pooling's windows leave them out. */
export function absentAround(map: PositionMap, before: readonly number[], after: readonly number[]): PositionMap {
  const axes = map.axes.map((axis, a) => {
    const cell = new Int32Array(before[a] + axis.cell.length + after[a]).fill(-1);
    cell.set(axis.cell, before[a]);
    return { cell, cells: axis.cells };
  });
  return { ...map, axes };
}

/** The map of positions [from, from + length) along every axis (cropping), or repeated (nearest upsampling). */
export function selectPositions(map: PositionMap, positions: ReadonlyArray<ArrayLike<number>>): PositionMap {
  const axes = map.axes.map((axis, a) => ({
    cell: Int32Array.from(positions[a], (p) => axis.cell[p]),
    cells: axis.cells,
  }));
  return { ...map, axes };
}

/** Row-major flat index of a cell multi-index over `axes`. */
const flatOf = (index: readonly number[], axes: readonly MapAxis[]): number =>
  index.reduce((acc, c, a) => acc * axes[a].cells + c, 0);

/** A map on new axes whose cells read the old flat cell `source(index)` (-1: zeros). */
function reindex(map: PositionMap, axes: MapAxis[], source: (index: number[]) => number): PositionMap {
  const C = map.channels;
  const total = axes.reduce((acc, a) => acc * a.cells, 1);
  const mean = new Float64Array(total * C);
  const variance = new Float64Array(total * C);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    const index: number[] = new Array(axes.length);
    for (let a = axes.length - 1; a >= 0; a--) {
      index[a] = rest % axes[a].cells;
      rest = Math.floor(rest / axes[a].cells);
    }
    const at = source(index);
    if (at < 0) continue;
    mean.set(map.mean.subarray(at * C, at * C + C), flat * C);
    variance.set(map.variance.subarray(at * C, at * C + C), flat * C);
  }
  return { axes, channels: C, mean, variance };
}

/**
 * Every element of the map as its own feature, in the tensor's row-major order (positions, then channels): what a
 * Flatten hands a Dense layer, whose units then see each input's own mean.
 */
export function flattenPositions(map: PositionMap): Stats {
  const C = map.channels;
  const dims = mapDims(map);
  const positions = dims.reduce((a, b) => a * b, 1);
  const mean = new Float64Array(positions * C);
  const m2 = new Float64Array(positions * C);
  for (let p = 0; p < positions; p++) {
    let [rest, at] = [p, 0];
    const index: number[] = new Array(dims.length);
    for (let a = dims.length - 1; a >= 0; a--) {
      index[a] = rest % dims[a];
      rest = Math.floor(rest / dims[a]);
    }
    for (let a = 0; a < dims.length; a++) at = at * map.axes[a].cells + map.axes[a].cell[index[a]];
    for (let c = 0; c < C; c++) {
      const [mu, v] = [map.mean[at * C + c], map.variance[at * C + c]];
      mean[p * C + c] = mu;
      m2[p * C + c] = v + mu * mu;
    }
  }
  return { mean, m2 };
}

/**
 * Per-feature moments laid out on a grid of `dims` positions and `channels` channels, row-major (a Reshape of flat
 * features into an image): one cell per axis when every position of a channel is alike, else a cell per position.
 * Null when the features are not one per element or one per channel.
 */
export function featuresToPositions(s: Stats, dims: readonly number[], channels: number): PositionMap | null {
  const positions = dims.reduce((a, b) => a * b, 1);
  const n = s.mean.length;
  if (n !== channels && n !== positions * channels) return null;
  const variance = s.mean.map((mu, j) => max(0, s.m2[j] - mu * mu));
  const alike =
    n === channels || s.mean.every((mu, j) => mu === s.mean[j % channels] && s.m2[j] === s.m2[j % channels]);
  if (alike) return uniformMap(dims, s.mean.slice(0, channels), variance.slice(0, channels));
  return {
    axes: dims.map((d) => ({ cell: Int32Array.from({ length: d }, (_, i) => i), cells: d })),
    channels,
    mean: Float64Array.from(s.mean),
    variance,
  };
}

/**
 * Global pooling of a map: per channel, the mean over positions is exact; the variance of an example's average is
 * the average variance at a position times `inflation` (the correlation across positions) over the positions.
 */
export function globalAveragePositions(map: PositionMap, inflation: Float64Array | null): Stats {
  const { mean, within } = summarize(map);
  const positions = mapDims(map).reduce((a, b) => a * b, 1);
  const m2 = mean.map((mu, c) => (within[c] * (inflation ? inflation[c] : 1)) / positions + mu * mu);
  return { mean, m2 };
}
