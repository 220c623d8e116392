import * as tf from '@tensorflow/tfjs';

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
  /**
   * The weights the class fills in the model tests: Dense kernels [in, out], Conv kernels [...kernel, in, out],
   * both (default), or an LSTM's bias [4 units] (`bias`).
   */
  kernels?: 'dense' | 'conv' | 'bias';
  /** Options for one kernel shape, for classes whose options depend on it (default: `options`). */
  optionsFor?: (shape: number[]) => Record<string, unknown>;
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

/** Whether the class can fill a Dense kernel, and a Conv kernel. */
const fitsDense = (r: InitializerRecord): boolean => r.kernels === undefined || r.kernels === 'dense';
const fitsConv = (r: InitializerRecord): boolean => r.kernels === undefined || r.kernels === 'conv';
/** The options of a record for a kernel of `shape`. */
export const optionsFor = (r: InitializerRecord, shape: number[]): Record<string, unknown> =>
  r.optionsFor ? r.optionsFor(shape) : r.options;

/** A registered class, as the tests see it. */
export interface TestedClass {
  className: string;
  new (options?: never): unknown;
}

/** A seeded stock initializer for the weights the class under test does not fit. */
const STOCK = { className: 'GlorotUniform', config: { seed: 1 } };

/**
 * The kernelInitializer a model test gives a `kind` kernel of `shape`: the class (built with its options
 * for that shape) where it fits, else a seeded stock GlorotUniform (so rebuilt models match).
 */
export function kernelFor(cls: TestedClass, kind: 'dense' | 'conv', shape: number[]): unknown {
  const record = RECORDS[cls.className];
  const fits = kind === 'dense' ? fitsDense(record) : fitsConv(record);
  return fits ? new cls(optionsFor(record, shape) as never) : STOCK;
}

/**
 * The layers of a Sequential on inputs [batch, 5] that puts the class in every slot it fits, built by
 * `id(shape)` (default: an instance with the record's options for that shape):
 * both kinds: Reshape [5, 1], Conv1D [3, 1, 4], Flatten, Dense [12, 3];
 * `dense`: Dense [5, 8], Dense [8, 3]; `conv`: Reshape, Conv1D [3, 1, 8], Flatten, Dense (stock);
 * `bias`: Reshape, LSTM(4) with the class as its bias [16], Dense (stock).
 */
export function sequentialLayers(cls: TestedClass, id?: (shape: number[]) => unknown): tf.layers.Layer[] {
  const record = RECORDS[cls.className];
  const make = (shape: number[]): never => (id ? id(shape) : new cls(optionsFor(record, shape) as never)) as never;
  const reshape = (): tf.layers.Layer => tf.layers.reshape({ targetShape: [5, 1], inputShape: [5] });
  const stock = STOCK as never;
  switch (record.kernels) {
    case 'dense':
      return [
        tf.layers.dense({ units: 8, inputShape: [5], activation: 'relu', kernelInitializer: make([5, 8]) }),
        tf.layers.dense({ units: 3, kernelInitializer: make([8, 3]) }),
      ];
    case 'conv':
      return [
        reshape(),
        tf.layers.conv1d({ filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: make([3, 1, 8]) }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, kernelInitializer: stock }),
      ];
    case 'bias':
      return [
        reshape(),
        tf.layers.lstm({
          units: 4,
          kernelInitializer: stock,
          recurrentInitializer: { className: 'Orthogonal', config: { seed: 2 } } as never,
          biasInitializer: make([16]),
        }),
        tf.layers.dense({ units: 3, kernelInitializer: stock }),
      ];
    default:
      return [
        reshape(),
        tf.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: make([3, 1, 4]) }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, kernelInitializer: make([12, 3]) }),
      ];
  }
}

