import * as tf from '@tensorflow/tfjs';
import {
  ActivationAware,
  GlorotNormal,
  GlorotUniform,
  HeNormal,
  HeUniform,
  INITIALIZER_CLASSES,
  LeCunNormal,
  LeCunUniform,
  Orthogonal,
  VarianceScaling,
  heNormal,
} from '../src';
import { expectNoLeak, moments } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Ctor = new (options?: never) => { getConfig(): tf.serialization.ConfigDict; getClassName(): string };

/** One non-default instance of every class, to make round trips meaningful. */
const SAMPLES: Array<[string, () => InstanceType<Ctor>]> = [
  [
    'VarianceScaling',
    () => new VarianceScaling({ gain: 1.5, mode: 'fanGeoAvg', distribution: 'normal', seed: 3, inAxis: 0, outAxis: 1 }),
  ],
  ['GlorotUniform', () => new GlorotUniform({ gain: 5 / 3, seed: 0 })],
  ['GlorotNormal', () => new GlorotNormal({ gain: 2, distribution: 'normal', seed: 1 })],
  ['HeUniform', () => new HeUniform({ negativeSlope: 0.2, mode: 'fanOut', seed: 2 })],
  ['HeNormal', () => new HeNormal({ negativeSlope: 0.3, seed: 7, distribution: 'normal' })],
  ['LeCunUniform', () => new LeCunUniform({ seed: 4 })],
  ['LeCunNormal', () => new LeCunNormal({ seed: 5 })],
  ['Orthogonal', () => new Orthogonal({ gain: 1.2, seed: 6 })],
  [
    'ActivationAware',
    () => new ActivationAware({ activation: 'gelu_new', mode: 'fanOut', criterion: 'variance', seed: 8 }),
  ],
];

function kernelConfig(model: tf.LayersModel, index: number): unknown {
  return (model.layers[index].getConfig() as { kernelInitializer: unknown }).kernelInitializer;
}

describe('registration', () => {
  it('registers every class under a namespaced className with no underscore', () => {
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    expect(INITIALIZER_CLASSES.length).toBe(9);
    for (const cls of INITIALIZER_CLASSES) {
      expect(cls.className).toMatch(/^TfjsInit>[A-Za-z]+$/);
      expect(map[cls.className][0]).toBe(cls);
    }
  });

  it('leaves the stock initializers alone', () => {
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    expect(map.VarianceScaling[0]).not.toBe(VarianceScaling);
    expect(map.Orthogonal[0]).not.toBe(Orthogonal);
    const stock = tf.initializers.heNormal({ seed: 1 });
    expect(stock.getClassName()).toBe('VarianceScaling');
  });

  it('is an instance of the tfjs Initializer class', () => {
    const base = Object.getPrototypeOf(tf.initializers.zeros().constructor);
    expect(heNormal()).toBeInstanceOf(base);
  });
});

describe('getConfig / fromConfig are symmetric', () => {
  for (const [name, make] of SAMPLES) {
    it(`${name}: config -> JSON -> fromConfig -> same config and same values`, () => {
      const init = make();
      const config = init.getConfig();
      const cls = tf.serialization.SerializationMap.getMap().classNameMap[init.getClassName()];
      const revived = cls[1](cls[0], JSON.parse(JSON.stringify(config))) as unknown as InstanceType<Ctor> & {
        apply(s: number[]): tf.Tensor;
      };
      expect(revived.getConfig()).toEqual(config);
      const a = (init as unknown as { apply(s: number[]): tf.Tensor }).apply([6, 4]);
      const b = revived.apply([6, 4]);
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([a, b]);
    });
  }

  it('fills defaults and keeps keys equal to the constructor options', () => {
    expect(new HeNormal().getConfig()).toEqual({
      negativeSlope: 0,
      mode: 'fanIn',
      distribution: 'truncatedNormal',
      seed: null,
      layout: 'auto',
      inAxis: null,
      outAxis: null,
    });
    expect(new Orthogonal().getConfig()).toEqual({ gain: 1, seed: null });
  });
});

