/** The built-in rules: one line per family file. */
import { ACTIVATION_RULES } from './activation.js';
import { DENSE_CONV_RULES } from './dense_conv.js';
import { EMBEDDING_RULES } from './embedding.js';
import { MERGE_RULES } from './merge.js';
import { NOISE_RULES } from './noise.js';
import { NORMALIZATION_RULES } from './normalization.js';
import { POOLING_RULES } from './pooling.js';
import { PREPROCESSING_RULES } from './preprocessing.js';
import { READOUT_RULES } from './readout.js';
import { RECURRENT_RULES } from './recurrent.js';
import { addBuiltinRules } from './registry.js';
import { RESHAPE_RULES } from './reshape.js';
import { WRAPPER_RULES } from './wrappers.js';

for (const family of [
  DENSE_CONV_RULES,
  RECURRENT_RULES,
  NORMALIZATION_RULES,
  MERGE_RULES,
  ACTIVATION_RULES,
  POOLING_RULES,
  RESHAPE_RULES,
  NOISE_RULES,
  EMBEDDING_RULES,
  PREPROCESSING_RULES,
  WRAPPER_RULES,
  READOUT_RULES,
])
  addBuiltinRules(family);
