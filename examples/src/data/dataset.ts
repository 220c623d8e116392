/** A dense classification dataset held as typed arrays; tensors are made on demand. */
import * as tf from '@tensorflow/tfjs';

export interface Dataset {
  name: string;
  features: number;
  classes: number;
  /** row-major [n, features] */
  x: Float32Array;
  /** class index per row */
  y: Int32Array;
  n: number;
  /** human-readable class names */
  classNames: string[];
}

/** Rows `indices` of a dataset. */
export function subset(data: Dataset, indices: readonly number[], name = data.name): Dataset {
  const x = new Float32Array(indices.length * data.features);
  const y = new Int32Array(indices.length);
  indices.forEach((row, i) => {
    x.set(data.x.subarray(row * data.features, (row + 1) * data.features), i * data.features);
    y[i] = data.y[row];
  });
  return { ...data, name, x, y, n: indices.length };
}

/** Features and one-hot labels as tensors (the caller disposes them). */
export function toTensors(data: Dataset): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  return tf.tidy(() => ({
    xs: tf.tensor2d(data.x, [data.n, data.features]),
    ys: tf.oneHot(tf.tensor1d(data.y, 'int32'), data.classes).toFloat() as tf.Tensor2D,
  }));
}
