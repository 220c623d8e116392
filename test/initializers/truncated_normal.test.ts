import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError, TruncatedNormal, truncatedNormal } from '../../src';
import { normalCdf, normalPdf } from '../../src/math/special';
import { ksCritical, ksStatistic, moments, stdTolerance } from '../helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const draw = (init: TruncatedNormal, shape: number[]): Float32Array => {
  const t = init.apply(shape);
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
};

/** Mean and std of N(mean, sigma^2) truncated to [mean + alpha sigma, mean + beta sigma] (textbook formulas). */
function truncatedMoments(mean: number, sigma: number, alpha: number, beta: number): { mean: number; std: number } {
  const z = normalCdf(beta) - normalCdf(alpha);
  const pa = Number.isFinite(alpha) ? normalPdf(alpha) : 0;
  const pb = Number.isFinite(beta) ? normalPdf(beta) : 0;
  const d = (pa - pb) / z;
  const aa = Number.isFinite(alpha) ? alpha * pa : 0;
  const bb = Number.isFinite(beta) ? beta * pb : 0;
  return { mean: mean + sigma * d, std: sigma * Math.sqrt(1 + (aa - bb) / z - d * d) };
}

function truncatedCdf(mean: number, sigma: number, alpha: number, beta: number): (x: number) => number {
  const lo = normalCdf(alpha);
  const z = normalCdf(beta) - lo;
  return (x) => Math.min(1, Math.max(0, (normalCdf((x - mean) / sigma) - lo) / z));
}

// 100,000 draws per case: the sample mean and std are held to 6 standard errors, KS at alpha 0.001.
const N = [250, 400];
const n = N[0] * N[1];
const cases: Array<[string, ConstructorParameters<typeof TruncatedNormal>[0], number, number, number, number]> = [
  // name, options, mean, sigma, alpha, beta
  ['default: N(0, 1) cut at +-2 sigma', { seed: 1 }, 0, 1, -2, 2],
  [
    'JAX convention: lower/upper in sigmas, std before truncation',
    { std: 0.5, lower: -1, upper: 3, seed: 2 },
    0,
    0.5,
    -1,
    3,
  ],
  ['PyTorch convention: absolute a, b', { mean: 1, std: 2, a: 0, b: 5, seed: 3 }, 1, 2, -0.5, 2],
  ['far right tail [3, 5] sigma (inverse CDF, mass 1.3e-3)', { a: 3, b: 5, seed: 4 }, 0, 1, 3, 5],
  ['far left tail [-12, -8] sigma', { lower: -12, upper: -8, seed: 5 }, 0, 1, -12, -8],
  ['narrow interval around the mean', { std: 3, a: -0.03, b: 0.03, seed: 6 }, 0, 3, -0.01, 0.01],
  ['one-sided: a = 0 only (half-normal)', { a: 0, seed: 7 }, 0, 1, 0, Infinity],
  [
    'PyTorch trunc_normal_(std=0.02) with a=-2, b=2: +-100 sigma, effectively untruncated',
    { std: 0.02, a: -2, b: 2, seed: 8 },
    0,
    0.02,
    -100,
    100,
  ],
];

describe('TruncatedNormal', () => {
  for (const [name, options, mean, sigma, alpha, beta] of cases) {
    it(`${name}: in bounds, mean and std by formula, KS`, () => {
      const values = draw(truncatedNormal(options), N);
      const lo = mean + alpha * sigma;
      const hi = mean + beta * sigma;
      const m = moments(values);
      expect(m.min).toBeGreaterThanOrEqual(lo);
      expect(m.max).toBeLessThanOrEqual(hi);
      const want = truncatedMoments(mean, sigma, alpha, beta);
      expect(Math.abs(m.mean - want.mean)).toBeLessThan((6 * want.std) / Math.sqrt(n));
      // a truncated normal has kurtosis <= 3 (a half-normal's is 3.87: stdTolerance * 1.3 covers it)
      expect(Math.abs(m.std / want.std - 1)).toBeLessThan(stdTolerance(n) * 1.3);
      expect(ksStatistic(values, truncatedCdf(mean, sigma, alpha, beta))).toBeLessThan(ksCritical(n));
    });
  }

  it('both conventions describe the same distribution: a = -1, b = 1 with std 0.5 is lower -2, upper 2', () => {
    const a = draw(truncatedNormal({ std: 0.5, a: -1, b: 1, seed: 9 }), [50, 50]);
    const b = draw(truncatedNormal({ std: 0.5, lower: -2, upper: 2, seed: 9 }), [50, 50]);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('its std is that of the normal before truncation (0.8796 std after a 2-sigma cut), unlike VarianceScaling', () => {
    const values = draw(truncatedNormal({ std: 1, seed: 10 }), N);
    expect(Math.abs(moments(values).std - 0.87962566) / 0.87962566).toBeLessThan(stdTolerance(n));
  });

  it('translates to stock TruncatedNormal exactly at the default bounds only', () => {
    expect(truncatedNormal({ mean: 1, std: 3 }).toStock()).toEqual({
      className: 'TruncatedNormal',
      config: { mean: 1, stddev: 3, seed: null },
      exact: true,
    });
    expect(truncatedNormal({ a: -2, b: 2 }).toStock()).toMatchObject({ exact: true });
    expect(truncatedNormal({ a: 0 }).toStock()).toMatchObject({
      exact: false,
      reason: expect.stringMatching(/2 sigma/),
    });
  });

  const bad: Array<[string, () => unknown, RegExp]> = [
    ['both conventions', () => truncatedNormal({ a: -1, lower: -2 }), /a must be omitted when lower\/upper/],
    ['a >= b', () => truncatedNormal({ a: 1, b: 1 }), /b must be greater than a; got 1/],
    ['lower >= upper', () => truncatedNormal({ lower: 2, upper: -2 }), /upper must be greater than lower; got -2/],
    [
      'no mass in double precision',
      () => truncatedNormal({ lower: 40, upper: 41 }),
      /bounds that hold some probability/,
    ],
    ['zero std', () => truncatedNormal({ std: 0 }), /std must be a finite number > 0; got 0/],
    ['infinite mean', () => truncatedNormal({ mean: Infinity }), /mean must be a finite number; got Infinity/],
  ];
  for (const [name, fn, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(fn).toThrow(InitializerConfigError);
      expect(fn).toThrow(message);
    });
  }
});
