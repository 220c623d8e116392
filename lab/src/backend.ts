/** Starting a TensorFlow.js backend in the page or the worker: the first of `candidates` that starts. */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** Starts the first backend of `candidates` that starts here (the wasm binaries beside `base`); returns its name. */
export async function startBackend(candidates: readonly string[], base: string): Promise<string> {
  setWasmPaths(new URL('./', base).href);
  for (const name of candidates) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // not available here: try the next
    }
  }
  throw new Error(`no TensorFlow.js backend could start (tried ${candidates.join(', ')})`);
}
