/**
 * Per-position moments (src/model/moments_positions.ts) against brute force on the full grid: a convolution's and
 * a pooling's output at every position computed directly from every input position, for compressed maps (positions
 * sharing cells) and for maps with a cell per position; zero padding, cropping, upsampling and flattening position
 * by position; and the max pooling pieces against simulation.
 */
import { leakyRectifierMoments } from '../../src/math/quadrature';
import { ConvGeometry } from '../../src/model/moments_conv';
import { Stats, maxPooledCorrelation, mixedMaximum, throughActivation } from '../../src/model/moments';
import {
  MapAxis,
  PositionMap,
  averagePoolPositions,
  convolvePositions,
  elementwise,
  featuresToPositions,
  flattenPositions,
  padPositions,
  selectPositions,
  summarize,
  withMap,
} from '../../src/model/moments_positions';
import { independent } from '../../src/model/moments_spatial';
import { standardNormal } from '../../src/sampling/distributions';
import { Xoshiro128 } from '../../src/sampling/prng';

const rng = new Xoshiro128(11);
const uniform = (lo: number, hi: number): number => lo + (hi - lo) * rng.nextFloat53();

/** Every position's [mean, variance] per channel, row-major: the map expanded. */
function expand(map: PositionMap): { mean: number[]; variance: number[]; dims: number[] } {
  const dims = map.axes.map((a) => a.cell.length);
  const total = dims.reduce((a, b) => a * b, 1);
  const mean: number[] = [];
  const variance: number[] = [];
  for (let p = 0; p < total; p++) {
    let [rest, at] = [p, 0];
    const index = dims.map(() => 0);
    for (let a = dims.length - 1; a >= 0; a--) {
      index[a] = rest % dims[a];
      rest = Math.floor(rest / dims[a]);
    }
    map.axes.forEach((axis, a) => (at = at * axis.cells + axis.cell[index[a]]));
    for (let c = 0; c < map.channels; c++) {
      mean.push(map.mean[at * map.channels + c]);
      variance.push(map.variance[at * map.channels + c]);
    }
  }
  return { mean, variance, dims };
}

/** A map with random moments whose positions i along axis a read cell i mod cells[a] (default: a cell each). */
function randomMap(dims: number[], channels: number, cells: number[] = dims): PositionMap {
  const axes: MapAxis[] = dims.map((n, a) => ({
    cell: Int32Array.from({ length: n }, (_, i) => i % cells[a]),
    cells: cells[a],
  }));
  const total = cells.reduce((x, y) => x * y, 1) * channels;
  return {
    axes,
    channels,
    mean: Float64Array.from({ length: total }, () => uniform(-1, 1)),
    variance: Float64Array.from({ length: total }, () => uniform(0.1, 2)),
  };
}

/** Padding before the first position, as tfjs computes it. */
function padBefore(n: number, out: number, k: number, s: number, d: number, padding: string): number {
  return padding === 'same' ? Math.floor(Math.max((out - 1) * s + (k - 1) * d + 1 - n, 0) / 2) : 0;
}

/** Brute force: every output position of a 2-D conv [kh, kw, in, out] from every input position it reads. */
function bruteConv(
  map: PositionMap,
  kernel: Float32Array,
  shape: number[],
  g: ConvGeometry,
  depthwise: boolean,
): { mean: number[]; variance: number[] } {
  const x = expand(map);
  const [kh, kw, a, b] = shape;
  const outCh = depthwise ? a * b : b;
  const [H, W] = x.dims;
  const [OH, OW] = g.output;
  const before = [0, 1].map((ax) =>
    padBefore(g.input[ax], g.output[ax], g.kernel[ax], g.strides[ax], g.dilation[ax], g.padding),
  );
  const mean: number[] = [];
  const variance: number[] = [];
  for (let y = 0; y < OH; y++) {
    for (let z = 0; z < OW; z++) {
      for (let o = 0; o < outCh; o++) {
        let [m, v] = [0, 0];
        for (let ty = 0; ty < kh; ty++) {
          for (let tz = 0; tz < kw; tz++) {
            const iy = y * g.strides[0] - before[0] + ty * g.dilation[0];
            const iz = z * g.strides[1] - before[1] + tz * g.dilation[1];
            if (iy < 0 || iy >= H || iz < 0 || iz >= W) continue;
            for (let i = 0; i < a; i++) {
              if (depthwise && Math.floor(o / b) !== i) continue;
              const w = kernel[((ty * kw + tz) * a + i) * b + (depthwise ? o % b : o)];
              const at = (iy * W + iz) * map.channels + i;
              m += w * x.mean[at];
              v += w * w * x.variance[at];
            }
          }
        }
        mean.push(m);
        variance.push(v);
      }
    }
  }
  return { mean, variance };
}

