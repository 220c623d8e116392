import * as fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { INITIALIZER_CLASSES, InitializerConfigError } from '../src';

const classMap = (): Record<
  string,
  [unknown, (cls: unknown, config: unknown) => { getConfig(): unknown; apply(s: number[]): tf.Tensor }]
> => tf.serialization.SerializationMap.getMap().classNameMap as never;

/** Valid option values per key, across all classes (a class rejects keys it does not take). */
const validValue: Record<string, fc.Arbitrary<unknown>> = {
  scale: fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
  gain: fc.double({ min: 1e-6, max: 1e3, noNaN: true }),
  negativeSlope: fc.double({ min: 0, max: 10, noNaN: true }),
  mode: fc.constantFrom('fanIn', 'fanOut'),
  distribution: fc.constantFrom('truncatedNormal', 'normal'),
  seed: fc.option(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { nil: null }),
  layout: fc.constantFrom('auto', 'dense'),
  activation: fc.constantFrom('relu', 'tanh', 'gelu', 'gelu_new', 'selu', 'linear', 'softplus'),
  criterion: fc.constant('variance'),
};

describe('property: configs round-trip, invalid ones are rejected, nothing crashes', () => {
  for (const cls of INITIALIZER_CLASSES) {
    const keys = Object.keys(new cls().getConfig()).filter((k) => k in validValue);
    it(`${cls.className}: every valid config survives getConfig -> JSON -> fromConfig unchanged`, () => {
      const record = fc.record(Object.fromEntries(keys.map((k) => [k, validValue[k]])), { requiredKeys: [] });
      fc.assert(
        fc.property(record, (options) => {
          const [c, fromConfig] = classMap()[cls.className];
          const init = fromConfig(c, options);
          const config = init.getConfig();
          const again = fromConfig(c, JSON.parse(JSON.stringify(config)));
          expect(again.getConfig()).toEqual(config);
        }),
        { numRuns: 60, seed: 42 },
      );
    });

    it(`${cls.className}: arbitrary JSON configs either load or throw InitializerConfigError`, () => {
      const anyValue = fc.oneof(fc.jsonValue(), fc.constant(NaN), fc.constant(Infinity), fc.double(), fc.string());
      const keyArb = fc.oneof(
        fc.constantFrom(...keys, '__proto__', 'constructor', 'toString', 'customObjects'),
        fc.string(),
      );
      fc.assert(
        fc.property(fc.dictionary(keyArb, anyValue, { maxKeys: 4 }), (raw) => {
          const config = JSON.parse(JSON.stringify(raw)); // own keys only, as from a model.json
          const [c, fromConfig] = classMap()[cls.className];
          try {
            const init = fromConfig(c, config);
            const t = init.apply([3, 2]);
            expect(t.shape).toEqual([3, 2]);
            t.dispose();
          } catch (error) {
            expect(error).toBeInstanceOf(InitializerConfigError);
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        { numRuns: 150, seed: 7 },
      );
    });
  }

  it('random shapes: valid ones give a tensor of that shape, invalid ones an InitializerConfigError', () => {
    const [c, fromConfig] = classMap()['TfjsInit>HeNormal'];
    const init = fromConfig(c, { seed: 1 });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -2, max: 6 }), fc.double({ min: 0, max: 4 })), { maxLength: 5 }),
        (shape) => {
          try {
            const t = init.apply(shape as number[]);
            expect(t.shape).toEqual(shape);
            t.dispose();
          } catch (error) {
            expect(error).toBeInstanceOf(InitializerConfigError);
          }
        },
      ),
      { numRuns: 200, seed: 3 },
    );
  });
});
