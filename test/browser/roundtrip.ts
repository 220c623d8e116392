/**
 * Runs in Chromium (bundled by esbuild in test/browser.test.ts): builds models with every
 * initializer class (the published ES module build, as a bundler resolves 'tfjs-initializers'), saves them to IndexedDB, localStorage and memory, loads them back and
 * reports what it found on window.__result.
 */
import * as tf from '@tensorflow/tfjs';
import { HeNormal, INITIALIZER_CLASSES } from 'tfjs-initializers';
import { RECORDS, fitsDense, kernelFor } from '../records';

interface Check {
  name: string;
  store: string;
  topology: boolean;
  configs: boolean;
  weights: boolean;
  predictions: boolean;
}

type Cls = (typeof INITIALIZER_CLASSES)[number];

/** Dense 5 -> 8 -> 3 with the class in both kernels; for a conv-only class, Reshape -> Conv1D [3, 1, 8] -> Flatten -> Dense. */
function build(cls: Cls): tf.Sequential {
  const layers = fitsDense(RECORDS[cls.className])
    ? [
        tf.layers.dense({
          units: 8,
          inputShape: [5],
          activation: 'relu',
          kernelInitializer: kernelFor(cls, 'dense', [5, 8]) as never,
        }),
        tf.layers.dense({ units: 3, kernelInitializer: kernelFor(cls, 'dense', [8, 3]) as never }),
      ]
    : [
        tf.layers.reshape({ targetShape: [5, 1], inputShape: [5] }),
        tf.layers.conv1d({
          filters: 8,
          kernelSize: 3,
          activation: 'relu',
          kernelInitializer: kernelFor(cls, 'conv', [3, 1, 8]) as never,
        }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, kernelInitializer: kernelFor(cls, 'dense', [24, 3]) as never }),
      ];
  return tf.sequential({ layers });
}

const kernelConfigs = (m: tf.LayersModel): string =>
  JSON.stringify(m.layers.map((l) => (l.getConfig() as { kernelInitializer: unknown }).kernelInitializer));
const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const checks: Check[] = [];
  const x = tf.tensor2d([
    [0.1, -0.2, 0.3, 0.4, -0.5],
    [1, 2, -1, 0.5, 0],
  ]);
  for (const cls of INITIALIZER_CLASSES) {
    const name = cls.className;
    const model = build(cls);
    for (const store of [`indexeddb://rt-${name}`, `localstorage://rt-${name}`, 'memory']) {
      let loaded: tf.LayersModel;
      if (store === 'memory') {
        let artifacts: tf.io.ModelArtifacts | null = null;
        await model.save(
          tf.io.withSaveHandler(async (a) => {
            artifacts = a;
            return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
          }),
        );
        loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts as unknown as tf.io.ModelArtifacts));
      } else {
        await model.save(store);
        loaded = await tf.loadLayersModel(store);
      }
      const wa = model.getWeights();
      const wb = loaded.getWeights();
      checks.push({
        name,
        store: store.split(':')[0],
        topology: model.toJSON() === loaded.toJSON(),
        configs: kernelConfigs(model) === kernelConfigs(loaded),
        weights: wa.length === wb.length && wa.every((w, i) => same(w.dataSync(), wb[i].dataSync())),
        predictions: same((model.predict(x) as tf.Tensor).dataSync(), (loaded.predict(x) as tf.Tensor).dataSync()),
      });
      loaded.dispose();
    }
    model.dispose();
  }
  const reference = Array.from(new HeNormal({ seed: 7 }).apply([5, 8]).dataSync());
  (window as unknown as { __result: unknown }).__result = { checks, reference, classes: INITIALIZER_CLASSES.length };
}

main().catch((e: Error) => {
  (window as unknown as { __result: unknown }).__result = { error: `${e.message}\n${e.stack}` };
});