const geometry = (input: number[], output: number[], k: number, s: number, d: number, padding: 'same' | 'valid') =>
  ({ input, output, kernel: [k, k], strides: [s, s], dilation: [d, d], padding }) as ConvGeometry;

const outSize = (n: number, k: number, s: number, d: number, padding: string): number =>
  padding === 'same' ? Math.ceil(n / s) : Math.ceil((n - (k - 1) * d) / s);

describe('per-position moments', () => {
  const cases = [
    { k: 3, s: 1, d: 1, padding: 'same' as const, depthwise: false },
    { k: 3, s: 2, d: 1, padding: 'same' as const, depthwise: false },
    { k: 3, s: 2, d: 1, padding: 'valid' as const, depthwise: false },
    { k: 3, s: 1, d: 2, padding: 'same' as const, depthwise: false },
    { k: 5, s: 1, d: 1, padding: 'same' as const, depthwise: false },
    { k: 3, s: 2, d: 1, padding: 'same' as const, depthwise: true },
  ];
  it.each(cases)(
    'a conv ($k x $k, stride $s, dilation $d, $padding, depthwise $depthwise) equals brute force at every position',
    ({ k, s, d, padding, depthwise }) => {
      for (const map of [randomMap([9, 7], 3), randomMap([12, 11], 3, [3, 2])]) {
        const [a, b] = depthwise ? [3, 2] : [3, 4];
        const shape = [k, k, a, b];
        const kernel = Float32Array.from({ length: k * k * a * b }, () => uniform(-1, 1));
        const dims = map.axes.map((x) => x.cell.length);
        const g = geometry(
          dims,
          dims.map((n) => outSize(n, k, s, d, padding)),
          k,
          s,
          d,
          padding,
        );
        const stats = withMap(map);
        // no spatial correlation given: positions independent, so no inflation
        const out = convolvePositions(stats, map, kernel, shape, depthwise ? 'depthwise' : 'conv', null, g);
        const got = expand(out.positions as PositionMap);
        const want = bruteConv(map, kernel, shape, g, depthwise);
        expect(got.dims).toEqual(g.output);
        // both sum the same products in another order: float64 rounding only
        got.mean.forEach((m, j) => expect(m).toBeCloseTo(want.mean[j], 10));
        got.variance.forEach((v, j) => expect(v).toBeCloseTo(want.variance[j], 10));
        // the per-channel moments are the positions' averages
        const { mean, m2 } = summarize(out.positions as PositionMap);
        expect(Array.from(out.mean)).toEqual(Array.from(mean));
        expect(Array.from(out.m2)).toEqual(Array.from(m2));
      }
    },
  );

  it('positions that read the same cells share one: a large map stays a few cells per axis', () => {
    const dims = [64, 64];
    const uniformIn = (cellOf: (i: number) => number, cells: number): PositionMap => ({
      axes: dims.map((n) => ({ cell: Int32Array.from({ length: n }, (_, i) => cellOf(i)), cells })),
      channels: 2,
      mean: new Float64Array(cells * cells * 2),
      variance: new Float64Array(cells * cells * 2).fill(1),
    });
    const kernel = Float32Array.from({ length: 9 * 2 * 2 }, () => uniform(-1, 1));
    const g = geometry(dims, dims, 3, 1, 1, 'same');
    let s: Stats = withMap(uniformIn(() => 0, 1));
    let full: Stats = withMap(uniformIn((i) => i, 64));
    for (let layer = 1; layer <= 3; layer++) {
      s = convolvePositions(s, s.positions as PositionMap, kernel, [3, 3, 2, 2], 'conv', null, g);
      full = convolvePositions(full, full.positions as PositionMap, kernel, [3, 3, 2, 2], 'conv', null, g);
      // each 3x3 'same' conv carries the border one position further in: 2 layer + 1 cells per axis
      expect((s.positions as PositionMap).axes.map((a) => a.cells)).toEqual([2 * layer + 1, 2 * layer + 1]);
    }
    // and the compressed map holds what the map with a cell per position holds, at every position
    const [a, b] = [expand(s.positions as PositionMap), expand(full.positions as PositionMap)];
    // the same sums in another order: float64 rounding of values up to a few hundred
    a.mean.forEach((m, j) => expect(m).toBeCloseTo(b.mean[j], 9));
    a.variance.forEach((v, j) => expect(v).toBeCloseTo(b.variance[j], 9));
  });

  it('average pooling (same borders count the positions inside) equals brute force', () => {
    const map = randomMap([7, 6], 2);
    const g = geometry([7, 6], [4, 3], 3, 2, 1, 'same');
    const out = averagePoolPositions(withMap(map), map, g, { size: [3, 3], strides: [2, 2] });
    const x = expand(map);
    const got = expand(out.positions as PositionMap);
    // brute force: the mean of the window's positions inside the input; independent positions: variances / n^2
    const before = [padBefore(7, 4, 3, 2, 1, 'same'), padBefore(6, 3, 3, 2, 1, 'same')];
    let j = 0;
    for (let y = 0; y < 4; y++) {
      for (let z = 0; z < 3; z++) {
        for (let c = 0; c < 2; c++, j++) {
          const inside: number[] = [];
          for (let ty = 0; ty < 3; ty++) {
            for (let tz = 0; tz < 3; tz++) {
              const [iy, iz] = [y * 2 - before[0] + ty, z * 2 - before[1] + tz];
              if (iy >= 0 && iy < 7 && iz >= 0 && iz < 6) inside.push((iy * 6 + iz) * 2 + c);
            }
          }
          const n = inside.length;
          expect(got.mean[j]).toBeCloseTo(inside.reduce((acc, at) => acc + x.mean[at], 0) / n, 12);
          expect(got.variance[j]).toBeCloseTo(inside.reduce((acc, at) => acc + x.variance[at], 0) / (n * n), 12);
        }
      }
    }
  });

  it('zero padding, cropping, nearest upsampling and flattening move every position exactly', () => {
    const map = randomMap([5, 4], 2, [2, 2]);
    const x = expand(map);
    const padded = expand(padPositions(map, [1, 0], [2, 1]));
    expect(padded.dims).toEqual([8, 5]);
    for (let y = 0; y < 8; y++) {
      for (let z = 0; z < 5; z++) {
        for (let c = 0; c < 2; c++) {
          const inside = y >= 1 && y < 6 && z < 4;
          const at = ((y - 1) * 4 + z) * 2 + c;
          expect(padded.mean[(y * 5 + z) * 2 + c]).toBe(inside ? x.mean[at] : 0);
          expect(padded.variance[(y * 5 + z) * 2 + c]).toBe(inside ? x.variance[at] : 0);
        }
      }
    }
    const rows = Int32Array.of(1, 2, 3);
    const cols = Int32Array.of(0, 0, 1, 1, 2, 2, 3, 3);
    const picked = expand(selectPositions(map, [rows, cols]));
    rows.forEach((r, y) =>
      cols.forEach((col, z) => expect(picked.mean[(y * 8 + z) * 2 + 1]).toBe(x.mean[(r * 4 + col) * 2 + 1])),
    );
    const flat = flattenPositions(map);
    expect(Array.from(flat.mean)).toEqual(x.mean);
    expect(Array.from(flat.m2)).toEqual(x.variance.map((v, j) => v + x.mean[j] ** 2));
  });

  it('flat features reshaped into an image: one cell when every position is alike, else a cell per position', () => {
    const alike = featuresToPositions(
      { mean: new Float64Array(12), m2: new Float64Array(12).fill(2) },
      [3, 2],
      2,
    ) as PositionMap;
    expect(alike.axes.map((a) => a.cells)).toEqual([1, 1]);
    expect(expand(alike).variance).toEqual(new Array(12).fill(2));
    const mean = Float64Array.from({ length: 12 }, (_, j) => j / 10);
    const own = featuresToPositions({ mean, m2: mean.map((m) => m * m + 1) }, [3, 2], 2) as PositionMap;
    // feature j is position floor(j / 2), channel j mod 2, row-major: the map gives each its own moments back
    expect(expand(own).mean.map((m) => Math.round(m * 10))).toEqual(Array.from(mean, (_, j) => j));
    expect(featuresToPositions({ mean: new Float64Array(5), m2: new Float64Array(5) }, [3, 2], 2)).toBeNull();
  });

  it('an activation acts on every position: each element through the Gaussian expectation', () => {
    const map = randomMap([3, 4], 2);
    const out = elementwise([withMap(map, { spatial: independent(2, 2) })], ([s]) => throughActivation(s, 'relu', 0));
    const got = expand(out.positions as PositionMap);
    const x = expand(map);
    x.mean.forEach((mu, j) => {
      const [m1, m2] = leakyRectifierMoments(mu, Math.sqrt(x.variance[j]), 0);
      expect(got.mean[j]).toBeCloseTo(m1, 12);
      expect(got.variance[j]).toBeCloseTo(m2 - m1 * m1, 12);
    });
    // the per-channel extras are kept: the correlation across positions, and the Gaussian inputs for a max pooling
    expect(out.spatial).toBeDefined();
    expect(out.before?.input.positions).toBe(map);
  });
});

