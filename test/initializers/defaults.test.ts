/**
 * The defaults the README's porting section states where they differ from PyTorch's, Keras's and JAX's: ours, as
 * the configs hold them (getConfig fills every default in).
 */
import { glorotNormal, heNormal, heUniform, leCunNormal, sparse, truncatedNormal, varianceScaling } from '../../src';

describe('defaults the porting table states', () => {
  it('truncatedNormal: std 1, bounds +-2 sigma (JAX lower/upper), no absolute bounds, no seed', () => {
    expect(truncatedNormal().getConfig()).toMatchObject({ mean: 0, std: 1, a: null, b: null, seed: null });
    // the +-2 sigma: every draw of std 0.02 stays within 0.04
    const v = truncatedNormal({ std: 0.02, seed: 1 }).sample([4096]);
    expect(Math.max(...Array.from(v, Math.abs))).toBeLessThanOrEqual(0.04);
  });

  it('the normal presets and varianceScaling: truncated normal; He: slope 0; sparse: 0.9', () => {
    for (const init of [glorotNormal(), heNormal(), leCunNormal(), varianceScaling()]) {
      expect(init.getConfig().distribution).toBe('truncatedNormal');
    }
    expect(varianceScaling().getConfig()).toMatchObject({ scale: 1, mode: 'fanIn' });
    expect(heUniform().getConfig()).toMatchObject({ negativeSlope: 0, mode: 'fanIn', seed: null });
    expect(sparse().getConfig()).toMatchObject({ sparsity: 0.9, std: 0.01 });
  });
});

describe('likely misuses say what was passed and what to pass', () => {
  it('a bare number where the options go', () => {
    expect(() => heNormal(0.2 as never)).toThrow(
      /TfjsInit>HeNormal: options must be an object of named options \(negativeSlope, mode, .*\), e\.g\. \{negativeSlope: \.\.\.\}; got 0\.2/,
    );
  });
});
