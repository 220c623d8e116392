/**
 * Mean-field signal propagation in wide random networks (Poole et al., "Exponential expressivity in deep
 * neural networks through transient chaos", NeurIPS 2016; Schoenholz et al., "Deep information
 * propagation", ICLR 2017). With weights of variance sigma_w^2 / fanIn and biases of variance sigma_b^2, the
 * pre-activation second moment q of a unit follows the length map
 *   q' = sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2,  z ~ N(0, 1),
 * whose fixed point q* the signal settles to; chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2] is how a small
 * perturbation grows per layer (< 1 ordered, > 1 chaotic), and chi_1 = 1 is the edge of chaos. Expectations
 * by Gauss-Legendre quadrature with panel edges on the activation's kinks. No tfjs.
 */
import { InitializerConfigError } from '../errors.js';
import { ACTIVATION_KINKS, ActivationName, canonicalActivation, scalarActivation } from './activations.js';
import { resolveAlpha } from './gains.js';
import { gaussianMoments } from './quadrature.js';

/** An activation for the mean field: a name (tfjs or PyTorch spelling) and its alpha where it takes one. */
export interface MeanFieldActivation {
  /** e.g. `tanh`, `relu`, `leakyRelu`. */
  activation: ActivationName | string;
  /** leakyRelu/prelu slope or elu alpha; defaults as the tfjs layers. */
  alpha?: number;
}

/** An activation name (`'relu'`), or the name with its alpha (`{activation: 'leakyRelu', alpha: 0.2}`). */
export type MeanFieldInput = ActivationName | string | MeanFieldActivation;

const OWNER = 'meanField';

function resolved(a: MeanFieldInput): { phi: ReturnType<typeof scalarActivation>; kinks: readonly number[] } {
  const given: unknown = a;
  if (typeof given !== 'string' && (typeof given !== 'object' || given === null || !('activation' in given))) {
    throw new InitializerConfigError(
      OWNER,
      'the activation (first argument)',
      given,
      "an activation name such as 'relu', or {activation: 'leakyRelu', alpha: 0.2}",
    );
  }
  const spec = typeof a === 'string' ? { activation: a } : a;
  const name = canonicalActivation(spec.activation, OWNER);
  const alpha = resolveAlpha(OWNER, name, spec.alpha);
  return { phi: scalarActivation(name, alpha), kinks: ACTIVATION_KINKS[name] ?? [] };
}

function check(field: string, value: number, min: number, strict = false): void {
  const ok = Number.isFinite(value) && (strict ? value > min : value >= min);
  if (!ok) throw new InitializerConfigError(OWNER, field, value, `a finite number ${strict ? '>' : '>='} ${min}`);
}

/** E[g(sqrt(q) z)^2] with the activation's kinks as panel edges. */
function secondMoment(g: (x: number) => number, q: number, kinks: readonly number[]): number {
  if (q === 0) return g(0) ** 2;
  const s = Math.sqrt(q);
  return gaussianMoments(
    (z) => g(s * z),
    kinks.map((k) => k / s),
  )[1];
}

/** q' = sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2: the next layer's pre-activation second moment. */
export function lengthMap(a: MeanFieldInput, sigmaW2: number, sigmaB2: number, q: number): number {
  check('sigmaW2', sigmaW2, 0);
  check('sigmaB2', sigmaB2, 0);
  check('q', q, 0);
  const { phi, kinks } = resolved(a);
  return sigmaW2 * secondMoment(phi.value, q, kinks) + sigmaB2;
}

/** chi_1 = sigma_w^2 E[phi'(sqrt(q) z)^2]: the per-layer growth of a small perturbation at second moment q. */
export function chi1(a: MeanFieldInput, sigmaW2: number, q: number): number {
  check('sigmaW2', sigmaW2, 0);
  if (!(q >= 0)) throw new InitializerConfigError(OWNER, 'q', q, 'a number >= 0 (Infinity: the limit of large q)');
  const { phi, kinks } = resolved(a);
  if (q === Infinity) return sigmaW2 * secondMoment(phi.derivative, 1e12, kinks);
  return sigmaW2 * secondMoment(phi.derivative, q, kinks);
}

