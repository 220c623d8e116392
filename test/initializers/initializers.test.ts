import * as tf from '@tensorflow/tfjs';
import {
  ActivationAware,
  GlorotNormal,
  GlorotUniform,
  HeNormal,
  HeUniform,
  InitializerConfigError,
  LeCunNormal,
  LeCunUniform,
  Orthogonal,
  VarianceScaling,
  activationAware,
  calculateGain,
  computeFans,
  glorotNormal,
  glorotUniform,
  heNormal,
  leCunNormal,
  pytorchDefault,
  varianceGain,
} from '../../src';
import { TRUNCATED_NORMAL_STD, varianceScalingStd } from '../../src/internals';
import type { OptionSpec, VarianceScalingPreset } from '../../src/internals';
import { orthogonalityError } from '../records';
import { expectNoLeak, ksCritical, ksStatistic, moments, stdTolerance, targetCdf } from '../helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function draw(init: { apply(shape: number[]): tf.Tensor }, shape: number[]): Float32Array {
  const t = init.apply(shape);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

/** Expected std from the papers' formulas, written out independently of the core. */
function formulaStd(
  kind: string,
  shape: number[],
  opts: { gain?: number; slope?: number; mode?: 'fanIn' | 'fanOut' } = {},
): number {
  const { fanIn, fanOut } = computeFans(shape);
  const g = opts.gain ?? 1;
  switch (kind) {
    case 'glorot':
      return g * Math.sqrt(2 / (fanIn + fanOut));
    case 'he':
      return Math.sqrt(2 / ((1 + (opts.slope ?? 0) ** 2) * (opts.mode === 'fanOut' ? fanOut : fanIn)));
    default:
      return Math.sqrt(1 / fanIn);
  }
}

const SHAPES = [
  [1000, 1000],
  [784, 256],
  [3, 3, 64, 128],
];

describe('presets hit the std the papers prescribe', () => {
  const cases: Array<{
    name: string;
    make: () => VarianceScalingPreset<OptionSpec>;
    kind: string;
    dist: 'uniform' | 'normal' | 'truncatedNormal';
    opts?: { gain?: number; slope?: number; mode?: 'fanIn' | 'fanOut' };
  }> = [
    {
      name: 'glorotUniform gain 5/3',
      make: () => new GlorotUniform({ gain: 5 / 3, seed: 1 }) as never,
      kind: 'glorot',
      dist: 'uniform',
      opts: { gain: 5 / 3 },
    },
    {
      name: 'glorotNormal',
      make: () => new GlorotNormal({ seed: 2 }) as never,
      kind: 'glorot',
      dist: 'truncatedNormal',
    },
    {
      name: 'glorotNormal untruncated',
      make: () => new GlorotNormal({ seed: 2, distribution: 'normal' }) as never,
      kind: 'glorot',
      dist: 'normal',
    },
    {
      name: 'heUniform slope 0.2',
      make: () => new HeUniform({ negativeSlope: 0.2, seed: 3 }) as never,
      kind: 'he',
      dist: 'uniform',
      opts: { slope: 0.2 },
    },
    { name: 'heNormal', make: () => new HeNormal({ seed: 4 }) as never, kind: 'he', dist: 'truncatedNormal' },
    {
      name: 'heNormal fanOut slope 0.3',
      make: () => new HeNormal({ seed: 4, mode: 'fanOut', negativeSlope: 0.3 }) as never,
      kind: 'he',
      dist: 'truncatedNormal',
      opts: { slope: 0.3, mode: 'fanOut' },
    },
    {
      name: 'heNormal untruncated',
      make: () => new HeNormal({ seed: 5, distribution: 'normal' }) as never,
      kind: 'he',
      dist: 'normal',
    },
    { name: 'leCunUniform', make: () => new LeCunUniform({ seed: 6 }) as never, kind: 'lecun', dist: 'uniform' },
    { name: 'leCunNormal', make: () => new LeCunNormal({ seed: 7 }) as never, kind: 'lecun', dist: 'truncatedNormal' },
  ];
  for (const c of cases) {
    for (const shape of SHAPES) {
      it(`${c.name} ${JSON.stringify(shape)}: std within 6 SE, KS at alpha 0.001, bounds`, () => {
        const init = c.make();
        const values = draw(init, shape);
        const std = formulaStd(c.kind, shape, c.opts);
        expect(Math.abs(varianceScalingStd(shape, init.params) / std - 1)).toBeLessThan(1e-12);
        const m = moments(values);
        expect(Math.abs(m.std / std - 1)).toBeLessThan(stdTolerance(values.length));
        expect(Math.abs(m.mean)).toBeLessThan((6 * std) / Math.sqrt(values.length));
        expect(ksStatistic(values, targetCdf(c.dist, std))).toBeLessThan(ksCritical(values.length));
        if (c.dist === 'uniform') expect(Math.max(-m.min, m.max)).toBeLessThanOrEqual(Math.fround(Math.sqrt(3) * std));
        if (c.dist === 'truncatedNormal')
          expect(Math.max(-m.min, m.max)).toBeLessThanOrEqual(Math.fround((2 * std) / TRUNCATED_NORMAL_STD));
      });
    }
  }
});

