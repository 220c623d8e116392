/**
 * Distributions that write straight into a Float32Array in one pass.
 * Normal: the Ziggurat method of Marsaglia & Tsang, "The Ziggurat Method for
 * Generating Random Variables", J. Stat. Software 5(8), 2000, with 128 layers.
 * Truncated normal: rejection of normals outside [-2, 2] (acceptance 95.4%).
 */
import { normalCdf, normalQuantile } from '../math/special.js';
import type { Xoshiro128 } from './prng.js';
import { createFillKernels, type FillKernels } from './wasm/fill.js';
import { wasmAllowed } from './wasm/load.js';

// Math's functions bound once: hot loops here; a global lookup of `Math` is ~20x slower in a vm context (jest).
const { abs, exp, fround, imul, log, max, min, sqrt } = Math;

/**
 * Standard deviation of a standard normal truncated to [-2, 2]:
 * sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)). Dividing by it restores the requested std
 * (the correction Keras applies in VarianceScaling; tfjs 4.x does not).
 */
export const TRUNCATED_NORMAL_STD = 0.87962566103423978;
/** Truncation bound of the truncated normal, in standard deviations. */
const TRUNCATION_BOUND = 2;

const LAYERS = 128;
/** Right edge of the base layer, and the volume of each layer (Marsaglia & Tsang 2000, RNOR). */
const R = 3.442619855899;
const LAYER_VOLUME = 9.91256303526217e-3;
const INT32_SCALE = 2147483648;

const KN = new Float64Array(LAYERS); // |hz| below KN[i]: accept at once
const WN = new Float64Array(LAYERS); // int32 -> x in layer i
const FN = new Float64Array(LAYERS); // density at each layer edge
(function buildTables(): void {
  let dn = R;
  let tn = R;
  const q = LAYER_VOLUME / exp(-0.5 * dn * dn);
  KN[0] = (dn / q) * INT32_SCALE;
  KN[1] = 0;
  WN[0] = q / INT32_SCALE;
  WN[LAYERS - 1] = dn / INT32_SCALE;
  FN[0] = 1;
  FN[LAYERS - 1] = exp(-0.5 * dn * dn);
  for (let i = LAYERS - 2; i >= 1; i--) {
    dn = sqrt(-2 * log(LAYER_VOLUME / dn + exp(-0.5 * dn * dn)));
    KN[i + 1] = (dn / tn) * INT32_SCALE;
    tn = dn;
    FN[i] = exp(-0.5 * dn * dn);
    WN[i] = dn / INT32_SCALE;
  }
})();

let kernels: FillKernels | null | undefined; // undefined: not built yet

/** The WebAssembly fill loops (same values, faster), or null where they are off or unavailable. */
function wasmKernels(): FillKernels | null {
  if (!wasmAllowed()) return null; // switched off (allowWasm); createFillKernels says null where unavailable
  if (kernels === undefined) kernels = createFillKernels({ KN, WN, FN });
  return kernels;
}

/** Which loops the fills run: 'wasm' (`wasm/fill.wat`), or 'js' where WebAssembly is off or unavailable. */
export function fillPath(): 'wasm' | 'js' {
  return wasmKernels() === null ? 'js' : 'wasm';
}

/** The rare Ziggurat path: the base layer's tail, or a wedge test against the density. */
function normalSlowPath(rng: Xoshiro128, hz: number, iz: number): number {
  for (;;) {
    if (iz === 0) {
      // Tail beyond R (Marsaglia 1964): x = -ln(u1)/R, accept if -2 ln(u2) > x^2.
      let x: number;
      let y: number;
      do {
        x = -log(rng.nextOpenUnit()) / R;
        y = -log(rng.nextOpenUnit());
      } while (y + y < x * x);
      return hz > 0 ? R + x : -R - x;
    }
    const x = hz * WN[iz];
    if (FN[iz] + rng.nextFloat24() * (FN[iz - 1] - FN[iz]) < exp(-0.5 * x * x)) return x;
    hz = rng.nextInt32();
    iz = hz & (LAYERS - 1);
    if (abs(hz) < KN[iz]) return hz * WN[iz];
  }
}

/** One standard normal draw. */
export function standardNormal(rng: Xoshiro128): number {
  const hz = rng.nextInt32();
  const iz = hz & (LAYERS - 1);
  return abs(hz) < KN[iz] ? hz * WN[iz] : normalSlowPath(rng, hz, iz);
}

/**
 * The Ziggurat fill loop shared by the normal and the truncated normal: out[i] = mean + sigma z
 * for standard normal draws z, keeping only lo <= z <= hi. The xoshiro128** step (the same as
 * Xoshiro128.nextInt32) runs inline with the state in locals, about 2.5x faster than a method
 * call per draw; the rare slow path hands the state back to `rng` and takes it again after. The WebAssembly
 * loop (`wasm/fill.wat`) runs the same steps where it is available.
 */
