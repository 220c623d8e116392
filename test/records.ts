/**
 * One row of test data per registered initializer class (JAX's INITIALIZER_RECS): every
 * cross-class suite (catalog, properties, round trips in Node and in the browser, portable,
 * leaks) iterates the registered classes and reads their row here. A class without a row
 * fails the catalog suite. Rows are plain data plus pure functions, so the browser bundle
 * can import this file too.
 */

/** The test data of one initializer class. */
export interface InitializerRecord {
  /** Options of a non-default, seeded instance (plain JSON). */
  options: Record<string, unknown>;
  /** The shape the moment check draws (large enough for the stated tolerances). */
  shape: number[];
  /** A small shape that fits a Dense kernel [in, out] for the model tests (default [5, 8]). */
  denseShape?: [number, number];
  /**
   * The std the class must draw for `shape`, from the paper's formula written out here,
   * independently of the core, with the distribution the draws must follow (KS test).
   */
  moments?: { std: (shape: number[]) => number; distribution: 'normal' | 'truncatedNormal' | 'uniform' };
  /**
   * A structural check of its own, for classes a std does not describe: returns null when
   * `values` (row-major, `shape`) is right, else what is wrong.
   */
  check?: (values: Float32Array, shape: number[]) => string | null;
}

const fans = (shape: number[]): { fanIn: number; fanOut: number } => {
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
};

/**
 * Max |(W^T W)_ij - g^2 delta_ij| over the columns of W flattened to [prod(shape[:-1]), shape[-1]]
 * (over rows when there are fewer rows than columns).
 */
export function orthogonalityError(values: ArrayLike<number>, shape: number[], gain: number): number {
  const cols = shape[shape.length - 1];
  const rows = values.length / cols;
  const byRows = rows < cols;
  const n = byRows ? rows : cols;
  const len = byRows ? cols : rows;
  let maxErr = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < len; k++) {
        dot += byRows ? values[i * cols + k] * values[j * cols + k] : values[k * cols + i] * values[k * cols + j];
      }
      maxErr = Math.max(maxErr, Math.abs(dot - (i === j ? gain * gain : 0)));
    }
  }
  return maxErr;
}

/**
 * The backward gain of gelu_new (the tanh approximation), 1 / sqrt(E[phi'(z)^2]) with z ~ N(0, 1),
 * by Simpson's rule on [-10, 10] with 20,000 intervals: written out here, independently of varianceGain.
 */
function geluNewBackwardGain(): number {
  const c = Math.sqrt(2 / Math.PI);
  const slope = (x: number): number => {
    const t = Math.tanh(c * (x + 0.044715 * x ** 3));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
  };
  const n = 20000;
  const h = 20 / n;
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const x = -10 + i * h;
    const f = (slope(x) ** 2 * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI);
    sum += f * (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2);
  }
  return 1 / Math.sqrt((sum * h) / 3);
}

/** Rows keyed by className. */
export const RECORDS: Readonly<Record<string, InitializerRecord>> = {
  'TfjsInit>VarianceScaling': {
    options: { gain: 1.5, mode: 'fanGeoAvg', distribution: 'normal', seed: 3, inAxis: 0, outAxis: 1 },
    shape: [400, 100],
    moments: { std: ([a, b]) => Math.sqrt(2.25 / Math.sqrt(a * b)), distribution: 'normal' },
  },
  'TfjsInit>GlorotUniform': {
    options: { gain: 5 / 3, seed: 0 },
    shape: [300, 200],
    moments: { std: ([a, b]) => (5 / 3) * Math.sqrt(2 / (a + b)), distribution: 'uniform' },
  },
  'TfjsInit>GlorotNormal': {
    options: { gain: 2, distribution: 'normal', seed: 1 },
    shape: [3, 3, 40, 60],
    moments: { std: (s) => 2 * Math.sqrt(2 / (fans(s).fanIn + fans(s).fanOut)), distribution: 'normal' },
  },
  'TfjsInit>HeUniform': {
    options: { negativeSlope: 0.2, mode: 'fanOut', seed: 2 },
    shape: [300, 200],
    moments: { std: (s) => Math.sqrt(2 / (1.04 * fans(s).fanOut)), distribution: 'uniform' },
  },
  'TfjsInit>HeNormal': {
    options: { negativeSlope: 0.3, seed: 7 },
    shape: [300, 200],
    moments: { std: (s) => Math.sqrt(2 / (1.09 * fans(s).fanIn)), distribution: 'truncatedNormal' },
  },
  'TfjsInit>LeCunUniform': {
    options: { seed: 4 },
    shape: [300, 200],
    moments: { std: (s) => Math.sqrt(1 / fans(s).fanIn), distribution: 'uniform' },
  },
  'TfjsInit>LeCunNormal': {
    options: { seed: 5, distribution: 'normal' },
    shape: [300, 200],
    moments: { std: (s) => Math.sqrt(1 / fans(s).fanIn), distribution: 'normal' },
  },
  'TfjsInit>Orthogonal': {
    options: { gain: 1.2, seed: 6 },
    shape: [3, 3, 8, 40],
    // float32 storage: entries carry ~6e-8 relative error, so dot products of gain-scaled unit vectors ~1e-6.
    check: (values, shape) => {
      const err = orthogonalityError(values, shape, 1.2);
      return err < 1e-5 ? null : `W^T W deviates from 1.44 I by ${err}`;
    },
  },
  'TfjsInit>ActivationAware': {
    options: { activation: 'gelu_new', mode: 'fanOut', seed: 8 },
    shape: [300, 200],
    moments: { std: (s) => geluNewBackwardGain() / Math.sqrt(fans(s).fanOut), distribution: 'truncatedNormal' },
  },
};
