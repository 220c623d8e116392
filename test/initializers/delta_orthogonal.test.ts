import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError, deltaOrthogonal, meanField } from '../../src';
import { orthogonalityError } from '../records';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('DeltaOrthogonal (Xiao et al. 2018)', () => {
  it('centre tap g H with orthonormal rows (W W^T = g^2 I within 1e-5), every other tap exactly 0', () => {
    for (const shape of [
      [3, 16, 16],
      [5, 5, 8, 12],
      [3, 3, 3, 4, 4],
    ]) {
      const w = deltaOrthogonal({ gain: 1.5, seed: 1 }).sample(shape);
      const rank = shape.length;
      const tap = shape[rank - 2] * shape[rank - 1];
      let centre = 0;
      for (let i = 0; i < rank - 2; i++) centre = centre * shape[i] + Math.floor(shape[i] / 2);
      expect(orthogonalityError(w.subarray(centre * tap, (centre + 1) * tap), shape.slice(-2), 1.5)).toBeLessThan(1e-5);
      let offCentre = 0;
      w.forEach((v, i) => {
        if ((i < centre * tap || i >= (centre + 1) * tap) && v !== 0) offCentre++;
      });
      expect(offCentre).toBe(0);
    }
  });

  it('rejects in > out and shapes that are not conv kernels', () => {
    expect(() => deltaOrthogonal().sample([3, 8, 4])).toThrow(InitializerConfigError);
    expect(() => deltaOrthogonal().sample([3, 8, 4])).toThrow(/a kernel with in <= out channels \(here 8 > 4\)/);
    expect(() => deltaOrthogonal().sample([8, 8])).toThrow(/shape must be of rank 3 to 5/);
  });

  it('dynamical isometry: a 50-layer tanh Conv1D chain at the critical point keeps q within 0.5x-2x of q*', () => {
    // sigma_b^2 = 0.05: the edge of chaos is sigma_w^2 = 1.7610, q* = 0.5700 (meanField, Schoenholz et al. 2017)
    const edge = meanField.edgeOfChaos({ activation: 'tanh' }, 0.05) as { sigmaW2: number; q: number };
    const qs = tf.tidy(() => {
      let x = tf.tanh(tf.randomNormal([16, 32, 64], 0, 1, 'float32', 1)); // the input went through tanh too
      const out: number[] = [];
      for (let l = 0; l < 50; l++) {
        const conv = tf.layers.conv1d({
          filters: 64,
          kernelSize: 3,
          padding: 'same',
          kernelInitializer: deltaOrthogonal({ gain: Math.sqrt(edge.sigmaW2), seed: 100 + l }),
          biasInitializer: tf.initializers.randomNormal({ mean: 0, stddev: Math.sqrt(0.05), seed: 200 + l }),
        });
        const z = conv.apply(x) as tf.Tensor;
        out.push(z.square().mean().dataSync()[0]);
        x = tf.tanh(z);
      }
      return out;
    });
    for (const q of qs) {
      expect(q).toBeGreaterThan(0.5 * edge.q);
      expect(q).toBeLessThan(2 * edge.q);
    }
  });
});