/** The initializer configs of the slots a class fills in a model (kernel or recurrent bias), in layer order. */
export function initializerConfigs(model: tf.LayersModel): unknown[] {
  return model.layers.flatMap((l) => {
    const c = l.getConfig() as { kernelInitializer?: unknown; biasInitializer?: unknown };
    return [c.kernelInitializer, l.getClassName() === 'LSTM' ? c.biasInitializer : undefined].filter(
      (v) => v !== undefined,
    );
  });
}

/** Normal CDF by the Abramowitz-Stegun 7.1.26 erf (|error| < 1.5e-7), written out here for the truncated-normal row. */
function phiCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf =
    1 -
    t *
      (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
      Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
const phiPdf = (x: number): number => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);

/** Std of N(0, 1) truncated to [alpha, beta] (the textbook formula), times sigma. */
function truncatedStd(sigma: number, alpha: number, beta: number): number {
  const z = phiCdf(beta) - phiCdf(alpha);
  const d = (phiPdf(alpha) - phiPdf(beta)) / z;
  return sigma * Math.sqrt(1 + (alpha * phiPdf(alpha) - beta * phiPdf(beta)) / z - d * d);
}

/** Rows keyed by className. */
export const RECORDS: Readonly<Record<string, InitializerRecord>> = {
  'TfjsInit>VarianceScaling': {
    options: { scale: 2.25, mode: 'fanGeoAvg', distribution: 'normal', seed: 3, inAxis: 0, outAxis: 1 },
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
  'TfjsInit>PytorchDefault': {
    options: { seed: 9 },
    shape: [3, 3, 30, 40],
    // kaiming_uniform_(a = sqrt 5): bound 1 / sqrt(fanIn), std = bound / sqrt 3
    moments: { std: (s) => 1 / Math.sqrt(3 * fans(s).fanIn), distribution: 'uniform' },
  },
  'TfjsInit>TruncatedNormal': {
    // PyTorch's convention: absolute bounds, std before truncation; [-0.5, 1] around mean 0.25 with std 0.5
    options: { mean: 0.25, std: 0.5, a: -0.5, b: 1, seed: 10 },
    shape: [300, 200],
    check: (values) => {
      let sum = 0;
      for (const v of values) {
        if (!(v >= -0.5 && v <= 1)) return `value ${v} outside [-0.5, 1]`;
        sum += v;
      }
      // N(0.25, 0.5^2) on [-0.5, 1]: alpha = -1.5, beta = 1.5, symmetric, so the mean stays 0.25
      const mean = sum / values.length;
      const std = truncatedStd(0.5, -1.5, 1.5);
      if (Math.abs(mean - 0.25) > (6 * std) / Math.sqrt(values.length)) return `mean ${mean}, expected 0.25`;
      let ss = 0;
      for (const v of values) ss += (v - mean) ** 2;
      const sampleStd = Math.sqrt(ss / values.length);
      return Math.abs(sampleStd / std - 1) < 6 / Math.sqrt(2 * values.length)
        ? null
        : `std ${sampleStd}, expected ${std}`;
    },
  },
  'TfjsInit>Identity': {
    options: { gain: 1.5 },
    shape: [7, 4],
    kernels: 'dense',
    check: (values, [rows, cols]) => {
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const want = i === j ? 1.5 : 0;
          if (values[i * cols + j] !== want) return `W[${i}][${j}] = ${values[i * cols + j]}, expected ${want}`;
        }
      }
      return null;
    },
  },
  'TfjsInit>Dirac': {
    options: { groups: 2 },
    shape: [3, 3, 3, 4],
    kernels: 'conv',
    check: (values, shape) => {
      // groups 2 of 2 output channels; d < min(2, 3): W[1, 1, d, 2 g + d] = 1
      const [, kw, inCh, outCh] = shape;
      const ones = new Set([0, 1].flatMap((g) => [0, 1].map((d) => ((1 * kw + 1) * inCh + d) * outCh + 2 * g + d)));
      for (let i = 0; i < values.length; i++) {
        if (values[i] !== (ones.has(i) ? 1 : 0)) return `entry ${i} is ${values[i]}`;
      }
      return null;
    },
  },
  'TfjsInit>Sparse': {
    options: { sparsity: 0.3, std: 0.05, seed: 11 },
    shape: [400, 150],
    kernels: 'dense',
    check: (values, [rows, cols]) => {
      const zerosPerColumn = Math.ceil(0.3 * rows);
      let ss = 0;
      let n = 0;
      for (let c = 0; c < cols; c++) {
        let zeros = 0;
        for (let r = 0; r < rows; r++) {
          const v = values[r * cols + c];
          if (v === 0) zeros++;
          else {
            ss += v * v;
            n++;
          }
        }
        if (zeros !== zerosPerColumn) return `column ${c} has ${zeros} zeros, expected ${zerosPerColumn}`;
      }
      const std = Math.sqrt(ss / n);
      return Math.abs(std / 0.05 - 1) < 6 / Math.sqrt(2 * n) ? null : `non-zero std ${std}, expected 0.05`;
    },
  },
  'TfjsInit>FromValues': {
    options: { values: [1, -2, 3.5, 0, 0.25, 6], shape: [2, 3] },
    shape: [2, 3],
    optionsFor: (shape) => ({
      values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i % 7) - 3),
    }),
    check: (values) =>
      [1, -2, 3.5, 0, 0.25, 6].every((v, i) => values[i] === v) ? null : `values ${Array.from(values)}`,
  },
  'TfjsInit>ForgetGateBias': {
    options: { cell: 'lstm', value: 1.5 },
    shape: [4 * 6],
    kernels: 'bias',
    check: (values) => {
      // LSTM blocks i, f, c, o of 6 units: f = 1.5, the rest 0
      const want = Array.from({ length: 24 }, (_, i) => (i >= 6 && i < 12 ? 1.5 : 0));
      return want.every((w, i) => values[i] === w) ? null : `values ${Array.from(values)}`;
    },
  },
  'TfjsInit>ChronoBias': {
    options: { cell: 'lstm', maxTimescale: 50, seed: 12 },
    shape: [4 * 2000],
    kernels: 'bias',
    check: (values) => {
      // b_f = log u, u ~ U[1, 49]: exp(b_f) uniform on [1, 49] (KS-free check: mean 25 and range); b_i = -b_f; c, o 0
      const units = 2000;
      let sum = 0;
      for (let j = 0; j < units; j++) {
        const u = Math.exp(values[units + j]);
        if (!(u >= 1 - 1e-5 && u <= 49 + 1e-4)) return `exp(b_f) ${u} outside [1, 49]`;
        if (Math.abs(values[j] + values[units + j]) > 1e-6) return `b_i ${values[j]} is not -b_f`;
        if (values[2 * units + j] !== 0 || values[3 * units + j] !== 0) return 'c or o bias not 0';
        sum += u;
      }
      // U[1, 49]: mean 25, sd 48 / sqrt 12 = 13.9; the mean of 2000 within 6 SE (1.86)
      return Math.abs(sum / units - 25) < (6 * (48 / Math.sqrt(12))) / Math.sqrt(units)
        ? null
        : `mean u ${sum / units}`;
    },
  },
  'TfjsInit>DeltaOrthogonal': {
    options: { gain: 1.3, seed: 13 },
    shape: [3, 3, 6, 8],
    kernels: 'conv',
    check: (values, shape) => {
      // the centre tap [6, 8] has orthonormal rows times 1.3; the other 8 taps are exactly 0
      const tap = 6 * 8;
      const centre = (1 * 3 + 1) * tap;
      for (let i = 0; i < values.length; i++) {
        if ((i < centre || i >= centre + tap) && values[i] !== 0)
          return `entry ${i} off the centre tap is ${values[i]}`;
      }
      const err = orthogonalityError(values.subarray(centre, centre + tap), [6, 8], 1.3);
      return err < 1e-5 ? null : `centre tap W W^T deviates from 1.69 I by ${err} (shape ${shape})`;
    },
  },
};
