/** Registers every initializer class with tf.serialization, once, on import. */
import * as tf from '@tensorflow/tfjs';
import { ActivationAware } from './activation_aware.js';
import { Orthogonal } from './orthogonal.js';
import { GlorotNormal, GlorotUniform, HeNormal, HeUniform, LeCunNormal, LeCunUniform } from './presets.js';
import { VarianceScaling } from './variance_scaling.js';

/** Every initializer class this package registers. */
export const INITIALIZER_CLASSES = [
  VarianceScaling,
  GlorotUniform,
  GlorotNormal,
  HeUniform,
  HeNormal,
  LeCunUniform,
  LeCunNormal,
  Orthogonal,
  ActivationAware,
] as const;

for (const cls of INITIALIZER_CLASSES) tf.serialization.registerClass(cls);
