/**
 * Random orthogonal matrices: Householder QR of a Gaussian matrix with the signs
 * of R's diagonal folded into Q, which makes Q Haar-distributed (Mezzadri, "How to
 * generate random matrices from the classical compact groups", Notices AMS 2007).
 * Works on a column-major Float64Array so every inner loop is contiguous.
 */
import type { Xoshiro128 } from './prng.js';
import { standardNormal } from './distributions.js';

/**
 * A rows x cols matrix, row-major, with orthonormal columns when rows >= cols and
 * orthonormal rows otherwise (the Keras / Saxe et al. 2014 convention), times `gain`.
 */
export function randomOrthogonal(rows: number, cols: number, rng: Xoshiro128, gain: number): Float32Array {
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const a = new Float64Array(m * n); // column j at a[j*m ... j*m+m)
  for (let i = 0; i < a.length; i++) a[i] = standardNormal(rng);
  const q = orthonormalFactor(a, m, n);
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
 * The m x n factor Q of A = QR (m >= n, A column-major, overwritten) with diag(R) > 0,
 * column-major. Householder reflections H_k = I - tau_k v_k v_k^T, Q = H_0 ... H_{n-1} [I; 0].
 */
export function orthonormalFactor(a: Float64Array, m: number, n: number): Float64Array {
  const tau = new Float64Array(n);
  const diagSign = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const ck = k * m;
    let norm2 = 0;
    for (let i = k; i < m; i++) norm2 += a[ck + i] * a[ck + i];
    const x0 = a[ck + k];
    const norm = Math.sqrt(norm2);
    const alpha = x0 > 0 ? -norm : norm; // R[k][k]
    diagSign[k] = alpha < 0 ? -1 : 1;
    const v0 = x0 - alpha;
    const vNorm2 = norm2 - x0 * x0 + v0 * v0;
    if (vNorm2 === 0) {
      tau[k] = 0;
      continue;
    }
    a[ck + k] = v0; // v_k lives in a[k..m) of column k
    tau[k] = 2 / vNorm2;
    for (let j = k + 1; j < n; j++) applyReflection(a, ck, j * m, k, m, tau[k]);
  }
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * m + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    if (tau[k] === 0) continue;
    for (let j = k; j < n; j++) applyReflection(q, k * m, j * m, k, m, tau[k], a);
  }
  for (let j = 0; j < n; j++) {
    if (diagSign[j] > 0) continue;
    const cj = j * m;
    for (let i = 0; i < m; i++) q[cj + i] = -q[cj + i];
  }
  return q;
}

/** target[col + k..m) -= tau (v . target) v, with v = vSource[vCol + k..m). */
function applyReflection(
  target: Float64Array,
  vCol: number,
  col: number,
  k: number,
  m: number,
  tau: number,
  vSource: Float64Array = target,
): void {
  let dot = 0;
  for (let i = k; i < m; i++) dot += vSource[vCol + i] * target[col + i];
  const s = tau * dot;
  if (s === 0) return;
  for (let i = k; i < m; i++) target[col + i] -= s * vSource[vCol + i];
}