function fillZiggurat(
  out: Float32Array,
  rng: Xoshiro128,
  mean: number,
  sigma: number,
  lo: number,
  hi: number,
): Float32Array {
  const wasm = wasmKernels();
  if (wasm !== null) {
    wasm.normal(out, rng, mean, sigma, lo, hi);
    return out;
  }
  const state = new Int32Array(4);
  rng.saveState(state);
  let s0 = state[0];
  let s1 = state[1];
  let s2 = state[2];
  let s3 = state[3];
  const n = out.length;
  let i = 0;
  while (i < n) {
    const m = imul(s1, 5);
    const hz = imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    const iz = hz & (LAYERS - 1);
    let z: number;
    if (abs(hz) < KN[iz]) {
      z = hz * WN[iz];
    } else {
      state[0] = s0;
      state[1] = s1;
      state[2] = s2;
      state[3] = s3;
      rng.loadState(state);
      z = normalSlowPath(rng, hz, iz);
      rng.saveState(state);
      s0 = state[0];
      s1 = state[1];
      s2 = state[2];
      s3 = state[3];
    }
    if (z >= lo && z <= hi) out[i++] = mean + sigma * z;
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
  rng.loadState(state);
  return out;
}

/** Fills `out` with N(mean, std^2). */
export function fillNormal(out: Float32Array, rng: Xoshiro128, mean: number, std: number): Float32Array {
  return fillZiggurat(out, rng, mean, std, -Infinity, Infinity);
}

/**
 * Fills `out` with a normal truncated to mean +- 2 sigma' whose standard deviation is
 * exactly `std`: sigma' = std / TRUNCATED_NORMAL_STD, so values lie in
 * [mean - 2 sigma', mean + 2 sigma'] = mean +- 2.2737 std.
 */
export function fillTruncatedNormal(out: Float32Array, rng: Xoshiro128, mean: number, std: number): Float32Array {
  return fillZiggurat(out, rng, mean, std / TRUNCATED_NORMAL_STD, -TRUNCATION_BOUND, TRUNCATION_BOUND);
}

/** Fills `out` with U[low, high) on a grid of 2^24 points. */
export function fillUniform(out: Float32Array, rng: Xoshiro128, low: number, high: number): Float32Array {
  const width = high - low;
  const wasm = wasmKernels();
  if (wasm !== null) {
    wasm.uniform(out, rng, low, width);
    return out;
  }
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = low + width * rng.nextFloat24();
  return out;
}

/** Below this mass of [alpha, beta], the truncated normal is drawn by inverse CDF instead of rejection. */
const REJECTION_MIN_MASS = 0.25;

/** The largest float32 not above `x`. */
function float32AtMost(x: number): number {
  const f = fround(x);
  if (f <= x) return f;
  const bits = new Float32Array([f]);
  const ints = new Int32Array(bits.buffer);
  ints[0] += f > 0 ? -1 : 1;
  return bits[0];
}

/** The smallest float32 not below `x`. */
function float32AtLeast(x: number): number {
  return -float32AtMost(-x);
}

/**
 * Fills `out` with N(mean, sigma^2) truncated to [mean + alpha sigma, mean + beta sigma]
 * (alpha < beta, in standard units; either may be infinite). `sigma` is the std of the normal
 * before truncation (as PyTorch's `trunc_normal_`, JAX's `truncated_normal` and Keras define it).
 * Intervals holding at least a quarter of the mass are drawn by rejection from the Ziggurat;
 * others by inverse CDF in the lower tail (reflected when the interval lies right of 0), where
 * Phi keeps its relative precision. Values are clamped into the bounds after float32 rounding.
 */
export function fillTruncatedNormalBetween(
  out: Float32Array,
  rng: Xoshiro128,
  mean: number,
  sigma: number,
  alpha: number,
  beta: number,
): Float32Array {
  const lo = float32AtLeast(mean + alpha * sigma);
  const hi = float32AtMost(mean + beta * sigma);
  const mass = truncatedMass(alpha, beta);
  if (mass >= REJECTION_MIN_MASS) {
    fillZiggurat(out, rng, mean, sigma, alpha, beta);
  } else {
    const flip = alpha > 0; // draw on [-beta, -alpha] and negate
    const a = flip ? -beta : alpha;
    const b = flip ? -alpha : beta;
    const pa = normalCdf(a);
    const width = normalCdf(b) - pa;
    for (let i = 0; i < out.length; i++) {
      const z = normalQuantile(pa + width * rng.nextFloat53());
      const zc = min(max(z, a), b); // the quantile's last-ulp error must not cross a bound
      out[i] = mean + sigma * (flip ? -zc : zc);
    }
  }
  for (let i = 0; i < out.length; i++) {
    if (out[i] < lo) out[i] = lo;
    else if (out[i] > hi) out[i] = hi;
  }
  return out;
}

/** Phi(beta) - Phi(alpha), computed on the side of 0 where it keeps its precision. */
export function truncatedMass(alpha: number, beta: number): number {
  return alpha > 0 ? normalCdf(-alpha) - normalCdf(-beta) : normalCdf(beta) - normalCdf(alpha);
}
