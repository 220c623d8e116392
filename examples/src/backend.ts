/**
 * Picks the fastest backend that loads here: tfjs-node (an optional dependency; it cannot
 * install everywhere), else wasm (its .wasm ships in the npm package), else cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from './wasm_kernels';

export const BACKENDS: readonly string[] = ['auto', 'tensorflow', 'node', 'wasm', 'cpu'];

function tryRequire(name: string): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(name);
    return true;
  } catch {
    return false;
  }
}

/** Sets the backend (`auto` by default) and returns the one in use. */
export async function selectBackend(requested = 'auto'): Promise<string> {
  const wanted = requested === 'node' ? 'tensorflow' : requested;
  const order = wanted === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [wanted];
  for (const name of order) {
    if (name === 'tensorflow' && !tryRequire('@tensorflow/tfjs-node')) continue;
    if (name === 'wasm' && !tryRequire('@tensorflow/tfjs-backend-wasm')) continue;
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        if (name === 'wasm') registerWasmKernels();
        return tf.getBackend();
      }
    } catch {
      // fall through to the next backend
    }
  }
  throw new Error(`backend '${requested}' could not be loaded here (tried ${order.join(', ')})`);
}