describe('ours vs stock tfjs, side by side', () => {
  const shape = [1000, 1000];
  const n = 1e6;
  const pairs = [
    {
      name: 'heNormal',
      ours: heNormal({ seed: 1 }),
      stock: tf.initializers.heNormal({ seed: 1 }),
      std: Math.sqrt(2 / 1000),
    },
    {
      name: 'glorotNormal',
      ours: glorotNormal({ seed: 1 }),
      stock: tf.initializers.glorotNormal({ seed: 1 }),
      std: Math.sqrt(2 / 2000),
    },
    {
      name: 'leCunNormal',
      ours: leCunNormal({ seed: 1 }),
      stock: tf.initializers.leCunNormal({ seed: 1 }),
      std: Math.sqrt(1 / 1000),
    },
  ];
  for (const p of pairs) {
    it(`${p.name}: ours hits the target std, stock comes out at 0.8796x`, () => {
      const ours = moments(draw(p.ours, shape)).std / p.std;
      const stock = moments(draw(p.stock, shape)).std / p.std;
      expect(Math.abs(ours - 1)).toBeLessThan(stdTolerance(n));
      expect(Math.abs(stock - TRUNCATED_NORMAL_STD)).toBeLessThan(stdTolerance(n));
    });
  }
});

describe('VarianceScaling core', () => {
  it('fanGeoAvg uses sqrt(fanIn fanOut); gain is scale = gain^2', () => {
    const init = new VarianceScaling({ gain: 2, mode: 'fanGeoAvg', distribution: 'normal', seed: 3 });
    expect(init.getConfig()).toMatchObject({ scale: 4, mode: 'fanGeoAvg' });
    const std = Math.sqrt(4 / Math.sqrt(400 * 100));
    expect(Math.abs(moments(draw(init, [400, 100])).std / std - 1)).toBeLessThan(stdTolerance(40000));
  });

  it('depthwise layout uses the per-channel fan', () => {
    const init = new VarianceScaling({ scale: 2, layout: 'depthwise', distribution: 'normal', seed: 1 });
    const values = draw(init, [3, 3, 512, 64]);
    expect(Math.abs(moments(values).std / Math.sqrt(2 / 9) - 1)).toBeLessThan(stdTolerance(values.length));
  });

  it('same seed gives the same values on every apply; seed 0 is a real seed; no seed gives fresh values', () => {
    const a = heNormal({ seed: 0 });
    expect(Array.from(draw(a, [20, 30]))).toEqual(Array.from(draw(a, [20, 30])));
    expect(Array.from(draw(heNormal({ seed: 0 }), [20, 30]))).toEqual(Array.from(draw(a, [20, 30])));
    expect(Array.from(draw(heNormal({ seed: 1 }), [20, 30]))).not.toEqual(Array.from(draw(a, [20, 30])));
    const fresh = heNormal();
    expect(Array.from(draw(fresh, [20, 30]))).not.toEqual(Array.from(draw(fresh, [20, 30])));
  });

  it('leaks no tensors', async () => {
    await expectNoLeak(() => {
      for (const init of [
        heNormal({ seed: 1 }),
        glorotUniform(),
        new Orthogonal({ seed: 2 }),
        activationAware({ activation: 'tanh' }),
      ]) {
        init.apply([16, 8]).dispose();
      }
    });
  });
});

