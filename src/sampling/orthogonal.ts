/**
 * Random orthogonal matrices, Haar-distributed: the Q of a Householder QR of a Gaussian matrix with
 * the signs of R's diagonal folded in (Mezzadri, "How to generate random matrices from the classical
 * compact groups", Notices AMS 2007). After the first k reflections the rest of a Gaussian matrix is
 * again Gaussian (rotation invariance), so each reflection is built from a fresh Gaussian vector and
 * the rest of the matrix is never formed (Stewart, "The efficient generation of random orthogonal
 * matrices with an application to condition estimators", SIAM J. Numer. Anal. 1980): half the flops
 * of factorizing a full matrix. Works on column-major Float64Arrays so every inner loop is contiguous.
 */
import type { Xoshiro128 } from './prng.js';
import { standardNormal } from './distributions.js';
import { wyAvailable, wyHaarColumns } from './orthogonal_wy.js';

/**
 * From this many columns (min(rows, cols)) up the reflections are accumulated in WY blocks on WebAssembly SIMD
 * products (`orthogonal_wy.ts`): even with the JS kernel at 64, 2.2x faster at 96, 10x at 1024 (measured here).
 */
const WY_MIN = 64;

// Math's functions bound once: hot loops here; a global lookup of `Math` is ~20x slower in a vm context (jest).
const { max, min, sqrt } = Math;

/**
 * A rows x cols matrix, row-major, with orthonormal columns when rows >= cols and
 * orthonormal rows otherwise (the Keras / Saxe et al. 2014 convention), times `gain`. From min(rows, cols) = 64 up
 * the reflections are accumulated on WebAssembly products (float32; equal to the JS kernel's values to float32
 * rounding), below that and where WebAssembly is unavailable by the JS kernel (float64, rounded once).
 */
export function randomOrthogonal(rows: number, cols: number, rng: Xoshiro128, gain: number): Float32Array {
  const m = max(rows, cols);
  const n = min(rows, cols);
  const reflections = haarReflections(m, n, rng);
  const wy = n >= WY_MIN && wyAvailable() ? wyHaarColumns(reflections, gain) : null; // row-major m x n
  if (wy !== null) {
    if (rows >= cols) return wy;
    const out = new Float32Array(rows * cols); // Q^T
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * cols + i] = wy[i * n + j];
    return out;
  }
  const q = haarColumns(reflections);
  const out = new Float32Array(rows * cols);
  if (rows >= cols) {
    // out[i][j] = Q[i][j]: transpose column-major Q into row-major.
    for (let j = 0; j < n; j++) {
      const col = j * m;
      for (let i = 0; i < m; i++) out[i * cols + j] = gain * q[col + i];
    }
  } else {
    // out = Q^T, and row-major Q^T is column-major Q.
    for (let i = 0; i < q.length; i++) out[i] = gain * q[i];
  }
  return out;
}

/**
 * The Householder reflections of a Haar-distributed m x m orthogonal matrix's first n columns (m >= n):
 * Q = H_0 ... H_{n-1} [I; 0] diag(sign), H_k = I - tau_k v_k v_k^T.
 */
export interface Reflections {
  /** Rows m. */
  m: number;
  /** Reflections n. */
  n: number;
  /** v_k in v[k m + k .. k m + m), zero above row k (column-major, m x n). */
  v: Float64Array;
  /** tau_k = 2 / |v_k|^2 (0 for a zero vector). */
  tau: Float64Array;
  /** s_k: the sign of R's k-th diagonal entry. */
  sign: Float64Array;
}

/**
 * The reflections QR would use on a Gaussian m x n matrix, each drawn as a fresh Gaussian column x_k on rows
 * k..m (Stewart 1980): H_k maps x_k to alpha_k e_k, alpha_k = -sign(x_k0) |x_k|.
 */
export function haarReflections(m: number, n: number, rng: Xoshiro128): Reflections {
  const v = new Float64Array(m * n); // v_k lives in v[k*m + k .. k*m + m)
  const tau = new Float64Array(n);
  const sign = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const ck = k * m;
    let norm2 = 0;
    for (let i = k; i < m; i++) {
      const x = standardNormal(rng);
      v[ck + i] = x;
      norm2 += x * x;
    }
    const x0 = v[ck + k];
    const alpha = x0 > 0 ? -sqrt(norm2) : sqrt(norm2); // R[k][k]
    sign[k] = alpha < 0 ? -1 : 1;
    const v0 = x0 - alpha;
    const vNorm2 = norm2 - x0 * x0 + v0 * v0;
    v[ck + k] = v0;
    tau[k] = vNorm2 === 0 ? 0 : 2 / vNorm2;
  }
  return { m, n, v, tau, sign };
}

