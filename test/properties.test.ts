/**
 * Property tests over every registered class, with arbitraries derived from each class's own
 * option spec: valid configs round-trip unchanged; arbitrary JSON configs either load or raise
 * InitializerConfigError; nothing crashes or pollutes prototypes.
 */
import * as fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { INITIALIZER_CLASSES, InitializerConfigError } from '../src';
import type { ConfiguredInitializer, Field, OptionSpec } from '../src/internals';
import { RECORDS } from './records';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Init = ConfiguredInitializer<OptionSpec>;
const classMap = (): Record<string, [unknown, (cls: unknown, config: unknown) => Init]> =>
  tf.serialization.SerializationMap.getMap().classNameMap as never;

/** Values a field accepts (kept moderate: the draws below must stay finite). */
function validValue(field: Field): fc.Arbitrary<unknown> {
  const base = ((): fc.Arbitrary<unknown> => {
    switch (field.kind) {
      case 'number': {
        const max = Math.min(field.max ?? 1e3, 1e3);
        const min = Math.max(field.min, -1e3);
        return fc
          .double({ min, max, noNaN: true, noDefaultInfinity: true })
          .filter((v) => (!field.exclusiveMin || v > field.min) && (!field.exclusiveMax || v < (field.max as number)));
      }
      case 'integer':
        return fc.integer({ min: Math.max(field.min, -(2 ** 40)), max: Math.min(field.max, 2 ** 40) });
      case 'choice':
        return fc.constantFrom(...field.values);
      case 'boolean':
        return fc.boolean();
      case 'axes':
        return fc.integer({ min: field.min, max: field.max });
      case 'numberOrChoice':
        return fc.oneof(fc.double({ min: field.min, max: 1e3, noNaN: true }), fc.constantFrom(...field.values));
      case 'numbers':
        return fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { maxLength: Math.min(field.maxLength, 16) });
      case 'callback':
        return fc.constant(null);
    }
  })();
  const required = field.kind === 'numbers' && field.required;
  return field.default === null && !required ? fc.option(base, { nil: null }) : base;
}

/**
 * Options whose valid values depend on each other (fan axes and layout, alpha and the activation, a
 * truncated normal's bounds with its mean and std, stored values and their shape) are held at the sample's.
 */
const COUPLED = [
  'layout',
  'inAxis',
  'outAxis',
  'batchAxis',
  'alpha',
  'criterion',
  'lower',
  'upper',
  'a',
  'b',
  'mean',
  'std',
  'values',
  'shape',
];

describe('property: configs round-trip, invalid ones are rejected, nothing crashes', () => {
  for (const cls of INITIALIZER_CLASSES) {
    const spec = new cls(RECORDS[cls.className]?.options as never).optionSpec;
    const keys = Object.keys(spec).filter((k) => !COUPLED.includes(k));

    it(`${cls.className}: every valid config survives getConfig -> JSON -> fromConfig unchanged`, () => {
      const held = Object.fromEntries(
        Object.entries(RECORDS[cls.className]?.options ?? {}).filter(([k]) => COUPLED.includes(k)),
      );
      const free = fc.record(Object.fromEntries(keys.map((k) => [k, validValue(spec[k])])), { requiredKeys: [] });
      const record = free.map((options) => ({ ...held, ...options }));
      fc.assert(
        fc.property(record, (options) => {
          const [c, fromConfig] = classMap()[cls.className];
          const init = fromConfig(c, options);
          const config = init.getConfig();
          expect(fromConfig(c, JSON.parse(JSON.stringify(config))).getConfig()).toEqual(config);
        }),
        { numRuns: 60, seed: 42 },
      );
    });

    it(`${cls.className}: arbitrary JSON configs either load and draw, or throw InitializerConfigError`, () => {
      const anyValue = fc.oneof(fc.jsonValue(), fc.constant(NaN), fc.constant(Infinity), fc.double(), fc.string());
      const keyArb = fc.oneof(
        fc.constantFrom(...Object.keys(spec), '__proto__', 'constructor', 'customObjects'),
        fc.string(),
      );
      const shape = RECORDS[cls.className]?.shape ?? [5, 8];
      fc.assert(
        fc.property(fc.dictionary(keyArb, anyValue, { maxKeys: 4 }), (raw) => {
          const config = JSON.parse(JSON.stringify(raw)); // own keys only, as from a model.json
          const [c, fromConfig] = classMap()[cls.className];
          try {
            const t = fromConfig(c, config).apply(shape);
            expect(t.shape).toEqual(shape);
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
