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

/** Every variable of `model` as it is now (clones share the data), to set back bit for bit. */
function snapshot(model: tf.LayersModel): { restore(): void; dispose(): void } {
  const variables = model.weights;
  // A clone shares the variable's current data; assigning new values to the variable does not touch it.
  const saved = variables.map((v) => tf.clone(v.read()));
  return {
    // Variable.assign, not LayerVariable.write: no constraint is re-applied to the restored values.
    restore: () =>
      variables.forEach((v, i) => {
        const current = v.read();
        if (current.dataId !== saved[i].dataId) (current as tf.Variable).assign(saved[i]);
      }),
    dispose: () => tf.dispose(saved),
  };
}

/**
 * Runs `fn(progress)` on `model`. On any error the model's weights (trainable or not) are
 * restored, and the error is rethrown: ours as they are, others wrapped in a ModelError that
 * names the layer `progress.layer` the tool was at.
 */
export function withRollback<T>(owner: string, model: tf.LayersModel, fn: (progress: Progress) => T): T {
  const saved = snapshot(model);
  try {
    return guarded(owner, fn, "; the model's weights are as they were before the call");
  } catch (error) {
    saved.restore();
    throw error;
  } finally {
    saved.dispose();
  }
}

/** Our errors as they are; any other wrapped in a ModelError that names the layer the tool was at. */
function asModelError(owner: string, error: unknown, progress: Progress, suffix: string): Error {
  if (error instanceof InitializerConfigError) return error;
  const where = progress.layer ?? 'the model';
  const message = `${owner}: failed at ${where} (${(error as Error)?.message ?? String(error)})${suffix}`;
  return Object.assign(new ModelError(owner, 'layer', where, 'a layer the tool can run', message), { cause: error });
}

/**
 * Runs a tool that only reads `model` (a diagnostic, a prediction): every weight and every BatchNorm statistic of
 * the model is snapshotted before and set back, bit for bit, after `fn`, whether it returns or throws, so nothing
 * a layer does while running (BatchNorm's moving-statistics update in training mode) outlives the call. Errors are
 * rethrown as in withRollback: ours as they are, others wrapped in a ModelError naming `progress.layer`.
 */
export function readOnly<T>(owner: string, model: tf.LayersModel, fn: (progress: Progress) => T): T {
  const saved = snapshot(model);
  try {
    return guarded(owner, fn);
  } finally {
    saved.restore();
    saved.dispose();
  }
}

/**
 * Runs a tool's step that changes nothing (planning, a prediction): any error not ours becomes a ModelError naming
 * the layer, its message ending in `suffix`.
 */
export function guarded<T>(owner: string, fn: (progress: Progress) => T, suffix = ''): T {
  const progress: Progress = {};
  try {
    return fn(progress);
  } catch (error) {
    throw asModelError(owner, error, progress, suffix);
  }
}

/** Sets weights of `layer` by index; the given tensors are taken over and disposed. */
export function replaceWeights(layer: tf.layers.Layer, replacements: ReadonlyMap<number, tf.Tensor>): void {
  const weights = layer.getWeights();
  try {
    layer.setWeights(weights.map((w, i) => replacements.get(i) ?? w));
  } finally {
    tf.dispose([...replacements.values()]);
  }
}
