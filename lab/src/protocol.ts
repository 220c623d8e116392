/** The messages between the page and the model worker (worker.ts), which runs the bring-your-own-model work. */
import type * as tf from '@tensorflow/tfjs';
import type { SignalReport } from 'tfjs-initializers';

/** What the page asks the worker. */
export type Request =
  | { type: 'load'; files: File[]; batch: number; seed: number; backend: string }
  | { type: 'reinit'; arm: string; batch: number; seed: number }
  | { type: 'save' };

/** What the worker answers. */
export type Reply =
  | { type: 'progress'; stage: string; done?: number; total?: number }
  | { type: 'loaded'; file: string; layers: number; report: SignalReport; backend: string; milliseconds: number }
  | { type: 'reinitialized'; arm: string; report: SignalReport; milliseconds: number }
  | { type: 'saved'; artifacts: tf.io.ModelArtifacts }
  | { type: 'error'; request: Request['type']; message: string; outOfMemory: boolean };

/** Whether an error message is the backend running out of memory (wasm's heap, a WebGL texture, an allocation). */
export const isOutOfMemory = (message: string): boolean =>
  /memory access out of bounds|out of memory|Aborted\(|allocation failed|Array buffer allocation|Invalid (typed )?array length|texture size/i.test(
    message,
  );
