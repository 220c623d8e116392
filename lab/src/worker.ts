/**
 * The model worker: loads a user's model.json and weights, diagnoses it, re-initializes it and hands back its
 * artifacts, off the page's thread, so the page stays responsive and reports progress. wasm backend (cpu if wasm
 * does not start here): the large batch of a 224x224 model lives on its heap, not in WebGL textures.
 */
import * as tf from '@tensorflow/tfjs';
import { startBackend } from './backend';
import { diagnoseModel, reinitialize } from './experiment';
import { Reply, Request, isOutOfMemory } from './protocol';

const scope = self as unknown as { postMessage(message: Reply, transfer?: Transferable[]): void; location: Location };
const post = (reply: Reply, transfer: Transferable[] = []): void => scope.postMessage(reply, transfer);

let model: tf.LayersModel | null = null;
let backend: Promise<string> | null = null;

/** wasm, else cpu: a large batch lives on wasm's heap, not in WebGL textures. */
const start = (wanted: string): Promise<string> =>
  startBackend(wanted === 'auto' || wanted === 'webgl' ? ['wasm', 'cpu'] : [wanted, 'cpu'], scope.location.href);

/** The input batch alone must leave room on the backend's heap (wasm: 4 GB at most, in practice about 2 GB). */
const INPUT_LIMIT = 2 ** 30;

/** Refuses, as out of memory, a batch whose inputs alone would not fit (before allocating it). */
function checkBatchFits(model: tf.LayersModel, batch: number): void {
  const bytes = model.inputs.reduce(
    (sum, t) => sum + 4 * batch * t.shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1),
    0,
  );
  if (bytes > INPUT_LIMIT) {
    throw new Error(
      `out of memory: a batch of ${batch} inputs takes ${(bytes / 2 ** 30).toFixed(1)} GB (at most ${INPUT_LIMIT / 2 ** 30} GB)`,
    );
  }
}

const progress = (stage: string) => (done: number, total: number) => post({ type: 'progress', stage, done, total });

async function handle(request: Request): Promise<void> {
  if (request.type === 'load') {
    const name = await (backend ??= start(request.backend));
    post({ type: 'progress', stage: 'loading' });
    model?.dispose();
    model = null;
    const json = request.files.find((f) => f.name.endsWith('.json')) as File;
    model = await tf.loadLayersModel(tf.io.browserFiles([json, ...request.files.filter((f) => f !== json)]));
    checkBatchFits(model, request.batch);
    const t0 = performance.now();
    const report = diagnoseModel(model, request.batch, request.seed, progress('diagnosing'));
    post({
      type: 'loaded',
      file: json.name,
      layers: model.layers.length,
      report,
      backend: name,
      milliseconds: performance.now() - t0,
    });
    return;
  }
  if (!model) throw new Error('no model loaded');
  if (request.type === 'reinit') {
    const t0 = performance.now();
    post({ type: 'progress', stage: `re-initializing with ${request.arm}` });
    reinitialize(model, request.arm, request.batch, request.seed);
    const report = diagnoseModel(model, request.batch, request.seed, progress('diagnosing'));
    post({ type: 'reinitialized', arm: request.arm, report, milliseconds: performance.now() - t0 });
    return;
  }
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const saved = artifacts as unknown as tf.io.ModelArtifacts;
  post({ type: 'saved', artifacts: saved }, saved.weightData instanceof ArrayBuffer ? [saved.weightData] : []);
}

// one request at a time, in the order they came
let queue: Promise<void> = Promise.resolve();
self.onmessage = (event: MessageEvent<Request>) => {
  const request = event.data;
  queue = queue.then(() =>
    handle(request).catch((error: unknown) => {
      const message = (error as Error)?.message ?? String(error);
      post({ type: 'error', request: request.type, message, outOfMemory: isOutOfMemory(message) });
    }),
  );
};
