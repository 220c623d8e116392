/**
 * Dropout and noise layers: the identity in inference mode; in training mode, inverted dropout (Dropout and its
 * subclass SpatialDropout1D) keeps the mean and divides the second moment by 1 - rate, GaussianNoise adds its
 * variance, GaussianDropout multiplies by N(1, rate / (1 - rate)), and AlphaDropout is the affine map tfjs applies.
 */
import { SELU_ALPHA, SELU_SCALE } from '../../math/activations.js';
import { Stats, addNoise, fromVariance, noisy, variances } from '../moments.js';
import { elementwise } from '../moments_positions.js';
import { diluted } from '../moments_spatial.js';
import { numberOf } from './common.js';
import { RuleFamily } from './registry.js';
import { MomentRule } from './types.js';

/** A rule that is the identity in inference mode and `train` in training mode. */
const noise =
  (train: (s: Stats, rate: number) => Stats, note: string, key = 'rate'): MomentRule =>
  ({ layer, inputs, training }) => {
    const rate = numberOf(layer, key, 0);
    return training
      ? { moments: elementwise(inputs, ([x]) => train(x, rate)), note: `training mode: ${note}`, exact: true }
      : { moments: inputs[0] };
  };

/** Inverted dropout: E[y] = E[x], E[y^2] = E[x^2] / (1 - rate); distinct positions' covariance unchanged. */
const dropout = noise((s, rate) => (rate > 0 && rate < 1 ? noisy(s, 1 / (1 - rate)) : s), 'inverted dropout');

/**
 * tfjs's AlphaDropout (tfjs-layers src/layers/noise.ts): z = x where kept, -alpha' where dropped (alpha' =
 * -SELU scale x alpha; Keras drops to alpha' itself), then y = a z + b with a = ((1 - p)(1 + p alpha'^2))^(-1/2),
 * b = -a alpha' p.
 */
function alphaDropout(s: Stats, p: number): Stats {
  if (!(p > 0 && p < 1)) return s;
  const alphaP = -SELU_ALPHA * SELU_SCALE;
  const dropped = -alphaP;
  const a = ((1 - p) * (1 + p * alphaP ** 2)) ** -0.5;
  const b = -a * alphaP * p;
  const mean = s.mean.map((mu) => a * ((1 - p) * mu + p * dropped) + b);
  const v = s.mean.map((mu, c) => {
    const m2z = (1 - p) * s.m2[c] + p * dropped * dropped;
    const mz = (1 - p) * mu + p * dropped;
    return a * a * Math.max(0, m2z - mz * mz);
  });
  const out = fromVariance(mean, v);
  // distinct positions: Cov(z, z') = (1 - p)^2 Cov(x, x'), the masks independent
  if (!s.spatial) return out;
  const before = variances(s).map((x) => a * a * (1 - p) * (1 - p) * x);
  return { ...out, spatial: diluted(s.spatial, before, variances(out)) };
}

/** The rules of this family. */
export const NOISE_RULES: RuleFamily = {
  Dropout: { passes: 'through', moments: dropout, positions: true },
  SpatialDropout1D: { passes: 'through', moments: dropout, positions: true },
  GaussianNoise: {
    passes: 'through',
    positions: true,
    moments: noise((s, std) => addNoise(s, std * std), 'additive Gaussian noise', 'stddev'),
  },
  GaussianDropout: {
    passes: 'through',
    positions: true,
    moments: noise(
      (s, rate) => (rate > 0 && rate < 1 ? noisy(s, 1 / (1 - rate)) : s),
      'multiplicative N(1, rate / (1 - rate))',
    ),
  },
  AlphaDropout: { passes: 'through', moments: noise(alphaDropout, "tfjs's alpha dropout"), positions: true },
};