describe('max pooling of correlated and unequal positions', () => {
  const normals = (n: number): Float64Array => Float64Array.from({ length: n }, () => standardNormal(rng));

  it('overlapping windows: the correlation of their maxima matches simulation', () => {
    // 3x3 windows, stride 2, independent positions: neighbouring windows share a column of 3
    const s: Stats = { mean: Float64Array.of(0), m2: Float64Array.of(1), spatial: independent(1, 2) };
    const sp = maxPooledCorrelation(s, [3, 3], [2, 2], Float64Array.of(1), Float64Array.of(1));
    const centre = (sp.rho[0].length - 1) / 2;
    const [side, corner] = [sp.rho[0][centre + 1], sp.rho[0][centre + 8]];
    // simulation: 200,000 pairs of windows; the correlation's standard error is about 0.002
    const N = 200_000;
    let [a1, b1, ab, aa, bb, c1, ac, cc] = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let t = 0; t < N; t++) {
      const x = normals(25); // a 5x5 patch: windows at (0, 0), (0, 2) and (2, 2)
      const max = (y: number, z: number): number => {
        let m = -Infinity;
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) m = Math.max(m, x[(y + i) * 5 + z + j]);
        return m;
      };
      const [p, q, r] = [max(0, 0), max(0, 2), max(2, 2)];
      a1 += p;
      b1 += q;
      c1 += r;
      ab += p * q;
      ac += p * r;
      aa += p * p;
      bb += q * q;
      cc += r * r;
    }
    const corr = (xy: number, x: number, y: number, xx: number, yy: number): number =>
      (xy / N - (x / N) * (y / N)) / Math.sqrt((xx / N - (x / N) ** 2) * (yy / N - (y / N) ** 2));
    expect(Math.abs(side - corr(ab, a1, b1, aa, bb))).toBeLessThan(0.01);
    expect(Math.abs(corner - corr(ac, a1, c1, aa, cc))).toBeLessThan(0.01);
  });

  it("a window across a border (unequal means and spreads) through relu: Clark's recursion within 3% of simulation", () => {
    const mus = [0, 1, -1, 0.5];
    const sds = [1, 0.5, 2, 1.5];
    const before = {
      input: { mean: new Float64Array(1), m2: new Float64Array(1) },
      activation: 'relu' as const,
      alpha: 0,
    };
    for (const r of [0, 0.4]) {
      const [m1, m2] = mixedMaximum(before, mus, sds, r);
      // 200,000 windows: standard errors about 0.3% of each moment
      const N = 200_000;
      let [s1, s2] = [0, 0];
      for (let t = 0; t < N; t++) {
        const z0 = standardNormal(rng);
        let m = -Infinity;
        mus.forEach((mu, k) => {
          m = Math.max(m, mu + sds[k] * (Math.sqrt(r) * z0 + Math.sqrt(1 - r) * standardNormal(rng)));
        });
        s1 += Math.max(m, 0);
        s2 += Math.max(m, 0) ** 2;
      }
      expect(Math.abs(m1 / (s1 / N) - 1)).toBeLessThan(0.03);
      expect(Math.abs(m2 / (s2 / N) - 1)).toBeLessThan(0.03);
    }
  });
});
