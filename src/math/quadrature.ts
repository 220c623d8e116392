/**
 * Expectations under a standard normal by composite Gauss-Legendre quadrature.
 * Panels of width 1/2 over [-12, 12] put a panel edge on every kink of the tfjs
 * activations (0, +-2.5, 6); 20 nodes a panel integrate each smooth piece to
 * double precision, and the mass beyond |z| = 12 is below 1e-32.
 */
import { normalCdf, normalPdf } from './special.js';

// Math's functions bound once: hot loops here; a global lookup of `Math` is ~20x slower in a vm context (jest).
const { abs, cos, round } = Math;

const NODES = 20;
const HALF_RANGE = 12;
const PANEL = 0.5;

/** Gauss-Legendre nodes and weights on [-1, 1], by Newton's method on P_n. */
function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const step = p1 / dp;
      z -= step;
      if (abs(step) < 1e-16) break;
    }
    x[i] = z;
    w[i] = 2 / ((1 - z * z) * dp * dp);
  }
  return { x, w };
}

/** The Gauss-Legendre rule on [-1, 1]. */
const RULE = gaussLegendre(NODES);

/** Nodes and weights of `rule` on every panel of width PANEL over [-12, 12], each weight times the normal density. */
function panelled(rule: { x: Float64Array; w: Float64Array }): { z: Float64Array; w: Float64Array } {
  const nodes = rule.x.length;
  const panels = round((2 * HALF_RANGE) / PANEL);
  const z = new Float64Array(panels * nodes);
  const w = new Float64Array(panels * nodes);
  for (let p = 0; p < panels; p++) {
    const mid = -HALF_RANGE + (p + 0.5) * PANEL;
    for (let i = 0; i < nodes; i++) {
      const zi = mid + 0.5 * PANEL * rule.x[i];
      z[p * nodes + i] = zi;
      w[p * nodes + i] = 0.5 * PANEL * rule.w[i] * normalPdf(zi);
    }
  }
  return { z, w };
}

/** Nodes z_i and weights w_i with sum w_i f(z_i) ~= E[f(Z)], Z ~ N(0, 1). */
export const GRID = panelled(RULE);

/**
 * The same panels with 8 nodes each: for integrands smooth on every panel (no kinks, such as the density of a max
 * of normals), accurate to about 1e-12 at 40% of GRID's nodes.
 */
export const SMOOTH_GRID = panelled(gaussLegendre(8));

/** E[f(Z)] for Z ~ N(0, 1); f may have kinks at multiples of 1/2. */
export function gaussianExpectation(f: (z: number) => number): number {
  let sum = 0;
  for (let i = 0; i < GRID.z.length; i++) sum += GRID.w[i] * f(GRID.z[i]);
  return sum;
}

/** The panel edges of the standard grid, -12 to 12 by 1/2. */
const BASE_EDGES: readonly number[] = Array.from(
  { length: round((2 * HALF_RANGE) / PANEL) + 1 },
  (_, p) => -HALF_RANGE + p * PANEL,
);

/** Panel edges: the standard grid plus `kinks` inside it, sorted. */
function edgesWith(kinks: readonly number[]): number[] {
  const extra = kinks.filter((k) => k > -HALF_RANGE && k < HALF_RANGE && !Number.isInteger(k / PANEL));
  if (extra.length === 0) return BASE_EDGES as number[];
  return [...BASE_EDGES, ...extra].sort((a, b) => a - b);
}

/**
 * E[f(Z)] and E[f(Z)^2] for Z ~ N(0, 1), in one pass, with panel edges also at `kinks` (points where f is not
 * smooth, e.g. an activation's kink scaled into z units): each piece between edges gets the 20-point rule.
 */
export function gaussianMoments(f: (z: number) => number, kinks: readonly number[]): [number, number] {
  const edges = edgesWith(kinks);
  let m1 = 0;
  let m2 = 0;
  if (edges === BASE_EDGES) {
    // the standard grid: nodes and weights precomputed
    for (let i = 0; i < GRID.z.length; i++) {
      const v = f(GRID.z[i]);
      m1 += GRID.w[i] * v;
      m2 += GRID.w[i] * v * v;
    }
    return [m1, m2];
  }
  for (let e = 0; e + 1 < edges.length; e++) {
    const half = (edges[e + 1] - edges[e]) / 2;
    const mid = (edges[e] + edges[e + 1]) / 2;
    for (let i = 0; i < NODES; i++) {
      const z = mid + half * RULE.x[i];
      const w = half * RULE.w[i] * normalPdf(z);
      const v = f(z);
      m1 += w * v;
      m2 += w * v * v;
    }
  }
  return [m1, m2];
}

