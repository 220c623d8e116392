import { InitializerConfigError, meanField } from '../../src';
import { Xoshiro128 } from '../../src/sampling/prng';
import { standardNormal } from '../../src/sampling/distributions';

const tanh = { activation: 'tanh' };
const relu = { activation: 'relu' };

describe('mean field (Poole et al. 2016; Schoenholz et al. 2017)', () => {
  it("relu's length map is linear: q' = sigma_w^2 q / 2 + sigma_b^2 (to 1e-12)", () => {
    for (const [w, b, q] of [
      [2, 0, 1],
      [1.5, 0.1, 0.7],
      [3, 0.05, 4.2],
    ]) {
      expect(meanField.lengthMap(relu, w, b, q)).toBeCloseTo((w * q) / 2 + b, 12);
    }
  });

  it('relu: chi_1 = sigma_w^2 / 2 at any q; the edge of chaos is sigma_w^2 = 2 at sigma_b^2 = 0', () => {
    expect(meanField.chi1(relu, 2, 0.3)).toBeCloseTo(1, 12);
    expect(meanField.chi1(relu, 3, 5)).toBeCloseTo(1.5, 12);
    expect(meanField.edgeOfChaos(relu, 0)?.sigmaW2).toBeCloseTo(2, 9);
    expect(meanField.fixedPoint(relu, 1.5, 0.1)).toBeCloseTo(0.1 / (1 - 0.75), 9);
    expect(meanField.fixedPoint(relu, 2.5, 0.1)).toBe(Infinity);
  });

  it('the length map agrees with Monte Carlo (10^6 draws, within 6 standard errors)', () => {
    const rng = new Xoshiro128(5);
    const n = 1e6;
    for (const [activation, w, b, q] of [
      ['tanh', 1.7, 0.05, 0.6],
      ['gelu', 1.9, 0.1, 1.3],
      ['hardSigmoid', 2, 0, 9],
    ] as const) {
      const values = new Float64Array(n);
      const phi = (x: number): number =>
        activation === 'tanh'
          ? Math.tanh(x)
          : activation === 'gelu'
            ? 0.5 * x * (1 + erf(x / Math.SQRT2))
            : Math.min(1, Math.max(0, 0.2 * x + 0.5));
      let sum = 0;
      for (let i = 0; i < n; i++) {
        values[i] = phi(Math.sqrt(q) * standardNormal(rng)) ** 2;
        sum += values[i];
      }
      const mean = sum / n;
      let ss = 0;
      for (const v of values) ss += (v - mean) ** 2;
      const se = Math.sqrt(ss / n / n);
      expect(Math.abs(meanField.lengthMap({ activation }, w, b, q) - (w * mean + b))).toBeLessThan(6 * w * se);
    }
  });

  it("tanh's critical line: sigma_w^2 = 1 at sigma_b^2 = 0 (q* = 0, chi_1 = sigma_w^2), rising with sigma_b^2", () => {
    const at0 = meanField.edgeOfChaos(tanh, 0);
    expect(at0?.sigmaW2).toBeCloseTo(1, 6);
    expect(at0?.q).toBe(0);
    expect(meanField.chi1(tanh, 0.8, 0)).toBeCloseTo(0.8, 12);
    // Schoenholz et al.'s critical point at sigma_b^2 = 0.05: sigma_w^2 1.7610, q* 0.5700
    const at05 = meanField.edgeOfChaos(tanh, 0.05);
    expect(at05?.sigmaW2).toBeCloseTo(1.761, 3);
    expect(at05?.q).toBeCloseTo(0.57, 3);
    let previous = 1;
    for (const b of [0.01, 0.05, 0.1, 0.2]) {
      const w = meanField.edgeOfChaos(tanh, b)?.sigmaW2 as number;
      expect(w).toBeGreaterThan(previous);
      previous = w;
    }
  });

  it('the fixed point is a fixed point, and chi_1 < 1 below the edge, > 1 above', () => {
    const q = meanField.fixedPoint(tanh, 2.5, 0.05);
    expect(meanField.lengthMap(tanh, 2.5, 0.05, q)).toBeCloseTo(q, 10);
    expect(meanField.chi1(tanh, 1.5, meanField.fixedPoint(tanh, 1.5, 0.05))).toBeLessThan(1);
    expect(meanField.chi1(tanh, 2.5, q)).toBeGreaterThan(1);
    expect(meanField.fixedPoint(tanh, 0.9, 0)).toBe(0);
  });

  it('rejects bad input naming the field', () => {
    expect(() => meanField.lengthMap(tanh, -1, 0, 1)).toThrow(InitializerConfigError);
    expect(() => meanField.lengthMap(tanh, 1, 0, -1)).toThrow(/meanField: q must be a finite number >= 0; got -1/);
    expect(() => meanField.chi1({ activation: 'softmax' }, 1, 1)).toThrow(/activation must be one of/);
    // a likely misuse: a number or an object without `activation` where the activation goes
    expect(() => meanField.lengthMap(2 as never, 0.1, 0.7, 1)).toThrow(
      /meanField: the activation \(first argument\) must be an activation name such as 'relu', or \{activation: 'leakyRelu', alpha: 0.2\}; got 2/,
    );
    expect(() => meanField.fixedPoint({ alpha: 0.2 } as never, 1, 0)).toThrow(/the activation \(first argument\)/);
  });

  it('takes an activation name or {activation, alpha}, with the same results', () => {
    expect(meanField.lengthMap('relu', 2, 0.1, 0.7)).toBe(meanField.lengthMap(relu, 2, 0.1, 0.7));
    expect(meanField.chi1('tanh', 1.5, 0.3)).toBe(meanField.chi1(tanh, 1.5, 0.3));
    expect(meanField.edgeOfChaos('leaky_relu', 0)).toEqual(meanField.edgeOfChaos({ activation: 'leakyRelu' }, 0));
    // leakyRelu's default alpha (tfjs's 0.3) differs from alpha 0.2: the spelled-out form carries it
    expect(meanField.fixedPoint({ activation: 'leakyRelu', alpha: 0.2 }, 1.5, 0.1)).not.toBe(
      meanField.fixedPoint('leakyRelu', 1.5, 0.1),
    );
  });
});

/** erf by its Maclaurin series / continued fraction via the library-independent A&S 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    t *
      (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
      Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
