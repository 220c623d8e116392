import { clippedMoments, gaussianMoments, leakyRectifierMoments } from '../../src/math/quadrature';
import { centred, maxOfWindow, throughActivation } from '../../src/model/moments';
import { Xoshiro128 } from '../../src/sampling/prng';
import { fillNormal } from '../../src/sampling/distributions';

/** (mu, sd) of the Gaussians the closed forms are checked at: around, inside and beyond the kinks (0, 6). */
const POINTS: ReadonlyArray<[number, number]> = [
  [0, 1],
  [0.7, 0.2],
  [-2, 0.5],
  [3, 4],
  [5.5, 0.7],
  [7, 4],
];

describe('closed forms against the kinked quadrature', () => {
  it('leaky rectifier moments of N(mu, sd^2) match quadrature to 1e-10 (relu, leaky 0.3, linear)', () => {
    for (const [mu, sd] of POINTS) {
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

  it('relu6 and hard sigmoid moments in closed form equal quadrature', () => {
    for (const [mu, sd] of POINTS) {
      const relu6 = gaussianMoments((u) => Math.min(Math.max(mu + sd * u, 0), 6), [(0 - mu) / sd, (6 - mu) / sd]);
      clippedMoments(mu, sd, 0, 6).forEach((v, i) => expect(v).toBeCloseTo(relu6[i], 10));
      const hard = gaussianMoments(
        (u) => Math.min(Math.max(0.2 * (mu + sd * u) + 0.5, 0), 1),
        [(-2.5 - mu) / sd, (2.5 - mu) / sd],
      );
      clippedMoments(0.2 * mu + 0.5, 0.2 * sd, 0, 1).forEach((v, i) => expect(v).toBeCloseTo(hard[i], 10));
    }
  });

  it('max pooling: the max of n standard normals (E = 1/sqrt(pi) for n = 2), and after relu by Monte Carlo', () => {
    const [two] = [maxOfWindow(centred(1, 1), 2)];
    expect(two.mean[0]).toBeCloseTo(1 / Math.sqrt(Math.PI), 8);
    expect(two.m2[0]).toBeCloseTo(1, 8);
    // relu then a max over 4 positions = relu of the max of 4: Monte Carlo with 200,000 windows of N(0.3, 1.5^2);
    // the standard error of the mean is about 0.003, so 0.02 is more than 6 standard errors
    const relu = throughActivation({ mean: Float64Array.of(0.3), m2: Float64Array.of(0.09 + 2.25) }, 'relu', 0);
    const pooled = maxOfWindow(relu, 4);
    const z = fillNormal(new Float32Array(800000), new Xoshiro128(5), 0.3, 1.5);
    let [sum, sum2] = [0, 0];
    for (let i = 0; i < z.length; i += 4) {
      const m = Math.max(0, z[i], z[i + 1], z[i + 2], z[i + 3]);
      sum += m;
      sum2 += m * m;
    }
    expect(Math.abs(sum / 200000 - pooled.mean[0])).toBeLessThan(0.02);
    expect(Math.abs(sum2 / 200000 / pooled.m2[0] - 1)).toBeLessThan(0.01);
  });
});
