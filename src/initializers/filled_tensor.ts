/**
 * The tensor edge for initializers that draw in place: on the wasm backend the output is allocated in wasm's heap
 * and filled there (no JS array, no copy into the heap; the WebAssembly fill loops write into the heap directly);
 * elsewhere a Float32Array is filled and handed to `tf.tensor` (the cpu backend keeps it without a copy).
 */
import * as tf from '@tensorflow/tfjs';
import { FILL_TABLE_BYTES, registerFillHeap } from '../sampling/wasm/fill.js';

/**
 * What this module needs of tfjs-backend-wasm's backend (4.x: `makeOutput`, `typedArrayFromHeap`; its Emscripten
 * module's memory, `asm.memory` or in the threaded build `wasmMemory`, and `_malloc` let the fill loops write into
 * the heap).
 */
interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
  wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown; _malloc?: (bytes: number) => number };
}

/** The active backend, if it is wasm and lets a kernel fill its heap. */
function heapBackend(): HeapBackend | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<HeapBackend>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function') return null;
  const memory = b.wasm?.asm?.memory ?? b.wasm?.wasmMemory;
  const malloc = b.wasm?._malloc;
  if (typeof WebAssembly === 'object' && memory instanceof WebAssembly.Memory && typeof malloc === 'function') {
    registerFillHeap(memory, () => malloc(FILL_TABLE_BYTES)); // once per heap: later calls find it registered
  }
  return b as HeapBackend;
}

/**
 * A float32 tensor of `shape` (`size` elements) whose values `fill` writes into the array it is given. If `fill`
 * throws, nothing stays allocated.
 */
export function filledTensor(shape: number[], size: number, fill: (out: Float32Array) => void): tf.Tensor {
  const heap = heapBackend();
  if (heap === null) {
    const out = new Float32Array(size);
    fill(out);
    return tf.tensor(out, shape, 'float32');
  }
  const info = heap.makeOutput(shape, 'float32');
  try {
    fill(heap.typedArrayFromHeap(info));
  } catch (e) {
    heap.disposeData(info.dataId);
    throw e;
  }
  return tf.engine().makeTensorFromTensorInfo(info);
}