const Q_MAX = 1e12;
const Q_MIN = 1e-12;

/**
 * The fixed point q* = lengthMap(q*) the iteration settles to from a positive start: the largest root of
 * lengthMap(q) - q (0 when the map contracts every q above 1e-12 toward 0, e.g. tanh with sigma_b = 0 and sigma_w^2 <= 1),
 * or Infinity when q grows without bound (e.g. relu with sigma_w^2 > 2). Found by bracketing and bisection.
 */
export function fixedPoint(a: MeanFieldInput, sigmaW2: number, sigmaB2: number): number {
  const g = (q: number): number => lengthMap(a, sigmaW2, sigmaB2, q) - q;
  let hi = 1;
  while (g(hi) > 0) {
    hi *= 4;
    if (hi > Q_MAX) return Infinity;
  }
  // g(hi) <= 0; look for the largest sign change below hi.
  let lo = hi / 4;
  while (lo > Q_MIN && g(lo) <= 0) lo /= 4; // a fixed point below Q_MIN counts as 0
  if (!(g(lo) > 0)) return 0;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (g(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A point on the edge of chaos. */
export interface CriticalPoint {
  /** The weight variance scale sigma_w^2 (Var(W) = sigma_w^2 / fanIn) where chi_1 = 1. */
  sigmaW2: number;
  /** The fixed point q* of the length map there. */
  q: number;
}

/**
 * The edge of chaos for a given sigma_b^2: the sigma_w^2 where chi_1(q*) = 1, and its q*; null where chi_1
 * never crosses 1 for sigma_w^2 in [1e-3, 1e3]. tanh: sigma_w^2 = 1 at sigma_b^2 = 0, rising with sigma_b^2;
 * relu: 2 (at sigma_b^2 = 0).
 */
export function edgeOfChaos(a: MeanFieldInput, sigmaB2: number): CriticalPoint | null {
  check('sigmaB2', sigmaB2, 0);
  const h = (logW: number): number => {
    const w = Math.exp(logW);
    return chi1(a, w, fixedPoint(a, w, sigmaB2)) - 1;
  };
  let lo = Math.log(1e-3);
  let hi = Math.log(1e3);
  if (!(h(lo) < 0 && h(hi) > 0)) return null;
  for (let i = 0; i < 100 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (h(mid) < 0) lo = mid;
    else hi = mid;
  }
  const sigmaW2 = Math.exp((lo + hi) / 2);
  return { sigmaW2, q: fixedPoint(a, sigmaW2, sigmaB2) };
}

/** The mean-field functions, as one namespace. */
export interface MeanField {
  /** See {@link lengthMap}. */
  lengthMap: typeof lengthMap;
  /** See {@link fixedPoint}. */
  fixedPoint: typeof fixedPoint;
  /** See {@link chi1}. */
  chi1: typeof chi1;
  /** See {@link edgeOfChaos}. */
  edgeOfChaos: typeof edgeOfChaos;
}

/**
 * The mean-field map of wide random networks: length map, fixed point, chi_1, edge of chaos.
 *
 * @example
 * ```ts
 * import { meanField } from 'tfjs-initializers';
 *
 * const edge = meanField.edgeOfChaos('tanh', 0.05); // sigma_w^2 where chi_1 = 1 at sigma_b^2 = 0.05
 * console.log(edge?.sigmaW2.toFixed(5), edge?.q.toFixed(5));
 * console.log(meanField.lengthMap({ activation: 'leakyRelu', alpha: 0.2 }, 2, 0, 1).toFixed(4));
 * ```
 * ```text output
 * 1.76095 0.57005
 * 1.0400
 * ```
 */
export const meanField: MeanField = { lengthMap, fixedPoint, chi1, edgeOfChaos };