describe('usable in kernelInitializer in three forms', () => {
  const forms: Array<[string, (cls: { className: string }, make: () => unknown) => unknown]> = [
    ['instance', (_cls, make) => make()],
    ['className string', (cls) => cls.className],
    [
      'config dict',
      (cls, make) => ({ className: cls.className, config: (make() as { getConfig(): unknown }).getConfig() }),
    ],
  ];
  for (const [name, make] of SAMPLES) {
    const cls = INITIALIZER_CLASSES.find((c) => c.className === `TfjsInit>${name}`) as { className: string };
    for (const [form, identifier] of forms) {
      it(`${name} as ${form} in Dense and Conv2D`, async () => {
        await expectNoLeak(() => {
          const id = identifier(cls, make) as never;
          const model = tf.sequential({
            layers: [
              tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, kernelInitializer: id }),
              tf.layers.flatten(),
              tf.layers.dense({ units: 6, kernelInitializer: id }),
            ],
          });
          expect((kernelConfig(model, 0) as { className: string }).className).toBe(cls.className);
          expect((kernelConfig(model, 2) as { className: string }).className).toBe(cls.className);
          const kernel = model.layers[2].getWeights()[0];
          expect(kernel.shape).toEqual([144, 6]);
          expect(moments(kernel.dataSync()).std).toBeGreaterThan(0);
          model.dispose();
        });
      });
    }
  }
});

describe('model.toJSON -> tf.models.modelFromJSON', () => {
  it('keeps every kernel initializer config unchanged through snake_case conversion and re-initializes identically', async () => {
    const layers = SAMPLES.map(([, make], i) =>
      tf.layers.dense({
        units: 12,
        inputShape: i === 0 ? [12] : undefined,
        activation: 'tanh',
        kernelInitializer: make() as never,
      }),
    );
    const model = tf.sequential({ layers });
    const json = model.toJSON() as string;
    expect(json).toContain('"class_name":"TfjsInit>ActivationAware"');
    expect(json).toContain('"activation":"gelu_new"');
    expect(json).toContain('"mode":"fan_out"');
    const loaded = await tf.models.modelFromJSON({ modelTopology: JSON.parse(json) });
    for (let i = 0; i < SAMPLES.length; i++) {
      expect(kernelConfig(loaded, i)).toEqual(kernelConfig(model, i));
      const original = model.layers[i].getWeights()[0].dataSync();
      expect(Array.from(loaded.layers[i].getWeights()[0].dataSync())).toEqual(Array.from(original));
    }
    model.dispose();
    loaded.dispose();
  });
});

describe('fromConfig rejects untrusted configs', () => {
  it('a misspelled className of ours fails to load with the unknown-initializer error, naming it', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelInitializer: heNormal({ seed: 1 }) })],
    });
    const json = (model.toJSON() as string).replace('TfjsInit>HeNormal', 'TfjsInit>HeNormall');
    await expect(tf.models.modelFromJSON({ modelTopology: JSON.parse(json) })).rejects.toThrow(
      /Unknown initializer: TfjsInit>HeNormall/,
    );
    const huge = (model.toJSON() as string).replace('"negative_slope":0', '"negative_slope":1e309');
    await expect(tf.models.modelFromJSON({ modelTopology: JSON.parse(huge) })).rejects.toThrow(
      /negativeSlope must be a finite number >= 0; got Infinity/,
    );
    model.dispose();
  });

  const map = (): Record<string, [unknown, (cls: unknown, config: unknown) => unknown]> =>
    tf.serialization.SerializationMap.getMap().classNameMap as never;
  const cases: Array<[string, string, unknown, RegExp]> = [
    ['unknown key', 'TfjsInit>HeNormal', { negativeSlope: 0, bogus: 1 }, /option 'bogus' must be absent/],
    [
      '__proto__ key',
      'TfjsInit>HeNormal',
      JSON.parse('{"__proto__": {"polluted": true}}'),
      /option '__proto__' must be absent/,
    ],
    ['constructor key', 'TfjsInit>Orthogonal', { constructor: 1 }, /option 'constructor' must be absent/],
    ['string gain', 'TfjsInit>GlorotUniform', { gain: '2' }, /gain must be a finite number > 0; got "2"/],
    ['huge seed', 'TfjsInit>LeCunNormal', { seed: 1e300 }, /seed must be an integer/],
    ['array activation', 'TfjsInit>ActivationAware', { activation: ['relu'] }, /activation must be one of/],
  ];
  for (const [name, className, config, message] of cases) {
    it(name, () => {
      const [cls, fromConfig] = map()[className];
      expect(() => fromConfig(cls, config)).toThrow(message);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }
});