describe('Keras and PyTorch spellings of option values', () => {
  it("snake_case values and Keras's untruncated_normal are read as the camelCase values the config stores", () => {
    const keras = new VarianceScaling({
      scale: 2,
      mode: 'fan_avg' as never,
      distribution: 'untruncated_normal' as never,
    });
    expect(keras.getConfig()).toMatchObject({ mode: 'fanAvg', distribution: 'normal' });
    expect(new VarianceScaling({ distribution: 'truncated_normal' as never }).getConfig().distribution).toBe(
      'truncatedNormal',
    );
    expect(new HeNormal({ mode: 'fan_out' as never }).getConfig().mode).toBe('fanOut');
  });
});

describe('fan axes as groups (JAX in_axis/out_axis sequences, batch_axis)', () => {
  it('an attention kernel [32, 8, 16] with inAxis 0, outAxis [1, 2] gets std sqrt(1 / 32) from LeCun', () => {
    const values = draw(leCunNormal({ inAxis: 0, outAxis: [1, 2], seed: 4, distribution: 'normal' }), [32, 8, 16]);
    expect(Math.abs(moments(values).std / Math.sqrt(1 / 32) - 1)).toBeLessThan(stdTolerance(values.length));
    expect(leCunNormal({ inAxis: 0, outAxis: [1, 2] }).getConfig()).toMatchObject({ inAxis: 0, outAxis: [1, 2] });
  });

  it('the stock translation says explicit axes are not expressible', () => {
    expect(heNormal({ batchAxis: 0 }).toStock()).toMatchObject({
      exact: false,
      reason: expect.stringMatching(/explicit fan axes/),
    });
  });
});

describe('PytorchDefault', () => {
  it("is PyTorch's nn.Linear / nn.Conv2d kernel init: U[-1/sqrt(fanIn), 1/sqrt(fanIn))", () => {
    for (const shape of [
      [784, 256],
      [3, 3, 64, 128],
    ]) {
      const { fanIn } = computeFans(shape);
      const bound = 1 / Math.sqrt(fanIn);
      const values = draw(pytorchDefault({ seed: 1 }), shape);
      const m = moments(values);
      expect(Math.max(-m.min, m.max)).toBeLessThanOrEqual(Math.fround(bound));
      expect(Math.max(-m.min, m.max)).toBeGreaterThan(0.999 * bound);
      expect(ksStatistic(values, targetCdf('uniform', bound / Math.sqrt(3)))).toBeLessThan(ksCritical(values.length));
    }
  });
});

describe('ActivationAware', () => {
  it('derives the gain from the activation', () => {
    expect(new ActivationAware({ activation: 'relu' }).gain).toBeCloseTo(Math.SQRT2, 12);
    expect(new ActivationAware({ activation: 'tanh' }).gain).toBeCloseTo(varianceGain('tanh'), 15);
    expect(new ActivationAware({ activation: 'tanh', criterion: 'pytorch' }).gain).toBe(5 / 3);
    expect(new ActivationAware({ activation: 'leakyRelu' }).gain).toBeCloseTo(Math.sqrt(2 / 1.09), 12); // tfjs layer default 0.3
    expect(new ActivationAware({ activation: 'leakyRelu', criterion: 'pytorch' }).gain).toBe(
      calculateGain('leaky_relu', 0.3),
    );
    expect(new ActivationAware({ activation: 'gelu', mode: 'fanOut' }).gain).toBeCloseTo(
      varianceGain('gelu', { mode: 'fanOut' }),
      15,
    );
    expect(new ActivationAware().gain).toBe(1);
  });

  it('draws std = gain / sqrt(fan)', () => {
    const init = new ActivationAware({ activation: 'selu', seed: 9, distribution: 'normal' });
    const values = draw(init, [500, 400]);
    expect(Math.abs(moments(values).std / Math.sqrt(1 / 500) - 1)).toBeLessThan(stdTolerance(values.length));
    expect(ksStatistic(values, targetCdf('normal', Math.sqrt(1 / 500)))).toBeLessThan(ksCritical(values.length));
  });

  it('rejects activations PyTorch has no gain for under criterion pytorch', () => {
    expect(() => new ActivationAware({ activation: 'gelu', criterion: 'pytorch' })).toThrow(
      /criterion 'pytorch' has no gain for activation 'gelu'/,
    );
  });
});

