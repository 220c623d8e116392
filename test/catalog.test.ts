/**
 * Cross-class suite: every registered initializer class, with its row of test data from
 * test/records.ts, through registration, the root exports, getConfig/fromConfig, the three
 * forms tfjs accepts, modelFromJSON, moments (or its own structural check), seeds, leaks
 * and its stock translation. Adding a class to the catalog and a row to RECORDS is all it
 * takes to be covered.
 */
import * as tf from '@tensorflow/tfjs';
import * as root from '../src';
import { INITIALIZER_CLASSES, InitializerClass, InitializerConfigError } from '../src';
import type { ConfiguredInitializer, OptionSpec } from '../src/internals';
import { expectNoLeak, ksCritical, ksStatistic, moments, stdTolerance, targetCdf } from './helpers';
import { RECORDS, initializerConfigs, optionsFor, sequentialLayers } from './records';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Init = ConfiguredInitializer<OptionSpec>;
const classMap = (): Record<string, [unknown, (cls: unknown, config: unknown) => Init]> =>
  tf.serialization.SerializationMap.getMap().classNameMap as never;
const make = (cls: InitializerClass, options: unknown = RECORDS[cls.className].options): Init =>
  new cls(options as never);
const draw = (init: { apply(shape: number[]): tf.Tensor }, shape: number[]): Float32Array => {
  const t = init.apply(shape);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
};
const shortName = (cls: InitializerClass): string => cls.className.replace('TfjsInit>', '');
const factoryName = (cls: InitializerClass): string => {
  const name = shortName(cls);
  return name.replace(/^[A-Z][a-z]*/, (head) => head.toLowerCase());
};

describe('the catalog', () => {
  it('every registered class has a row of test data, and every row a registered class', () => {
    expect(INITIALIZER_CLASSES.map((c) => c.className).sort()).toEqual(Object.keys(RECORDS).sort());
  });

  it('registers every class under TfjsInit> + PascalCase, leaving the stock classes alone', () => {
    const map = classMap();
    for (const cls of INITIALIZER_CLASSES) {
      expect(cls.className).toMatch(/^TfjsInit>[A-Z][A-Za-z0-9]*$/);
      expect(map[cls.className][0]).toBe(cls);
    }
    expect(map.VarianceScaling[0]).not.toBe(root.VarianceScaling);
    expect(map.Orthogonal[0]).not.toBe(root.Orthogonal);
    expect(tf.initializers.heNormal({ seed: 1 }).getClassName()).toBe('VarianceScaling');
  });

  it('the root exports every class by name and a camelCase factory that builds it', () => {
    const exports = root as unknown as Record<string, unknown>;
    for (const cls of INITIALIZER_CLASSES) {
      expect(exports[shortName(cls)]).toBe(cls);
      const factory = exports[factoryName(cls)] as (o?: unknown) => unknown;
      expect(typeof factory).toBe('function');
      expect(factory(RECORDS[cls.className].options)).toBeInstanceOf(cls);
    }
  });
});

