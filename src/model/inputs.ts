/**
 * A batch to probe a model with, as the diagnostics use it: for each model input, integer ids uniform over the
 * vocabulary when the input feeds a layer that reads ids (its rule's `ids`: Embedding, CategoryEncoding), standard
 * normal values otherwise.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';
import { OptionsOf, SEED_FIELD, defineOptions, parseOptions } from '../options.js';
import { modelGraph } from './graph.js';
import { checkModel } from './transaction.js';

const OWNER = 'sampleInputs';
const SPEC = defineOptions({
  /** Seed of the draws (same seed, same batch on every backend); omitted: fresh. */
  seed: SEED_FIELD,
});

/** Options of sampleInputs. */
export interface SampleInputsOptions extends OptionsOf<typeof SPEC> {}

/**
 * One tensor per model input, [batch, ...input shape]: token ids uniform in [0, vocabulary) for an input that feeds
 * an id-reading layer (the smallest vocabulary if several read it), N(0, 1) features otherwise. The caller disposes
 * them.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { sampleInputs, signalPropagation } from 'tfjs-initializers';
 *
 * // token ids for an Embedding input, standard-normal values otherwise
 * const model = tf.sequential({
 *   layers: [tf.layers.embedding({ inputDim: 1000, outputDim: 16, inputLength: 20 }), tf.layers.lstm({ units: 8 })],
 * });
 * const [x] = sampleInputs(model, 64, { seed: 1 });
 * console.log(x.dtype, x.shape);
 * const report = signalPropagation(model, x);
 * x.dispose();
 * ```
 * ```text output
 * int32 [ 64, 20 ]
 * ```
 */
export function sampleInputs(model: tf.LayersModel, batch: number, options: SampleInputsOptions = {}): tf.Tensor[] {
  checkModel(OWNER, model);
  const { seed } = parseOptions(OWNER, SPEC, options);
  if (!Number.isInteger(batch) || batch < 1 || batch > 2 ** 24) {
    throw new ModelError(OWNER, 'batch', batch, 'an integer in [1, 16777216]');
  }
  const graph = modelGraph(model);
  const shapes = model.inputs.map((t, i) => {
    const shape = t.shape.slice(1);
    if (shape.some((d) => typeof d !== 'number')) {
      throw new ModelError(OWNER, 'model', model.name, `inputs of fixed shape (input ${i} is [${shape.map(String)}])`);
    }
    return [batch, ...(shape as number[])];
  });
  return graph.inputs.map((key, i) => {
    const readers = (graph.consumers.get(key) ?? []).filter((n) => n.rule?.ids);
    const s = seed === null ? undefined : seed + i;
    if (readers.length === 0) return tf.randomNormal(shapes[i], 0, 1, 'float32', s);
    const vocabulary = Math.min(...readers.map((n) => (n.rule?.ids as (l: tf.layers.Layer) => number)(n.layer)));
    return tf.randomUniform(shapes[i], 0, vocabulary, 'int32', s);
  });
}
