import { calculateGain, varianceGain } from '../../src/math/gains';
import { ACTIVATIONS, scalarActivation, canonicalActivation } from '../../src/math/activations';

/**
 * An independent integration: composite Simpson on [-10, 10], split at the kinks and jumps of the
 * activations (-2.5, 0, 2.5, 6) with piece ends nudged inward, so each piece is smooth. Step 1e-3.
 */
function simpsonExpectation(f: (z: number) => number): number {
  const edges = [-10, -2.5, 0, 2.5, 6, 10];
  const h = 1e-3;
  let total = 0;
  for (let p = 0; p + 1 < edges.length; p++) {
    const a = edges[p];
    const n = Math.round((edges[p + 1] - a) / h / 2) * 2;
    const step = (edges[p + 1] - a) / n;
    let sum = 0;
    for (let i = 0; i <= n; i++) {
      const z = i === 0 ? a + 1e-12 : i === n ? edges[p + 1] - 1e-12 : a + i * step;
      const w = i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2;
      sum += w * f(z) * Math.exp(-0.5 * z * z);
    }
    total += (sum * step) / 3;
  }
  return total / Math.sqrt(2 * Math.PI);
}

describe('calculateGain (PyTorch table)', () => {
  it('matches torch.nn.init.calculate_gain', () => {
    for (const name of [
      'linear',
      'conv1d',
      'conv2d',
      'conv3d',
      'conv_transpose1d',
      'conv_transpose2d',
      'conv_transpose3d',
      'sigmoid',
    ]) {
      expect(calculateGain(name)).toBe(1);
    }
    expect(calculateGain('tanh')).toBe(5 / 3);
    expect(calculateGain('relu')).toBe(Math.SQRT2);
    expect(calculateGain('selu')).toBe(3 / 4);
    expect(calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(calculateGain('leakyRelu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
    expect(calculateGain('LeakyReLU', 0)).toBe(Math.SQRT2);
  });

  it('rejects unknown names and bad params', () => {
    expect(() => calculateGain('gelu')).toThrow(/nonlinearity must be one of .*leaky_relu/);
    expect(() => calculateGain('leaky_relu', NaN)).toThrow(/param must be a finite number; got NaN/);
  });
});

describe('varianceGain', () => {
  it('reproduces closed forms to 1e-9', () => {
    expect(Math.abs(varianceGain('linear') - 1)).toBeLessThan(1e-9);
    expect(Math.abs(varianceGain('relu') - Math.SQRT2)).toBeLessThan(1e-9);
    expect(Math.abs(varianceGain('relu', { mode: 'fanOut' }) - Math.SQRT2)).toBeLessThan(1e-9);
    for (const a of [0, 0.01, 0.2, 0.3, 1]) {
      const expected = Math.sqrt(2 / (1 + a * a));
      expect(Math.abs(varianceGain('leakyRelu', { alpha: a }) - expected)).toBeLessThan(1e-9);
      expect(Math.abs(varianceGain('prelu', { alpha: a, mode: 'fanOut' }) - expected)).toBeLessThan(1e-9);
    }
    // SELU's constants make E[selu(z)^2] = 1 (Klambauer et al. 2017).
    expect(Math.abs(varianceGain('selu') - 1)).toBeLessThan(1e-9);
    // relu6 backward: E[1(0<z<6)] = Phi(6) - 1/2.
    expect(Math.abs(varianceGain('relu6', { mode: 'fanOut' }) - 1 / Math.sqrt(0.5 - 9.865876450377e-10))).toBeLessThan(
      1e-9,
    );
    // hardSigmoid backward: 0.04 P(|z| < 2.5).
    expect(
      Math.abs(varianceGain('hardSigmoid', { mode: 'fanOut' }) - 1 / Math.sqrt(0.04 * 0.987580669348448)),
    ).toBeLessThan(1e-9);
  });

  it('gives the documented figures: tanh 1.5925 forward (PyTorch 5/3)', () => {
    expect(varianceGain('tanh')).toBeCloseTo(1.5925, 4);
    expect(varianceGain('sigmoid')).toBeCloseTo(1.8462, 4);
  });

  it('agrees with an independent Simpson integration for every activation and mode (1e-7)', () => {
    for (const name of ACTIVATIONS) {
      const alpha = name === 'elu' ? 1 : name === 'leakyRelu' ? 0.3 : 0;
      const phi = scalarActivation(name, alpha);
      const forward = 1 / Math.sqrt(simpsonExpectation((z) => phi.value(z) ** 2));
      const backward = 1 / Math.sqrt(simpsonExpectation((z) => phi.derivative(z) ** 2));
      expect(Math.abs(varianceGain(name) / forward - 1)).toBeLessThan(1e-7);
      expect(Math.abs(varianceGain(name, { mode: 'fanOut' }) / backward - 1)).toBeLessThan(1e-7);
    }
  });

  it('derivatives agree with central differences away from kinks', () => {
    for (const name of ACTIVATIONS) {
      const phi = scalarActivation(name, 0.3);
      for (const x of [-3.3, -1.1, -0.4, 0.7, 1.9, 3.7]) {
        const numeric = (phi.value(x + 1e-6) - phi.value(x - 1e-6)) / 2e-6;
        expect(Math.abs(phi.derivative(x) - numeric)).toBeLessThan(1e-6);
      }
    }
  });

  it('accepts tfjs and PyTorch spellings, including the camel-cased gelu_new', () => {
    expect(canonicalActivation('gelu_new')).toBe('geluNew');
    expect(canonicalActivation('geluNew')).toBe('geluNew');
    expect(canonicalActivation('leaky_relu')).toBe('leakyRelu');
    expect(canonicalActivation('hard_sigmoid')).toBe('hardSigmoid');
    expect(varianceGain('leaky_relu', { alpha: 0.2 })).toBe(varianceGain('leakyRelu', { alpha: 0.2 }));
  });

  it('rejects unknown activations, modes and misplaced alphas', () => {
    expect(() => varianceGain('softmax')).toThrow(/activation must be one of/);
    expect(() => varianceGain('relu', { mode: 'fanAvg' as never })).toThrow(/mode must be one of fanIn, fanOut/);
    expect(() => varianceGain('relu', { alpha: 0.2 })).toThrow(/alpha must be omitted for relu/);
    expect(() => varianceGain('elu', { alpha: Infinity })).toThrow(/alpha must be a finite number/);
    expect(() => varianceGain('__proto__')).toThrow(/activation must be one of/);
  });
});