/**
 * The first n columns (m >= n) of a Haar-distributed m x m orthogonal matrix, column-major:
 * Q = H_0 ... H_{n-1} [I; 0] diag(s), H_k = I - tau_k v_k v_k^T the reflection that QR would use on a
 * fresh Gaussian column x_k (rows k..m), and s_k the sign of R's k-th diagonal entry.
 */
function haarColumns(r: Reflections): Float64Array {
  const { m, n, v, tau, sign } = r;
  // Backward accumulation, Q = H_0 (H_1 (... H_{n-1} [I; 0])). Column j is e_j until a reflection with
  // k <= j reaches it (v_k is zero above row k), so H_k only needs columns j >= k. Reflections go four at a
  // time: one pass over a column takes the four dot products, one more applies all four updates.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * m + j] = 1;
  let k = n - 1;
  for (; k >= 0 && (k + 1) % 4 !== 0; k--) {
    for (let j = k; j < n; j++) applyReflection(q, v, k * m, j * m, k, m, tau[k]);
  }
  for (; k >= 3; k -= 4) applyFourReflections(q, v, tau, k - 3, m, n);
  for (let j = 0; j < n; j++) {
    if (sign[j] > 0) continue;
    const cj = j * m;
    for (let i = 0; i < m; i++) q[cj + i] = -q[cj + i];
  }
  return q;
}

/**
 * Applies H_k0 H_k0+1 H_k0+2 H_k0+3 to every column j >= k0 of q (H_k0+3 first). With raw dot products
 * e_t = v_t . x and the Gram entries g_st = v_s . v_t, the sequential coefficients are
 * d3 = e3, d2 = e2 - t3 d3 g23, d1 = e1 - t3 d3 g13 - t2 d2 g12, d0 = e0 - t3 d3 g03 - t2 d2 g02 - t1 d1 g01,
 * and x -= sum_t tau_t d_t v_t: two passes over x instead of eight.
 */
function applyFourReflections(
  q: Float64Array,
  vs: Float64Array,
  tau: Float64Array,
  k0: number,
  m: number,
  n: number,
): void {
  const len = m - k0;
  const v0 = vs.subarray(k0 * m + k0, k0 * m + m);
  const v1 = vs.subarray((k0 + 1) * m + k0, (k0 + 1) * m + m);
  const v2 = vs.subarray((k0 + 2) * m + k0, (k0 + 2) * m + m);
  const v3 = vs.subarray((k0 + 3) * m + k0, (k0 + 3) * m + m);
  let g01 = 0;
  let g02 = 0;
  let g03 = 0;
  let g12 = 0;
  let g13 = 0;
  let g23 = 0;
  for (let i = 0; i < len; i++) {
    g01 += v0[i] * v1[i];
    g02 += v0[i] * v2[i];
    g03 += v0[i] * v3[i];
    g12 += v1[i] * v2[i];
    g13 += v1[i] * v3[i];
    g23 += v2[i] * v3[i];
  }
  const [t0, t1, t2, t3] = [tau[k0], tau[k0 + 1], tau[k0 + 2], tau[k0 + 3]];
  for (let j = k0; j < n; j++) {
    const x = q.subarray(j * m + k0, j * m + m);
    let e0 = 0;
    let e1 = 0;
    let e2 = 0;
    let e3 = 0;
    for (let i = 0; i < len; i++) {
      const xi = x[i];
      e0 += v0[i] * xi;
      e1 += v1[i] * xi;
      e2 += v2[i] * xi;
      e3 += v3[i] * xi;
    }
    const c3 = t3 * e3;
    const c2 = t2 * (e2 - c3 * g23);
    const c1 = t1 * (e1 - c3 * g13 - c2 * g12);
    const c0 = t0 * (e0 - c3 * g03 - c2 * g02 - c1 * g01);
    for (let i = 0; i < len; i++) x[i] -= c0 * v0[i] + c1 * v1[i] + c2 * v2[i] + c3 * v3[i];
  }
}

/**
 * target[col + k..m) -= tau (v . target) v, with v = vs[vCol + k..m). The dot product runs four
 * independent sums (the additions' latency, not their count, bounds a single running sum).
 */
function applyReflection(
  target: Float64Array,
  vs: Float64Array,
  vCol: number,
  col: number,
  k: number,
  m: number,
  tau: number,
): void {
  const len = m - k;
  const x = target.subarray(col + k, col + m);
  const v = vs.subarray(vCol + k, vCol + m);
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  const end4 = len - (len % 4);
  let i = 0;
  for (; i < end4; i += 4) {
    d0 += v[i] * x[i];
    d1 += v[i + 1] * x[i + 1];
    d2 += v[i + 2] * x[i + 2];
    d3 += v[i + 3] * x[i + 3];
  }
  for (; i < len; i++) d0 += v[i] * x[i];
  const s = tau * (d0 + d1 + d2 + d3);
  if (s === 0) return;
  for (i = 0; i < len; i++) x[i] -= s * v[i];
}
