/**
 * The fill loops of `distributions.ts` compiled to WebAssembly (`fill.wat`): the same xoshiro128** steps and the
 * same float64 operations in the same order, so a seed gives the same float32 values bit for bit on either path
 * (tested). Rate on this project's machine (`npm run bench`, raw normals): 266 M/s, 1.9x the JavaScript loop. The
 * module is 1.3 KB, compiled synchronously on first use; where WebAssembly is missing or refused (a Content Security
 * Policy without 'wasm-unsafe-eval'), the JavaScript loops run instead.
 */
import type { Xoshiro128 } from '../prng.js';
import { FILL_SHARED_WASM_BASE64, FILL_WASM_BASE64 } from './fill_bytes.js';
import { compileBase64 } from './load.js';

/** The Ziggurat's tables (`distributions.ts`), 128 layers each. */
export interface ZigguratTables {
  /** |hz| below KN[i]: accept at once. */
  readonly KN: Float64Array;
  /** int32 to x in layer i. */
  readonly WN: Float64Array;
  /** Density at each layer edge. */
  readonly FN: Float64Array;
}

/** The fill loops: in place into an array that views a registered heap, else through the module's own chunk. */
export interface FillKernels {
  /** out[i] = mean + sigma z for standard normal draws z, keeping lo <= z <= hi (fillZiggurat). */
  normal(out: Float32Array, rng: Xoshiro128, mean: number, sigma: number, lo: number, hi: number): void;
  /** out[i] = low + width u, u on the 2^24 grid of [0, 1) (fillUniform). */
  uniform(out: Float32Array, rng: Xoshiro128, low: number, width: number): void;
}

/** fill.wat's exports. */
interface FillExports {
  setTables(offset: number): void;
  setState(s0: number, s1: number, s2: number, s3: number): void;
  state(i: number): number;
  fillNormal(dst: number, n: number, mean: number, sigma: number): void;
  fillNormalBetween(dst: number, n: number, mean: number, sigma: number, lo: number, hi: number): void;
  fillUniform(dst: number, n: number, low: number, width: number): void;
}

/** Bytes the tables take in the module's memory (see fill.wat's header). */
export const FILL_TABLE_BYTES = 4096;
/** Floats the own-memory instance writes per call, at OWN_CHUNK (right after the tables). */
const CHUNK = 16384;
const OWN_CHUNK = FILL_TABLE_BYTES;

/** fill.wat compiled for a plain or a shared memory (a threaded tfjs-backend-wasm's heap); null where unavailable. */
function fillModule(shared = false): WebAssembly.Module | null {
  return compileBase64(shared ? FILL_SHARED_WASM_BASE64 : FILL_WASM_BASE64);
}

/** Whether `memory` is shared (its buffer a SharedArrayBuffer). */
function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
}

/** An instance of fill.wat on `memory`, its tables written at `tables`; null if it cannot link to that memory. */
function instantiate(memory: WebAssembly.Memory, tables: number, z: ZigguratTables): FillExports | null {
  const module = fillModule(isShared(memory));
  if (module === null) return null;
  let w: FillExports;
  try {
    const imports = { math: { exp: Math.exp, log: Math.log }, env: { memory } };
    w = new WebAssembly.Instance(module, imports).exports as unknown as FillExports;
  } catch {
    return null; // a memory whose limits the module's import does not accept
  }
  const buffer = memory.buffer as ArrayBuffer;
  new Float64Array(buffer, tables, 128).set(z.KN);
  new Float64Array(buffer, tables + 1024, 128).set(z.WN);
  new Float64Array(buffer, tables + 2048, 128).set(z.FN);
  // The fast test on integers: |hz| < KN[i] <=> |hz| < K = ceil(KN[i]) (|hz| <= 2^31 is an integer, K < 2^31)
  // <=> -K < hz < K <=> (u32)(hz + K - 1) < (u32)(2K - 1); K = 0 accepts nothing (bound 0).
  const pairs = new Int32Array(buffer, tables + 3072, 256);
  z.KN.forEach((kn, i) => {
    const k = Math.ceil(kn);
    pairs[2 * i] = k - 1;
    pairs[2 * i + 1] = k === 0 ? 0 : (2 * k - 1) | 0;
  });
  w.setTables(tables);
  return w;
}

