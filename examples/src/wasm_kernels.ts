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

interface KernelBackend {
  disposeData(dataId: unknown): void;
}

/** Marks the BatchMatMul this module registered (so it is registered once). */
const FAST = Symbol('transposeFirst');

/**
 * Replaces wasm's BatchMatMul with one that transposes a transposed operand first (wasm's Transpose kernel) and
 * then runs wasm's own BatchMatMul untransposed. tfjs-backend-wasm 4.22 runs `transposeA` / `transposeB` products
 * (every Dense layer's gradients) 13-33x slower than the same product on transposed copies (measured here:
 * [64, 784]^T [64, 1024] 170 ms against 6.8 ms). The sums run in another order, so results differ from the stock
 * kernel's in the last bits: only the width task opts in, and the other tasks' figures stay those the stock kernel gives.
 */
export function registerTransposeFirstMatMul(): void {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose || (original as unknown as Record<symbol, boolean>)[FAST]) return;
  const swap = (t: tf.TensorInfo, backend: object): tf.TensorInfo => {
    const rank = t.shape.length;
    const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
    return transpose.kernelFunc({ inputs: { x: t }, backend: backend as never, attrs: { perm } }) as tf.TensorInfo;
  };
  const config: tf.KernelConfig & Record<symbol, boolean> = {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return original.kernelFunc({ inputs, backend, attrs });
      const [a2, b2] = [transposeA ? swap(a, backend) : a, transposeB ? swap(b, backend) : b];
      try {
        return original.kernelFunc({
          inputs: { a: a2, b: b2 },
          backend,
          attrs: { ...attrs, transposeA: false, transposeB: false },
        });
      } finally {
        for (const t of [a2, b2]) if (t !== a && t !== b) (backend as unknown as KernelBackend).disposeData(t.dataId);
      }
    },
    [FAST]: true,
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(config);
}