for (const cls of INITIALIZER_CLASSES) {
  const record = RECORDS[cls.className] ?? { options: {}, shape: [4, 4] };
  describe(cls.className, () => {
    it('extends the tfjs Initializer class', () => {
      expect(make(cls)).toBeInstanceOf(Object.getPrototypeOf(tf.initializers.zeros().constructor));
    });

    it('config keys are the spec (constructor options), defaults filled', () => {
      const init = make(cls);
      const config = init.getConfig();
      expect(Object.keys(config).sort()).toEqual(Object.keys(init.optionSpec).sort());
      for (const [key, field] of Object.entries(init.optionSpec)) {
        if (!(key in record.options)) expect(config[key]).toEqual(field.default);
      }
    });

    it('getConfig -> JSON -> fromConfig gives the same config and the same values', () => {
      const init = make(cls);
      const config = init.getConfig();
      const [c, fromConfig] = classMap()[cls.className];
      const revived = fromConfig(c, JSON.parse(JSON.stringify(config)));
      expect(revived.getConfig()).toEqual(config);
      expect(Array.from(draw(revived, record.shape))).toEqual(Array.from(draw(init, record.shape)));
    });

    it('rejects an unknown option, naming it', () => {
      expect(() => make(cls, { ...record.options, bogus: 1 })).toThrow(InitializerConfigError);
      expect(() => make(cls, { ...record.options, bogus: 1 })).toThrow(/option 'bogus' must be absent/);
    });

    if (record.moments) {
      const { std: stdOf, distribution } = record.moments;
      it(`draws std from the paper's formula (within 6 SE), ${distribution} by KS at alpha 0.001, within bounds`, () => {
        const values = draw(make(cls), record.shape);
        const std = stdOf(record.shape);
        const m = moments(values);
        expect(Math.abs(m.std / std - 1)).toBeLessThan(stdTolerance(values.length));
        expect(Math.abs(m.mean)).toBeLessThan((6 * std) / Math.sqrt(values.length));
        expect(ksStatistic(values, targetCdf(distribution, std))).toBeLessThan(ksCritical(values.length));
        if (distribution === 'uniform')
          expect(Math.max(-m.min, m.max)).toBeLessThanOrEqual(Math.fround(Math.sqrt(3) * std));
        if (distribution === 'truncatedNormal') {
          expect(Math.max(-m.min, m.max)).toBeLessThanOrEqual(Math.fround((2 * std) / 0.87962566103423978));
        }
      });
    }

    if (record.check) {
      const check = record.check;
      it('passes its own structural check', () => {
        expect(check(draw(make(cls), record.shape), record.shape)).toBeNull();
      });
    }

    const seeded = 'seed' in make(cls).optionSpec;
    if (!seeded) {
      it('takes no seed and is deterministic: every apply and instance gives the same values', () => {
        const a = Array.from(draw(make(cls), record.shape));
        expect(Array.from(draw(make(cls), record.shape))).toEqual(a);
      });
    }
    if (seeded)
      it('a seed repeats its values on every apply and instance; another seed or none differs', () => {
        const seeded = make(cls);
        const a = Array.from(draw(seeded, record.shape));
        expect(Array.from(draw(seeded, record.shape))).toEqual(a);
        expect(Array.from(draw(make(cls), record.shape))).toEqual(a);
        expect(Array.from(draw(make(cls, { ...record.options, seed: 12345 }), record.shape))).not.toEqual(a);
        const fresh = make(cls, { ...record.options, seed: null });
        expect(Array.from(draw(fresh, record.shape))).not.toEqual(Array.from(draw(fresh, record.shape)));
      });

    it('leaks no tensor, and rejects a non-float32 dtype', async () => {
      await expectNoLeak(() => make(cls).apply(record.shape).dispose());
      expect(() => make(cls).apply(record.shape, 'int32')).toThrow(/dtype must be 'float32'/);
    });

    it('has a stock translation: exact ones draw the same std with stock tfjs, others say why', () => {
      const stock = make(cls).toStock();
      if (stock.className === null || !stock.exact) {
        expect(stock.reason).toMatch(/\w{3,}/);
      }
      if (stock.className !== null && stock.exact) {
        const [c, fromConfig] = classMap()[stock.className];
        const theirs = moments(draw(fromConfig(c, stock.config), record.shape)).std;
        const ours = moments(draw(make(cls), record.shape)).std;
        // two independent sample stds: the difference has sqrt(2) times one's standard error
        const n = record.shape.reduce((a, b) => a * b, 1);
        expect(Math.abs(theirs / ours - 1)).toBeLessThan(Math.SQRT2 * stdTolerance(n));
      }
    });

    const forms: Array<[string, (shape: number[]) => unknown]> = [
      ['instance', (shape) => make(cls, optionsFor(record, shape))],
      ['className string', () => cls.className],
      [
        'config dict',
        (shape) => ({ className: cls.className, config: make(cls, optionsFor(record, shape)).getConfig() }),
      ],
    ];
    for (const [form, identifier] of forms) {
      it(`works as kernelInitializer (biasInitializer) given as ${form}, in the layers it fits`, async () => {
        let needsOptions: unknown = null;
        try {
          new cls();
        } catch (error) {
          needsOptions = error;
        }
        if (form === 'className string' && needsOptions !== null) {
          // a class that cannot be built without options says so, as an InitializerConfigError
          expect(needsOptions).toBeInstanceOf(InitializerConfigError);
          expect(() =>
            tf.layers.dense({ units: 3, inputShape: [2], kernelInitializer: cls.className as never }).build([null, 2]),
          ).toThrow(InitializerConfigError);
          return;
        }
        await expectNoLeak(() => {
          const model = tf.sequential({ layers: sequentialLayers(cls, identifier) });
          const configs = initializerConfigs(model) as Array<{ className: string }>;
          expect(configs.filter((c) => c.className === cls.className).length).toBeGreaterThan(0);
          model.dispose();
        });
      });
    }

    it('model.toJSON -> tf.models.modelFromJSON keeps the config and re-initializes identically', async () => {
      const model = tf.sequential({ layers: sequentialLayers(cls) });
      const loaded = await tf.models.modelFromJSON({ modelTopology: JSON.parse(model.toJSON() as string) });
      expect(initializerConfigs(loaded)).toEqual(initializerConfigs(model));
      const [wa, wb] = [model.getWeights(), loaded.getWeights()];
      expect(wb.length).toBe(wa.length);
      wa.forEach((w, i) => expect(Array.from(wb[i].dataSync())).toEqual(Array.from(w.dataSync())));
      model.dispose();
      loaded.dispose();
    });
  });
}

describe('loaded configs are untrusted', () => {
  it('a misspelled className fails with the unknown-initializer error; an overflowing number with ours', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelInitializer: root.heNormal({ seed: 1 }) })],
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

  for (const cls of INITIALIZER_CLASSES) {
    it(`${cls.className}: __proto__, constructor and wrong types are rejected without pollution`, () => {
      const [c, fromConfig] = classMap()[cls.className];
      expect(() => fromConfig(c, JSON.parse('{"__proto__": {"polluted": true}}'))).toThrow(
        /option '__proto__' must be absent/,
      );
      expect(() => fromConfig(c, { constructor: 1 })).toThrow(/option 'constructor' must be absent/);
      const [key, value] = Object.entries(RECORDS[cls.className].options)[0];
      const wrong = typeof value === 'number' ? 'a string' : 12.5;
      expect(() => fromConfig(c, { ...RECORDS[cls.className].options, [key]: wrong })).toThrow(
        new RegExp(`${key} must be`),
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }
});
