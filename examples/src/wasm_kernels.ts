/**
 * The one kernel training an Embedding needs that tfjs-backend-wasm 4.22 lacks: UnsortedSegmentSum
 * (the gradient of `gather`). Registered in plain JavaScript over the wasm heap, so text models train on
 * the wasm backend instead of failing with "Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'".
 */
import * as tf from '@tensorflow/tfjs';

interface WasmBackend {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(
    shape: number[],
    dtype: tf.DataType,
    memoryOffset?: number,
    values?: Float32Array | Int32Array,
  ): tf.TensorInfo;
}

/** out[segmentIds[i], ...] += x[i, ...]; segments outside [0, numSegments) are dropped, as TensorFlow does. */
export function unsortedSegmentSum(
  x: ArrayLike<number>,
  ids: ArrayLike<number>,
  rows: number,
  row: number,
  segments: number,
): Float32Array {
  const out = new Float32Array(segments * row);
  for (let i = 0; i < rows; i++) {
    const s = ids[i];
    if (s < 0 || s >= segments) continue;
    for (let j = 0; j < row; j++) out[s * row + j] += x[i * row + j];
  }
  return out;
}

/** Registers UnsortedSegmentSum for wasm unless the backend already has it. */
export function registerWasmKernels(): void {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm') !== undefined) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const segments = (attrs as { numSegments: number }).numSegments;
      const wasm = backend as unknown as WasmBackend;
      const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
      const row = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
      const values = unsortedSegmentSum(wasm.readSync(x.dataId), wasm.readSync(segmentIds.dataId), rows, row, segments);
      return wasm.makeOutput([segments, ...x.shape.slice(segmentIds.shape.length)], 'float32', undefined, values);
    },
  });
}
