import * as fs from 'fs';
import { Xoshiro128 } from '../../src/sampling/prng';
import {
  fillNormal,
  fillPath,
  fillTruncatedNormal,
  fillTruncatedNormalBetween,
  fillUniform,
} from '../../src/sampling/distributions';
import { createFillKernels, fillsInPlace, registerFillHeap } from '../../src/sampling/wasm/fill';
import { allowWasm } from '../../src/sampling/wasm/load';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const buildWasm = require('../../scripts/build-wasm.js') as {
  WAT_SOURCES: unknown[];
  generate(entry: unknown): Promise<{ target: string; text: string }>;
};

/** Lengths around the module's 16,384-float chunk, and the empty array. */
const LENGTHS = [0, 1, 7, 16383, 16384, 16385, 50_000];

type Fill = (out: Float32Array, rng: Xoshiro128) => Float32Array;

const FILLS: Record<string, Fill> = {
  'normal (mean 0.1, std 0.03)': (out, rng) => fillNormal(out, rng, 0.1, 0.03),
  'truncated normal (Keras-corrected, +-2 sigma)': (out, rng) => fillTruncatedNormal(out, rng, -0.5, 2),
  'truncated normal [-0.3, 1.7] sigma (rejection)': (out, rng) => fillTruncatedNormalBetween(out, rng, 1, 3, -0.3, 1.7),
  'truncated normal [-1.5, 1.5] sigma (rejection)': (out, rng) =>
    fillTruncatedNormalBetween(out, rng, 0.2, 0.7, -1.5, 1.5),
  'truncated normal [-0.5, 0.5] sigma (rejection, 62% of draws dropped)': (out, rng) =>
    fillTruncatedNormalBetween(out, rng, 0, 1, -0.5, 0.5),
  'truncated normal [0.5, inf) sigma (rejection)': (out, rng) =>
    fillTruncatedNormalBetween(out, rng, 0, 1, 0.5, Infinity),
  'uniform [-0.2, 0.7)': (out, rng) => fillUniform(out, rng, -0.2, 0.7),
};

/** Runs `fill` with WebAssembly allowed or not; returns the values and the generator's next four outputs. */
function run(fill: Fill, length: number, seed: number, wasm: boolean): { values: Float32Array; after: number[] } {
  const previous = allowWasm(wasm);
  try {
    const rng = new Xoshiro128(seed);
    const values = fill(new Float32Array(length), rng);
    return { values, after: [rng.nextInt32(), rng.nextInt32(), rng.nextInt32(), rng.nextInt32()] };
  } finally {
    allowWasm(previous);
  }
}

/** Bit patterns, so that -0 and NaN compare as bits. */
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe('the WebAssembly fill loops (src/sampling/wasm/fill.wat)', () => {
  it('run in Node, and switch off on request', () => {
    expect(fillPath()).toBe('wasm');
    const previous = allowWasm(false);
    expect(fillPath()).toBe('js');
    allowWasm(previous);
    expect(fillPath()).toBe('wasm');
  });

  it.each(Object.keys(FILLS))(
    "give the JavaScript loop's values bit for bit and leave the generator where it does: %s",
    (name) => {
      LENGTHS.forEach((length, k) => {
        const seed = 1000 + 17 * k;
        const js = run(FILLS[name], length, seed, false);
        const wasm = run(FILLS[name], length, seed, true);
        expect(Buffer.from(bits(wasm.values).buffer).equals(Buffer.from(bits(js.values).buffer))).toBe(true);
        expect(wasm.after).toEqual(js.after);
      });
    },
  );

  /** Fills 2^22 values on both paths; expects the same bits and the same generator state; returns the values. */
  function expectSameOver2To22(fill: Fill, seed: number): Float32Array {
    const js = run(fill, 1 << 22, seed, false);
    const wasm = run(fill, 1 << 22, seed, true);
    let differing = 0;
    for (let i = 0; i < js.values.length; i++) if (js.values[i] !== wasm.values[i]) differing++;
    expect(differing).toBe(0);
    expect(wasm.after).toEqual(js.after);
    return js.values;
  }

  it('match over 2^22 normals, where the tail and wedge paths run thousands of times', () => {
    // The slow path takes about 2.7% of draws, the tail beyond R = 3.44 about 0.03%: ~1,200 tail draws here.
    const values = expectSameOver2To22(FILLS['normal (mean 0.1, std 0.03)'], 5);
    const beyondTail = values.filter((v) => Math.abs(v - 0.1) > 3.442619855899 * 0.03).length;
    expect(beyondTail).toBeGreaterThan(500);
  });

  it('match over 2^22 truncated normals (+-2 sigma), where ~200,000 draws fall outside the bound', () => {
    expectSameOver2To22(FILLS['truncated normal (Keras-corrected, +-2 sigma)'], 6);
  });

  it('leave the JavaScript loops in charge where WebAssembly is missing', () => {
    const global = globalThis as { WebAssembly?: unknown };
    const saved = global.WebAssembly;
    delete global.WebAssembly;
    try {
      const tables = { KN: new Float64Array(128), WN: new Float64Array(128), FN: new Float64Array(128) };
      expect(createFillKernels(tables)).toBeNull();
    } finally {
      global.WebAssembly = saved;
    }
  });

  it('are built from the committed fill.wat (npm run build:wasm is current)', async () => {
    for (const entry of buildWasm.WAT_SOURCES) {
      const { target, text } = await buildWasm.generate(entry);
      expect(fs.readFileSync(target, 'utf8')).toBe(text);
    }
  });

  it('do not register a heap whose reservation failed (malloc returned 0)', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    registerFillHeap(memory, () => 0);
    const out = new Float32Array(memory.buffer, 64, 100);
    fillNormal(out, new Xoshiro128(1), 0, 1);
    expect(fillsInPlace(out)).toBe(false);
    expect(new Float64Array(memory.buffer, 0, 8).every((v) => v === 0)).toBe(true); // no tables written at 0
  });

  it.each([false, true])(
    'write straight into a registered heap (shared: %s) with the same values, the tables where reserved',
    (shared) => {
      const memory = new WebAssembly.Memory({ initial: 4, maximum: 8, shared });
      const tables = 3 * 65536; // the heap's owner reserves the last page here
      registerFillHeap(memory, () => tables);
      const out = new Float32Array(memory.buffer, 1024, 40_000); // ends at byte 161,024
      const guard = new Float32Array(memory.buffer, 1024 + 4 * 40_000, 4);
      expect(fillsInPlace(out)).toBe(false); // built on first use
      const fill = FILLS['truncated normal (Keras-corrected, +-2 sigma)'];
      fill(out, new Xoshiro128(21));
      expect(fillsInPlace(out)).toBe(true);
      const js = run(fill, 40_000, 21, false);
      expect(Buffer.from(bits(out).slice().buffer).equals(Buffer.from(bits(js.values).buffer))).toBe(true);
      expect(Array.from(guard)).toEqual([0, 0, 0, 0]); // nothing written past the array
      expect(new Float64Array(memory.buffer, tables, 128).some((v) => v !== 0)).toBe(true);
    },
  );
});
