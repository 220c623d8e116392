/** Special functions in double precision (no dependency, ~1e-15 relative). */

// Math's functions bound once: hot loops here; a global lookup of `Math` is ~20x slower in a vm context (jest).
const { abs, exp, log, sign, sqrt } = Math;

const SQRT_PI = sqrt(Math.PI);
const SQRT_2PI = sqrt(2 * Math.PI);
const { SQRT2 } = Math;

/**
 * Complementary error function. |x| < 3: the series
 * erf(x) = 2/sqrt(pi) e^{-x^2} sum_n 2^n x^{2n+1} / (1*3*...*(2n+1)), whose terms are all
 * positive (Abramowitz & Stegun 7.1.6); |x| >= 3: the continued fraction of
 * A&S 7.1.14, evaluated by the modified Lentz method.
 */
function erfc(x: number): number {
  if (x !== x) return NaN; // NaN (a global lookup of Number is slow in a vm context)
  const ax = abs(x);
  if (ax < 3) {
    const x2 = ax * ax;
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200 && term > sum * 1e-17; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
    }
    const erf = (2 / SQRT_PI) * exp(-x2) * sum * sign(x);
    return 1 - erf;
  }
  // erfc(a) = e^{-a^2}/sqrt(pi) * 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...)))))
  const tiny = 1e-300;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const an = k / 2;
    d = ax + an * d;
    d = d === 0 ? tiny : d;
    c = ax + an / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (abs(delta - 1) < 1e-16) break;
  }
  const tail = exp(-ax * ax) / (SQRT_PI * f);
  return x > 0 ? tail : 2 - tail;
}

/** Standard normal CDF, Phi(x) = erfc(-x / sqrt 2) / 2. */
export function normalCdf(x: number): number {
  if (x > 1e300 || x < -1e300) return x > 0 ? 1 : 0; // +-Infinity
  return 0.5 * erfc(-x / SQRT2);
}

/** Standard normal density. */
export function normalPdf(x: number): number {
  return exp(-0.5 * x * x) / SQRT_2PI;
}

/** Coefficients of Acklam's rational approximation to the normal quantile (relative error < 1.15e-9). */
const QA = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
];
const QB = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const QC = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const QD = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/**
 * Standard normal quantile Phi^-1(p), p in [0, 1]: Acklam's rational approximation refined by
 * one Halley step on Phi (about 1e-15 relative where Phi is resolved). p = 0 gives -Infinity,
 * p = 1 gives +Infinity.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0)) return p === 0 ? -Infinity : NaN;
  if (!(p < 1)) return p === 1 ? Infinity : NaN;
  let x: number;
  if (p < P_LOW || p > 1 - P_LOW) {
    const q = sqrt(-2 * log(p < P_LOW ? p : 1 - p));
    const num = ((((QC[0] * q + QC[1]) * q + QC[2]) * q + QC[3]) * q + QC[4]) * q + QC[5];
    const den = (((QD[0] * q + QD[1]) * q + QD[2]) * q + QD[3]) * q + 1;
    x = p < P_LOW ? num / den : -num / den;
  } else {
    const q = p - 0.5;
    const r = q * q;
    const num = (((((QA[0] * r + QA[1]) * r + QA[2]) * r + QA[3]) * r + QA[4]) * r + QA[5]) * q;
    const den = ((((QB[0] * r + QB[1]) * r + QB[2]) * r + QB[3]) * r + QB[4]) * r + 1;
    x = num / den;
  }
  // Halley step: e = Phi(x) - p, u = e / phi(x); in the upper half, work with the upper tail for precision.
  const e = x > 0 ? 1 - p - normalCdf(-x) : normalCdf(x) - p;
  const u = e * SQRT_2PI * exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}