/**
 * E[f(X)] and E[f(X)^2] in closed form for the leaky rectifier f(x) = max(x, 0) + alpha min(x, 0) (relu: alpha 0)
 * of X ~ N(mu, sd^2), sd > 0: with t = mu / sd, E[X 1{X>0}] = mu Phi(t) + sd phi(t) and
 * E[X^2 1{X>0}] = (mu^2 + sd^2) Phi(t) + mu sd phi(t) (moments of the truncated normal).
 */
export function leakyRectifierMoments(mu: number, sd: number, alpha: number): [number, number] {
  const t = mu / sd;
  const [cdf, pdf] = [normalCdf(t), normalPdf(t)];
  const m1 = mu * cdf + sd * pdf;
  const m2 = (mu * mu + sd * sd) * cdf + mu * sd * pdf;
  return [m1 + alpha * (mu - m1), m2 + alpha * alpha * (mu * mu + sd * sd - m2)];
}

/**
 * E[y] and E[y^2] for y = clip(x, lo, hi), x ~ N(mu, sd^2), sd > 0 (relu6 is clip(x, 0, 6)): with a = (lo - mu) / sd
 * and b = (hi - mu) / sd, E[y] = lo Phi(a) + mu (Phi(b) - Phi(a)) + sd (phi(a) - phi(b)) + hi (1 - Phi(b)) and
 * E[y^2] = lo^2 Phi(a) + (mu^2 + sd^2)(Phi(b) - Phi(a)) + 2 mu sd (phi(a) - phi(b)) + sd^2 (a phi(a) - b phi(b))
 * + hi^2 (1 - Phi(b)) (the truncated normal's moments).
 */
export function clippedMoments(mu: number, sd: number, lo: number, hi: number): [number, number] {
  const [a, b] = [(lo - mu) / sd, (hi - mu) / sd];
  const [ca, cb, pa, pb] = [normalCdf(a), normalCdf(b), normalPdf(a), normalPdf(b)];
  const above = normalCdf(-b);
  const inside = cb - ca;
  const m1 = lo * ca + mu * inside + sd * (pa - pb) + hi * above;
  const m2 =
    lo * lo * ca +
    (mu * mu + sd * sd) * inside +
    2 * mu * sd * (pa - pb) +
    sd * sd * (a * pa - b * pb) +
    hi * hi * above;
  return [m1, m2];
}

/**
 * E[f(Z) He_n(Z)] for n = 0..order, Z ~ N(0, 1), He_n the probabilists' Hermite polynomials (He_0 = 1,
 * He_{n+1} = z He_n - n He_{n-1}), on the panels of gaussianMoments (edges also at `kinks`). With
 * c_n = E[f He_n] / sqrt(n!), Mehler's formula gives Cov(f(X), f(Y)) = sum_{n>=1} c_n^2 rho^n for standard
 * normals X, Y of correlation rho (O'Donnell, Analysis of Boolean Functions, ch. 11).
 */
export function hermiteProjections(f: (z: number) => number, order: number, kinks: readonly number[]): Float64Array {
  const out = new Float64Array(order + 1);
  // panels of width 1 over [-10, 10], 10 nodes each, edges also at the kinks: ample for degree <= 16 weights
  const inside = kinks.filter((k) => k > -10 && k < 10 && !Number.isInteger(k));
  const edges = [...Array.from({ length: 21 }, (_, i) => i - 10), ...inside].sort((a, b) => a - b);
  for (let e = 0; e + 1 < edges.length; e++) {
    const half = (edges[e + 1] - edges[e]) / 2;
    const mid = (edges[e] + edges[e + 1]) / 2;
    for (let i = 0; i < HERMITE_RULE.x.length; i++) {
      const z = mid + half * HERMITE_RULE.x[i];
      const w = half * HERMITE_RULE.w[i] * normalPdf(z) * f(z);
      let [prev, he] = [0, 1];
      for (let n = 0; n <= order; n++) {
        out[n] += w * he;
        [prev, he] = [he, z * he - n * prev];
      }
    }
  }
  return out;
}

/** The 10-point Gauss-Legendre rule hermiteProjections uses per panel. */
const HERMITE_RULE = gaussLegendre(10);

/** A coarse rule for a smooth outer expectation E[g(Z)]: 8 panels of 6 Gauss-Legendre nodes over [-8, 8]. */
export const OUTER_GAUSSIAN: { z: Float64Array; w: Float64Array } = (() => {
  const rule = gaussLegendre(6);
  const z = new Float64Array(48);
  const w = new Float64Array(48);
  for (let p = 0; p < 8; p++) {
    for (let i = 0; i < 6; i++) {
      const zi = -8 + (p + 0.5) * 2 + rule.x[i];
      z[p * 6 + i] = zi;
      w[p * 6 + i] = rule.w[i] * normalPdf(zi);
    }
  }
  return { z, w };
})();
