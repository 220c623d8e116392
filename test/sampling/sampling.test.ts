import { Xoshiro128 } from '../../src/sampling/prng';
import { TRUNCATED_NORMAL_STD, fillNormal, fillTruncatedNormal, fillUniform } from '../../src/sampling/distributions';
import { normalCdf, normalPdf } from '../../src/math/special';
import { ksCritical, ksStatistic, moments, stdTolerance, targetCdf } from '../helpers';

const N = 1_000_000;

describe('Xoshiro128', () => {
  it('replays the same stream for the same seed, including seed 0', () => {
    for (const seed of [0, 1, -7, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) {
      const a = new Xoshiro128(seed);
      const b = new Xoshiro128(seed);
      for (let i = 0; i < 1000; i++) expect(a.nextInt32()).toBe(b.nextInt32());
    }
  });

  it('gives unrelated streams for nearby seeds and for seeds that differ only in the high word', () => {
    const pairs: Array<[number, number]> = [
      [0, 1],
      [1, 2],
      [5, 5 + 2 ** 32],
    ];
    for (const [s, t] of pairs) {
      const a = new Xoshiro128(s);
      const b = new Xoshiro128(t);
      let equal = 0;
      for (let i = 0; i < 1000; i++) if (a.nextInt32() === b.nextInt32()) equal++;
      expect(equal).toBeLessThan(3); // two independent 32-bit streams agree with probability 2^-32 per draw
    }
  });

  it('draws uniform bits: each of the 32 bits is set about half the time', () => {
    const rng = new Xoshiro128(42);
    const counts = new Array<number>(32).fill(0);
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const v = rng.nextInt32();
      for (let b = 0; b < 32; b++) if ((v >>> b) & 1) counts[b]++;
    }
    // Binomial(n, 1/2): sd = sqrt(n)/2 = 224; 6 sd = 1342.
    for (const c of counts) expect(Math.abs(c - n / 2)).toBeLessThan((6 * Math.sqrt(n)) / 2);
  });

  it('keeps nextFloat24 in [0, 1) and nextOpenUnit in (0, 1)', () => {
    const rng = new Xoshiro128(3);
    for (let i = 0; i < 100_000; i++) {
      const u = rng.nextFloat24();
      const v = rng.nextOpenUnit();
      expect(u >= 0 && u < 1 && v > 0 && v < 1).toBe(true);
    }
  });
});

describe('special functions', () => {
  it('normalCdf matches known values and symmetry', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 15);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 15);
    expect(normalCdf(-8)).toBeCloseTo(6.22096057427178e-16, 25);
    for (const x of [0.3, 1.7, 2.9, 3.1, 5]) expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 14);
  });

  it('TRUNCATED_NORMAL_STD is the std of N(0,1) cut at +-2', () => {
    const mass = normalCdf(2) - normalCdf(-2);
    expect(Math.sqrt(1 - (4 * normalPdf(2)) / mass)).toBeCloseTo(TRUNCATED_NORMAL_STD, 14);
  });
});

describe('distributions', () => {
  const cases = [
    { name: 'normal', fill: fillNormal, dist: 'normal' as const },
    { name: 'truncatedNormal', fill: fillTruncatedNormal, dist: 'truncatedNormal' as const },
  ];
  for (const { name, fill, dist } of cases) {
    it(`${name}: mean, std and KS shape at 1e6 samples`, () => {
      const std = 0.37;
      const out = fill(new Float32Array(N), new Xoshiro128(11), 0, std);
      const m = moments(out);
      // mean: standard error std/sqrt(n); 6 SE.
      expect(Math.abs(m.mean)).toBeLessThan((6 * std) / Math.sqrt(N));
      expect(Math.abs(m.std / std - 1)).toBeLessThan(stdTolerance(N));
      expect(ksStatistic(out, targetCdf(dist, std))).toBeLessThan(ksCritical(N));
    });
  }

  it('truncatedNormal stays within 2 sigma = 2 std / 0.8796', () => {
    const out = fillTruncatedNormal(new Float32Array(N), new Xoshiro128(5), 0, 1);
    const bound = 2 / TRUNCATED_NORMAL_STD;
    const m = moments(out);
    expect(m.max).toBeLessThanOrEqual(Math.fround(bound));
    expect(m.min).toBeGreaterThanOrEqual(-Math.fround(bound));
    // the bound is reached: the density at the edge is not small (P(|z| > 1.99 sigma) ~ 1e-3).
    expect(m.max).toBeGreaterThan(0.99 * bound);
  });

  it('normal tails: P(|z| > 3.442619855899) (the Ziggurat tail) matches 2 (1 - Phi(r))', () => {
    const out = fillNormal(new Float32Array(4 * N), new Xoshiro128(8), 0, 1);
    let tail = 0;
    for (const v of out) if (Math.abs(v) > 3.442619855899) tail++;
    const p = 2 * (1 - normalCdf(3.442619855899));
    const expected = 4 * N * p;
    expect(Math.abs(tail - expected)).toBeLessThan(6 * Math.sqrt(expected)); // Poisson, 6 sd
  });

  it('uniform: bounds, std and KS shape', () => {
    const out = fillUniform(new Float32Array(N), new Xoshiro128(2), -0.5, 0.5);
    const m = moments(out);
    expect(m.min).toBeGreaterThanOrEqual(-0.5);
    expect(m.max).toBeLessThanOrEqual(0.5);
    expect(Math.abs(m.std / Math.sqrt(1 / 12) - 1)).toBeLessThan(stdTolerance(N));
    expect(ksStatistic(out, targetCdf('uniform', Math.sqrt(1 / 12)))).toBeLessThan(ksCritical(N));
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = fillNormal(new Float32Array(1000), new Xoshiro128(9), 0, 1);
    const b = fillNormal(new Float32Array(1000), new Xoshiro128(9), 0, 1);
    const c = fillNormal(new Float32Array(1000), new Xoshiro128(10), 0, 1);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});
