/**
 * Haar orthogonal matrices on the active backend's `matMul`: the reflections of `haarReflections` (the same draws
 * as `randomOrthogonal`) accumulated b at a time in compact WY form, H_k0 ... H_k0+b-1 = I - V T V^T with T upper
 * triangular (Schreiber & Van Loan, "A storage-efficient WY representation for products of Householder
 * transformations", SIAM J. Sci. Stat. Comput. 1989; LAPACK's dlarft builds the same T). Backward accumulation
 * puts almost every flop into three products per block, Q <- Q - V (T (V^T Q)), on the trailing rows and columns
 * only: the region a block touches is [[I, 0], [0, Q]] of the region the block after it touched. The same steps as
 * `sampling/orthogonal_wy.ts`, whose WebAssembly products serve the cpu and wasm backends; these tensors serve GPU
 * backends and tfjs-node.
 */
import * as tf from '@tensorflow/tfjs';
import type { Xoshiro128 } from '../sampling/prng.js';
import { Reflections, haarReflections } from '../sampling/orthogonal.js';
import { WY_BLOCK as BLOCK, blockT, wyAvailable } from '../sampling/orthogonal_wy.js';

/** V^T of reflections k0 .. k0 + b on rows k0 .. m: a b x (m - k0) row-major array (zero left of each diagonal). */
function blockVt(r: Reflections, k0: number, b: number): Float32Array {
  const len = r.m - k0;
  const out = new Float32Array(b * len);
  for (let t = 0; t < b; t++) {
    const from = (k0 + t) * r.m + k0;
    for (let i = t; i < len; i++) out[t * len + i] = r.v[from + i];
  }
  return out;
}

/**
 * The first n columns of Q (m >= n) times diag(sign) and `gain`, an m x n tensor on the active backend. The
 * products run in float32: the values equal `randomOrthogonal`'s (float64) to float32 rounding, not bit for bit.
 */
function blockedHaarColumns(m: number, n: number, rng: Xoshiro128, gain: number): tf.Tensor2D {
  const r = haarReflections(m, n, rng);
  return tf.tidy(() => {
    const starts: number[] = [];
    for (let k0 = 0; k0 < n; k0 += BLOCK) starts.push(k0);
    let q: tf.Tensor2D | null = null;
    for (let s = starts.length - 1; s >= 0; s--) {
      const k0 = starts[s];
      const b = Math.min(BLOCK, n - k0);
      const [len, cols] = [m - k0, n - k0];
      const prev: tf.Tensor2D | null = q;
      // the region rows k0..m, columns k0..n: [[I_b, 0], [0, previous]] (the first block: [I_b; 0])
      const region: tf.Tensor2D =
        prev === null
          ? tf.eye(len, b)
          : tf.concat2d(
              [tf.concat2d([tf.eye(b), tf.zeros([b, cols - b])], 1), tf.concat2d([tf.zeros([len - b, b]), prev], 1)],
              0,
            );
      const vt = tf.tensor2d(blockVt(r, k0, b), [b, len]);
      const v = tf.transpose(vt);
      const gram = tf.matMul(vt, v).dataSync() as Float32Array;
      const t = tf.tensor2d(blockT(gram, r.tau, k0, b), [b, b]);
      const w = tf.matMul(t, tf.matMul(vt, region));
      q = tf.sub(region, tf.matMul(v, w)) as tf.Tensor2D;
    }
    const scale = tf.tensor2d(
      Float32Array.from(r.sign, (x) => x * gain),
      [1, n],
    );
    return tf.mul(q as tf.Tensor2D, scale) as tf.Tensor2D;
  });
}

/** Below this many reflections `randomOrthogonal` (JS kernel or WebAssembly products) is as fast as any backend. */
const MIN_BLOCKED = 192;

/**
 * Whether `orthogonalTensor` runs on the backend's matMul for a rows x cols matrix. Not on the cpu and wasm
 * backends where WebAssembly SIMD runs: there `randomOrthogonal`'s own products are faster (1024 x 1024: 71 ms
 * against XNNPACK's 110 here) and give the same values on both. On GPU backends and tfjs-node, the backend's.
 */
export function blockedOnBackend(rows: number, cols: number): boolean {
  if (Math.min(rows, cols) < MIN_BLOCKED) return false;
  const backend = tf.getBackend();
  if (backend === 'cpu') return false; // the JS backend's matMul is slower than either of ours
  return !(backend === 'wasm' && wyAvailable());
}

/**
 * A rows x cols Haar orthogonal matrix times `gain` (orthonormal columns when rows >= cols, rows otherwise), as
 * `randomOrthogonal` draws it, on the active backend's matMul (the caller checks `blockedOnBackend`).
 */
export function orthogonalTensor(rows: number, cols: number, rng: Xoshiro128, gain: number): tf.Tensor2D {
  const q = blockedHaarColumns(Math.max(rows, cols), Math.min(rows, cols), rng, gain);
  if (rows >= cols) return q;
  const t = tf.transpose(q);
  q.dispose();
  return t;
}
