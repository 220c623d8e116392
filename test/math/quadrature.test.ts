import { gaussianMoments, leakyRectifierMoments, maxOfNormals } from '../../src/math/quadrature';
import { Xoshiro128 } from '../../src/sampling/prng';
import { fillNormal } from '../../src/sampling/distributions';

describe('closed forms against the kinked quadrature', () => {
  it('leaky rectifier moments of N(mu, sd^2) match quadrature to 1e-10 (relu, leaky 0.3, linear)', () => {
    for (const [mu, sd] of [
      [0, 1],
      [0.7, 0.2],
      [-2, 0.5],
      [3, 4],
    ]) {
      for (const alpha of [0, 0.3, 1]) {
        const f = (z: number): number => {
          const x = mu + sd * z;
          return x > 0 ? x : alpha * x;
        };
        const [q1, q2] = gaussianMoments(f, [-mu / sd]);
        const [c1, c2] = leakyRectifierMoments(mu, sd, alpha);
        expect(Math.abs(c1 - q1)).toBeLessThan(1e-10 * Math.max(1, Math.abs(q1)));
        expect(Math.abs(c2 - q2)).toBeLessThan(1e-10 * Math.max(1, q2));
      }
    }
  });

  it('the max of n standard normals: E[M] 0.5642 for n = 2, 1.0294 for n = 4 (order statistics), and Monte Carlo', () => {
    // E[max of 2] = 1 / sqrt(pi) exactly; E[max of 2]^2 moment = 1
    const [m2a, m2b] = maxOfNormals(2);
    expect(m2a).toBeCloseTo(1 / Math.sqrt(Math.PI), 10);
    expect(m2b).toBeCloseTo(1, 10);
    // n = 4: Monte Carlo with 200,000 maxima; the standard error of the mean is about 0.0017, so 0.01 is ~6 sigma
    const rng = new Xoshiro128(5);
    const z = fillNormal(new Float32Array(800000), rng, 0, 1);
    let sum = 0;
    for (let i = 0; i < z.length; i += 4) sum += Math.max(z[i], z[i + 1], z[i + 2], z[i + 3]);
    expect(Math.abs(sum / 200000 - maxOfNormals(4)[0])).toBeLessThan(0.01);
    expect(maxOfNormals(4)[0]).toBeCloseTo(1.0294, 4);
  });
});
