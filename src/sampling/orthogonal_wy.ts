/**
 * Haar orthogonal columns from the reflections of `haarReflections`, accumulated b = 64 at a time in compact WY form:
 * H_k0 ... H_k0+b-1 = I - V T V^T with T upper triangular (Schreiber & Van Loan, "A storage-efficient WY
 * representation for products of Householder transformations", SIAM J. Sci. Stat. Comput. 1989; LAPACK's dlarft
 * builds the same T from the block's Gram matrix). Backward accumulation on Q = [I; 0] puts almost every flop into
 * three products per block, Q[k0:, k0:] -= V (T (V^T Q[k0:, k0:])): the block's reflections act on rows k0.. only,
 * and the columns before k0 are still e_j there. Here the products run on `wasm/gemm.wat` (f32x4, 4 x 8 blocks) in
 * a WebAssembly memory of this module's own: `randomOrthogonal` uses it from 64 columns up, on every backend where
 * no tfjs matMul beats it (cpu and wasm); `initializers/orthogonal_blocked.ts` runs the same steps on a GPU
 * backend's or tfjs-node's matMul.
 */
import type { Reflections } from './orthogonal.js';
import { GEMM_WASM_BASE64 } from './wasm/gemm_bytes.js';
import { compileBase64 } from './wasm/load.js';

/** Reflections per block: the products' inner dimension. */
export const WY_BLOCK = 64;

/** T of the block of reflections k0 .. k0 + b: T_tt = tau_t, T[:t, t] = -tau_t T[:t, :t] (V[:, :t]^T v_t), from the Gram G = V^T V (b x b). */
export function blockT(gram: Float32Array, tau: Float64Array, k0: number, b: number): Float32Array {
  const t = new Float64Array(b * b);
  const z = new Float64Array(b);
  for (let j = 0; j < b; j++) {
    const tj = tau[k0 + j];
    for (let i = 0; i < j; i++) {
      let s = 0;
      for (let l = i; l < j; l++) s += t[i * b + l] * gram[l * b + j];
      z[i] = s;
    }
    for (let i = 0; i < j; i++) t[i * b + j] = -tj * z[i];
    t[j * b + j] = tj;
  }
  return Float32Array.from(t);
}

/** gemm.wat's export: C = A B (subtract 0) or C -= A B (1), row-major, m % 4 = n % 8 = 0, bytes and float strides. */
interface GemmExports {
  gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    subtract: number,
  ): void;
}

const PAGE = 65536;
/** Floats added to each row stride past its multiple of 8 (see accumulate). */
const PAD = 16;
/** Above this, the memory is let go after the call instead of kept for the next (it never shrinks). */
const KEEP_BYTES = 32 * 1024 * 1024;

let kept: { memory: WebAssembly.Memory; w: GemmExports } | null = null;

/**
 * An instance of gemm.wat on a memory of at least `bytes`; null where WebAssembly (with SIMD) is unavailable or the
 * memory cannot be had (the caller then takes the JS kernel).
 */
function gemmWith(bytes: number): { memory: WebAssembly.Memory; w: GemmExports } | null {
  const module = compileBase64(GEMM_WASM_BASE64);
  if (module === null) return null;
  const pages = Math.ceil(bytes / PAGE);
  try {
    if (kept !== null && kept.memory.buffer.byteLength < bytes) {
      kept.memory.grow(pages - kept.memory.buffer.byteLength / PAGE);
    }
    if (kept === null) {
      const memory = new WebAssembly.Memory({ initial: pages });
      const w = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as GemmExports;
      kept = { memory, w };
    }
    return kept;
  } catch {
    kept = null; // RangeError: out of memory (or address space); let a smaller call start afresh
    return null;
  }
}

const roundUp = (x: number, to: number): number => Math.ceil(x / to) * to;

/** Whether the WebAssembly products can run here (WebAssembly with SIMD, not refused). */
export function wyAvailable(): boolean {
  return compileBase64(GEMM_WASM_BASE64) !== null;
}

