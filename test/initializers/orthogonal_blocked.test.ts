/**
 * Orthogonal on the backend's matMul (blocked Householder, compact WY; the path for GPU backends and tfjs-node, run
 * here on wasm): the same draws as the JS kernel, so the same values to float32 rounding. On cpu and wasm,
 * `randomOrthogonal`'s own WebAssembly products run instead, the same values on both backends. No leaks.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { orthogonal } from '../../src';
import { randomOrthogonal } from '../../src/sampling/orthogonal';
import { blockedOnBackend, orthogonalTensor } from '../../src/initializers/orthogonal_blocked';
import { Xoshiro128 } from '../../src/sampling/prng';
import { allowWasm } from '../../src/sampling/wasm/load';
import { orthogonalityError } from '../records';

// float32 products of length <= 400 and a float32 T: measured differences from the float64 kernel are below 3e-7
// (1024 x 1024: 2.6e-7); 2e-6 leaves 7x room and is still 100x below a wrong reflection's effect (~1 / sqrt(n))
const ROUNDING = 2e-6;

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

/** The JS kernel's values (float64, rounded once), with WebAssembly switched off. */
function jsKernel(rows: number, cols: number, seed: number, gain: number): Float32Array {
  const previous = allowWasm(false);
  try {
    return randomOrthogonal(rows, cols, new Xoshiro128(seed), gain);
  } finally {
    allowWasm(previous);
  }
}

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('orthogonalTensor (backend matMul) run on wasm: the JS kernel values to float32 rounding', () => {
  it.each([
    [200, 200], // 3 blocks of 64 and one of 8
    [300, 200], // tall: orthonormal columns
    [200, 300], // wide: orthonormal rows (the transpose)
    [256, 256], // blocks of exactly 64
  ])('%i x %i', (rows, cols) => {
    const before = tf.memory().numTensors;
    const t = orthogonalTensor(rows, cols, new Xoshiro128(4), 1.5);
    expect(t.shape).toEqual([rows, cols]);
    const values = t.dataSync() as Float32Array;
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(maxDiff(values, jsKernel(rows, cols, 4, 1.5))).toBeLessThan(ROUNDING * 1.5);
    expect(orthogonalityError(values, [rows, cols], 1.5)).toBeLessThan(1e-5);
  });

  it('Orthogonal with gates: apply and sample agree bit for bit on wasm, and the cpu backend gives the same bits', async () => {
    expect(blockedOnBackend(240, 240)).toBe(false); // randomOrthogonal's WebAssembly products
    const init = orthogonal({ gates: 2, gain: 2, seed: 9 });
    const before = tf.memory().numTensors;
    const t = init.apply([240, 480]); // two gate blocks of 240 x 240
    const applied = t.dataSync() as Float32Array;
    t.dispose();
    const sampled = init.sample([240, 480]);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(sampled)).toEqual(Array.from(applied));
    await tf.setBackend('cpu');
    try {
      expect(blockedOnBackend(240, 240)).toBe(false);
      const onCpu = init.apply([240, 480]);
      expect(Buffer.from((onCpu.dataSync() as Float32Array).buffer).equals(Buffer.from(applied.buffer))).toBe(true);
      onCpu.dispose();
    } finally {
      await tf.setBackend('wasm');
    }
    for (let g = 0; g < 2; g++) {
      const block = Float32Array.from(
        { length: 240 * 240 },
        (_, i) => applied[Math.floor(i / 240) * 480 + g * 240 + (i % 240)],
      );
      expect(orthogonalityError(block, [240, 240], 2)).toBeLessThan(1e-5);
    }
  });

  it('Orthogonal with gates on the backend matMul (WebAssembly off): apply and sample agree bit for bit', () => {
    const previous = allowWasm(false);
    try {
      expect(blockedOnBackend(240, 240)).toBe(true);
      const init = orthogonal({ gates: 2, gain: 2, seed: 9 });
      const before = tf.memory().numTensors;
      const t = init.apply([240, 480]); // two gate blocks, concatenated in a tidy
      const applied = t.dataSync() as Float32Array;
      t.dispose();
      const sampled = init.sample([240, 480]);
      expect(tf.memory().numTensors).toBe(before);
      expect(Array.from(sampled)).toEqual(Array.from(applied));
      for (let g = 0; g < 2; g++) {
        const block = Float32Array.from(
          { length: 240 * 240 },
          (_, i) => applied[Math.floor(i / 240) * 480 + g * 240 + (i % 240)],
        );
        expect(orthogonalityError(block, [240, 240], 2)).toBeLessThan(1e-5);
      }
    } finally {
      allowWasm(previous);
    }
  });

  it('the backend matMul on wasm only where WebAssembly is switched off (XNNPACK then beats the JS kernel)', () => {
    expect(blockedOnBackend(512, 512)).toBe(false);
    const previous = allowWasm(false);
    try {
      expect(blockedOnBackend(512, 512)).toBe(true);
    } finally {
      allowWasm(previous);
    }
  });

  it('randomOrthogonal below 192 reflections', () => {
    expect(blockedOnBackend(191, 4096)).toBe(false);
    const t = orthogonal({ seed: 3 }).apply([100, 150]);
    const values = t.dataSync();
    t.dispose();
    expect(Array.from(values)).toEqual(Array.from(randomOrthogonal(100, 150, new Xoshiro128(3), 1)));
  });
});
