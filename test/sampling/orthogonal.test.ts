import { randomOrthogonal } from '../../src/sampling/orthogonal';
import { Xoshiro128 } from '../../src/sampling/prng';
import { allowWasm } from '../../src/sampling/wasm/load';
import { ksCritical, ksStatistic } from '../helpers';
import { orthogonalityError } from '../records';

describe('randomOrthogonal (reflections from fresh Gaussian vectors, applied four at a time)', () => {
  it('orthonormal columns (tall) or rows (wide) for every size mod 4, within float32 rounding', () => {
    const rng = new Xoshiro128(1);
    for (const [rows, cols] of [
      [1, 1],
      [2, 2],
      [3, 5],
      [5, 3],
      [7, 7],
      [8, 8],
      [9, 13],
      [13, 9],
      [33, 17],
      [64, 64],
      [130, 70],
    ]) {
      const q = randomOrthogonal(rows, cols, rng, 1.5);
      expect(orthogonalityError(q, [rows, cols], 1.5)).toBeLessThan(1e-5);
    }
  });

  it('is Haar for n = 2: q11 = cos(theta), theta uniform, so P(q11 <= x) = 1 - arccos(x) / pi (KS, 20,000 draws)', () => {
    const rng = new Xoshiro128(2);
    const q11 = Float64Array.from({ length: 20000 }, () => randomOrthogonal(2, 2, rng, 1)[0]);
    expect(ksStatistic(q11, (x) => 1 - Math.acos(Math.max(-1, Math.min(1, x))) / Math.PI)).toBeLessThan(
      ksCritical(20000),
    );
    // rotations and reflections equally often: det = +1 in Binomial(20000, 1/2), 6 sd = 424
    const rng2 = new Xoshiro128(3);
    let rotations = 0;
    for (let i = 0; i < 20000; i++) {
      const [a, b, c, d] = randomOrthogonal(2, 2, rng2, 1);
      if (a * d - b * c > 0) rotations++;
    }
    expect(Math.abs(rotations - 10000)).toBeLessThan(6 * Math.sqrt(5000));
  });

  it('every entry of a 5 x 5 has E[q^2] = 1/5 (no position favoured by the blocked updates)', () => {
    // q_ij^2 ~ Beta(1/2, 2): sd 0.214, so the mean of 4000 has sd 0.0034; 6 sd = 0.02
    const rng = new Xoshiro128(4);
    const sums = new Float64Array(25);
    for (let s = 0; s < 4000; s++) {
      const q = randomOrthogonal(5, 5, rng, 1);
      for (let i = 0; i < 25; i++) sums[i] += q[i] * q[i];
    }
    for (const total of sums) expect(Math.abs(total / 4000 - 0.2)).toBeLessThan(0.02);
  });
});

describe('randomOrthogonal on WebAssembly products (compact WY blocks, from 64 columns up)', () => {
  // The same reflections as the JS kernel; float32 products of length <= 1000 against the kernel's float64: measured
  // below 4e-7 (1024 x 1024: 3.9e-7), so 2e-6 has 5x room and is 100x below a wrong reflection's effect (~1/sqrt(n)).
  const ROUNDING = 2e-6;

  /** Values with WebAssembly allowed or not (the JS kernel). */
  function draw(rows: number, cols: number, seed: number, gain: number, wasm: boolean): Float32Array {
    const previous = allowWasm(wasm);
    try {
      return randomOrthogonal(rows, cols, new Xoshiro128(seed), gain);
    } finally {
      allowWasm(previous);
    }
  }

  it.each([
    [64, 64], // one block
    [65, 64],
    [200, 200], // 3 blocks of 64 and one of 8
    [203, 131], // rows and columns padded (to 204 and 136)
    [131, 203], // wide: the transpose
    [1000, 130],
  ])('%i x %i: the JS kernel values to float32 rounding, orthonormal', (rows, cols) => {
    const wasm = draw(rows, cols, 12, 1.7, true);
    const js = draw(rows, cols, 12, 1.7, false);
    let diff = 0;
    for (let i = 0; i < js.length; i++) diff = Math.max(diff, Math.abs(wasm[i] - js[i]));
    expect(diff).toBeLessThan(ROUNDING * 1.7);
    expect(diff).toBeGreaterThan(0); // a different path (float32 products), not the kernel again
    expect(orthogonalityError(wasm, [rows, cols], 1.7)).toBeLessThan(1e-5);
  });

  it('below 64 columns the JS kernel runs (bit for bit)', () => {
    expect(Array.from(draw(500, 63, 3, 1, true))).toEqual(Array.from(draw(500, 63, 3, 1, false)));
  });
});

describe('randomOrthogonal when the WebAssembly memory cannot grow', () => {
  it('falls back to the JS kernel on the same reflections (bit for bit), and recovers after', () => {
    const rows = 1200; // more memory than any case above asked for (the products' memory only grows)
    const cols = 400;
    randomOrthogonal(64, 64, new Xoshiro128(1), 1); // the products' memory exists
    const grow = WebAssembly.Memory.prototype.grow;
    WebAssembly.Memory.prototype.grow = () => {
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    };
    let fallback: Float32Array;
    try {
      fallback = randomOrthogonal(rows, cols, new Xoshiro128(8), 1);
    } finally {
      WebAssembly.Memory.prototype.grow = grow;
    }
    const previous = allowWasm(false);
    const js = randomOrthogonal(rows, cols, new Xoshiro128(8), 1);
    allowWasm(previous);
    expect(Buffer.from(fallback.buffer).equals(Buffer.from(js.buffer))).toBe(true);
    const again = randomOrthogonal(rows, cols, new Xoshiro128(8), 1); // the products again
    let diff = 0;
    for (let i = 0; i < js.length; i++) diff = Math.max(diff, Math.abs(again[i] - js[i]));
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(2e-6);
  });
});