/** A WebAssembly heap the fills write into directly when the array they are given views it. */
interface Heap {
  memory: WebAssembly.Memory;
  /** Where the kernels' tables go. */
  tables: number;
  kernels?: FillExports | null;
}

const heaps: Heap[] = [];

/**
 * Lets the fills write straight into `memory` (such as tfjs-backend-wasm's heap) when the Float32Array they are
 * given is a view of it. `reserve` is called once per memory, here (not during a fill, where growing the memory
 * would detach the caller's view), for FILL_TABLE_BYTES bytes of it (8-byte aligned) that stay the kernels' for good.
 */
export function registerFillHeap(memory: WebAssembly.Memory, reserve: () => number): void {
  if (heaps.some((h) => h.memory === memory)) return;
  const tables = reserve();
  // a failed or odd reservation (malloc's 0) must not have the tables written over someone else's bytes
  if (!Number.isInteger(tables) || tables <= 0 || tables % 8 !== 0) return;
  // one heap at a time: a new one (the backend re-created) replaces the old, which can then be collected
  heaps.length = 0;
  heaps.push({ memory, tables });
}

/** The registered heap that `out` views, if any. */
function heapOf(out: Float32Array): Heap | undefined {
  return heaps.find((h) => h.memory.buffer === out.buffer);
}

/** The kernels of the registered heap that `out` views (built on first use), or null. */
function heapKernels(out: Float32Array, tables: ZigguratTables): FillExports | null {
  const heap = heapOf(out);
  if (heap === undefined) return null;
  if (heap.kernels === undefined) heap.kernels = instantiate(heap.memory, heap.tables, tables);
  return heap.kernels;
}

/** Whether a fill of `out` writes straight into it (it views a registered heap whose kernels are built). */
export function fillsInPlace(out: Float32Array): boolean {
  const kernels = heapOf(out)?.kernels;
  return kernels !== undefined && kernels !== null;
}

/** Hands the generator's state to the module, runs `body`, and takes the state back (also if it throws). */
function withState(w: FillExports, rng: Xoshiro128, body: () => void): void {
  const state = new Int32Array(4);
  rng.saveState(state);
  w.setState(state[0], state[1], state[2], state[3]);
  try {
    body();
  } finally {
    for (let i = 0; i < 4; i++) state[i] = w.state(i);
    rng.loadState(state);
  }
}

/** The WebAssembly fill loops over `tables`, or null where WebAssembly is unavailable. */
export function createFillKernels(tables: ZigguratTables): FillKernels | null {
  if (typeof WebAssembly !== 'object' || fillModule() === null) return null;
  const ownMemory = new WebAssembly.Memory({ initial: 2 }); // the tables, then the chunk
  const own = instantiate(ownMemory, 0, tables);
  if (own === null) return null;
  const ownChunk = (): Float32Array => new Float32Array(ownMemory.buffer, OWN_CHUNK, CHUNK);

  /** Runs `fill(w, dst, n)` over `out`: in one call into a heap it views, else chunk by chunk with a copy. */
  const run = (out: Float32Array, rng: Xoshiro128, fill: (w: FillExports, dst: number, n: number) => void): void => {
    const dst = out.byteOffset;
    const length = out.length;
    // the kernels compare byte addresses as i32: an array ending at 2^32 goes through the chunks instead
    const direct = dst + 4 * length < 2 ** 32 ? heapKernels(out, tables) : null;
    if (direct !== null) {
      withState(direct, rng, () => fill(direct, dst, length));
      return;
    }
    withState(own, rng, () => {
      const chunk = ownChunk();
      for (let offset = 0; offset < length; offset += CHUNK) {
        const n = Math.min(CHUNK, length - offset);
        fill(own, OWN_CHUNK, n);
        out.set(n === CHUNK ? chunk : chunk.subarray(0, n), offset);
      }
    });
  };

  return {
    normal: (out, rng, mean, sigma, lo, hi) =>
      lo === -Infinity && hi === Infinity
        ? run(out, rng, (w, dst, n) => w.fillNormal(dst, n, mean, sigma))
        : run(out, rng, (w, dst, n) => w.fillNormalBetween(dst, n, mean, sigma, lo, hi)),
    uniform: (out, rng, low, width) => run(out, rng, (w, dst, n) => w.fillUniform(dst, n, low, width)),
  };
}