describe('Orthogonal', () => {
  it('gives orthonormal columns (tall) or rows (wide) times the gain, any rank flattened', () => {
    const init = new Orthogonal({ gain: 2, seed: 3 });
    // float32 storage: entries carry ~6e-8 relative error, so dot products of 2-scaled unit vectors ~1e-6.
    for (const shape of [
      [64, 16],
      [16, 64],
      [3, 3, 4, 20],
      [50, 50],
    ]) {
      expect(orthogonalityError(draw(init, shape), shape, 2)).toBeLessThan(1e-5);
    }
  });

  it('is Haar: entries of a 200x200 orthogonal matrix are ~N(0, 1/200) (KS)', () => {
    const values = draw(new Orthogonal({ seed: 5 }), [200, 200]);
    expect(ksStatistic(values, targetCdf('normal', Math.sqrt(1 / 200)))).toBeLessThan(ksCritical(values.length) * 1.5);
    // sign correction: diag(Q) is not biased positive or negative (Householder without it is).
    let positive = 0;
    for (let i = 0; i < 200; i++) if (values[i * 200 + i] > 0) positive++;
    expect(Math.abs(positive - 100)).toBeLessThan(6 * Math.sqrt(50)); // Binomial(200, 1/2), 6 sd
  });

  it('rejects rank < 2', () => {
    expect(() => new Orthogonal().apply([5])).toThrow(/rank 2 or more/);
  });
});

describe('bad input is rejected with field, value and what is allowed', () => {
  const bad: Array<[string, () => unknown, RegExp]> = [
    ['negative gain', () => new GlorotUniform({ gain: -1 }), /gain must be a finite number > 0; got -1/],
    ['zero gain', () => new Orthogonal({ gain: 0 }), /gain must be a finite number > 0; got 0/],
    ['NaN scale', () => new VarianceScaling({ scale: NaN }), /scale must be a finite number > 0; got NaN/],
    ['infinite gain', () => new VarianceScaling({ gain: Infinity }), /gain must be a finite number > 0; got Infinity/],
    ['scale and gain', () => new VarianceScaling({ gain: 2, scale: 3 }), /gain must be omitted when scale is given/],
    [
      'negative slope',
      () => new HeNormal({ negativeSlope: -0.1 }),
      /negativeSlope must be a finite number >= 0; got -0.1/,
    ],
    [
      'unknown mode',
      () => new VarianceScaling({ mode: 'fan_inn' as never }),
      /mode must be one of 'fanIn', 'fanOut', 'fanAvg', 'fanGeoAvg'; got "fan_inn"/,
    ],
    [
      'unknown distribution',
      () => new VarianceScaling({ distribution: 'gamma' as never }),
      /distribution must be one of/,
    ],
    [
      'uniform on a normal preset',
      () => new HeNormal({ distribution: 'uniform' as never }),
      /distribution must be one of 'truncatedNormal', 'normal'/,
    ],
    ['unknown activation', () => new ActivationAware({ activation: 'softmax' }), /activation must be one of/],
    ['fractional seed', () => new HeNormal({ seed: 1.5 }), /seed must be an integer/],
    [
      'unknown option',
      () => new HeNormal({ gain: 2 } as never),
      /option 'gain' must be absent: allowed options are negativeSlope/,
    ],
    ['int32 dtype', () => new HeNormal().apply([2, 2], 'int32'), /dtype must be 'float32'/],
    ['zero dim', () => new HeNormal().apply([0, 2]), /shape\[0\] must be a positive integer; got 0/],
    ['fractional dim', () => new GlorotUniform().apply([2.5, 2]), /shape\[0\] must be a positive integer; got 2.5/],
    ['too many elements', () => new HeNormal().apply([100000, 100000]), /at most 2147483647 elements/],
  ];
  for (const [name, fn, message] of bad) {
    it(name, () => {
      expect(fn).toThrow(InitializerConfigError);
      expect(fn).toThrow(message);
    });
  }
});
