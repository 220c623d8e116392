/** Registers every initializer class of the catalog with tf.serialization, once, on import. */
import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError } from '../errors.js';
import type { OptionSpec } from '../options.js';
import { CLASS_PREFIX, ConfiguredInitializer } from './base.js';
import * as catalog from './catalog.js';

/** A registered initializer class: constructible from its options (or a loaded config). */
export interface InitializerClass {
  new (options?: never): ConfiguredInitializer<OptionSpec>;
  /** `TfjsInit>` + the class name. */
  className: string;
}

function isInitializerClass(value: unknown): value is InitializerClass {
  return typeof value === 'function' && value.prototype instanceof ConfiguredInitializer;
}

/** Every initializer class this package registers, from the catalog (ordered by name). */
export const INITIALIZER_CLASSES: readonly InitializerClass[] = Object.freeze(
  Object.values(catalog as Record<string, unknown>).filter(isInitializerClass),
);

const seen = new Set<string>();
for (const cls of INITIALIZER_CLASSES) {
  // A contributor's slip, caught on import: the name must survive tfjs's snake/camel conversion and be unique.
  if (!new RegExp(`^${CLASS_PREFIX}[A-Z][A-Za-z0-9]*$`).test(cls.className) || seen.has(cls.className)) {
    throw new InitializerConfigError(
      'registry',
      'className',
      cls.className,
      `a unique '${CLASS_PREFIX}' + PascalCase name`,
    );
  }
  seen.add(cls.className);
  tf.serialization.registerClass(
    cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  );
}