/**
 * The first n columns (m >= n) of Q = H_0 ... H_{n-1} [I; 0] for the reflections `r` (m x n), times diag(sign)
 * and `gain`: row-major m x n, float32 products (equal to the JS kernel's float64 values to float32 rounding, not
 * bit for bit). Null where WebAssembly with SIMD is unavailable or its memory cannot be allocated.
 */
export function wyHaarColumns(r: Reflections, gain: number): Float32Array | null {
  const { m, n } = r;
  const mp = roundUp(m, 4); // rows of Q, padded with zero rows
  const np = roundUp(n, 8); // columns of Q, padded with zero columns
  const bp = WY_BLOCK;
  // Row strides (floats), each PAD past a multiple of 8: a power-of-two stride puts a panel's rows in one cache set
  // (measured: 1024 x 1024 x 64 at 11.8 GFLOP/s with stride 1024, 29.6 with 1040).
  const ldq = np + PAD; // Q, W and W2
  const ldvt = mp + PAD; // V^T
  const ldb = bp + PAD; // V, T and G
  const at = { q: 0, vt: 0, v: 0, w: 0, w2: 0, t: 0, g: 0, end: 0 }; // byte offsets
  at.vt = at.q + 4 * mp * ldq;
  at.v = at.vt + 4 * bp * ldvt;
  at.w = at.v + 4 * mp * ldb;
  at.w2 = at.w + 4 * bp * ldq;
  at.t = at.w2 + 4 * bp * ldq;
  at.g = at.t + 4 * bp * ldb;
  at.end = at.g + 4 * bp * ldb;
  const instance = gemmWith(at.end);
  if (instance === null) return null;
  const { memory, w } = instance;
  try {
    const f = new Float32Array(memory.buffer, 0, at.end / 4);
    f.fill(0, 0, mp * ldq);
    for (let i = 0; i < n; i++) f[i * ldq + i] = 1; // Q = [I; 0]
    const [vt, v, g, t] = [at.vt / 4, at.v / 4, at.g / 4, at.t / 4];
    for (let k0 = Math.floor((n - 1) / bp) * bp; k0 >= 0; k0 -= bp) {
      const b = Math.min(bp, n - k0);
      const lenp = mp - k0; // rows k0.. of Q (a multiple of 4: k0 is of 64)
      const cols = np - k0; // columns k0.. of Q (a multiple of 8)
      // V^T (bp x lenp) and V (lenp x bp): reflection k0 + t on rows k0 + t .. m; zero elsewhere and past b
      f.fill(0, vt, vt + bp * ldvt);
      f.fill(0, v, v + lenp * ldb);
      for (let j = 0; j < b; j++) {
        const from = (k0 + j) * m + k0;
        for (let i = j; i < m - k0; i++) {
          const x = r.v[from + i];
          f[vt + j * ldvt + i] = x;
          f[v + i * ldb + j] = x;
        }
      }
      w.gemm(bp, bp, lenp, at.vt, ldvt, at.v, ldb, at.g, ldb, 0); // G = V^T V
      const gram = new Float32Array(b * b);
      for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) gram[i * b + j] = f[g + i * ldb + j];
      const tb = blockT(gram, r.tau, k0, b);
      f.fill(0, t, t + bp * ldb);
      for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) f[t + i * ldb + j] = tb[i * b + j];
      const region = 4 * (k0 * ldq + k0);
      w.gemm(bp, cols, lenp, at.vt, ldvt, region, ldq, at.w, ldq, 0); // W = V^T Q
      w.gemm(bp, cols, bp, at.t, ldb, at.w, ldq, at.w2, ldq, 0); // W2 = T W
      w.gemm(lenp, cols, bp, at.v, ldb, at.w2, ldq, region, ldq, 1); // Q -= V W2
    }
    const out = new Float32Array(m * n);
    const scale = Float32Array.from(r.sign, (s) => s * gain);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = f[i * ldq + j] * scale[j];
    return out;
  } finally {
    if (memory.buffer.byteLength > KEEP_BYTES) kept = null;
  }
}
