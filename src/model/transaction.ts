/**
 * All-or-nothing model changes: a tool runs inside `withRollback`, and if anything throws
 * part way, every weight of the model is set back, bit for bit, to its value before the call.
 */
import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError, ModelError } from '../errors.js';

/** Where a tool is in its run, so a failure can name the layer. */
export interface Progress {
  layer?: string;
}

/** Checks that `model` is a built tfjs LayersModel. */
export function checkModel(owner: string, model: unknown): tf.LayersModel {
  if (!(model instanceof tf.LayersModel)) {
    throw new ModelError(owner, 'model', model, 'a built tf.LayersModel (tf.sequential or tf.model)');
  }
  return model;
}

/**
 * Runs `fn(progress)` on `model`. On any error the model's weights (trainable or not) are
 * restored, and the error is rethrown: ours as they are, others wrapped in a ModelError that
 * names the layer `progress.layer` the tool was at.
 */
export function withRollback<T>(owner: string, model: tf.LayersModel, fn: (progress: Progress) => T): T {
  const variables = model.weights;
  // A clone shares the variable's current data; assigning new values to the variable does not touch it.
  const saved = variables.map((v) => tf.clone(v.read()));
  const progress: Progress = {};
  try {
    return fn(progress);
  } catch (error) {
    // Variable.assign, not LayerVariable.write: no constraint is re-applied to the restored values.
    variables.forEach((v, i) => (v.read() as tf.Variable).assign(saved[i]));
    if (error instanceof InitializerConfigError) throw error;
    const where = progress.layer ?? 'the model';
    const message = `${owner}: failed at ${where} (${(error as Error)?.message ?? String(error)}); the model's weights are as they were before the call`;
    throw Object.assign(new ModelError(owner, 'layer', where, 'a layer the tool can run', message), { cause: error });
  } finally {
    tf.dispose(saved);
  }
}
