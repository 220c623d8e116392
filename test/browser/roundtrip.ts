/**
 * Runs in Chromium (bundled by esbuild in test/browser.test.ts): builds models with every
 * initializer class (the published ES module build, as a bundler resolves 'tfjs-initializers'), saves them to IndexedDB, localStorage and memory, loads them back and
 * reports what it found on window.__result.
 */
import * as tf from '@tensorflow/tfjs';
import { saveToMemory } from '../memory_io';
import { HeNormal, INITIALIZER_CLASSES } from 'tfjs-initializers';
import { initializerConfigs, sequentialLayers } from '../records';

/** What one save/load of one class in one store found. */
export interface Check {
  name: string;
  store: string;
  topology: boolean;
  configs: boolean;
  weights: boolean;
  predictions: boolean;
}

type Cls = (typeof INITIALIZER_CLASSES)[number];

/** A Sequential on inputs [batch, 5] with the class in every slot it fits (test/records.ts). */
const build = (cls: Cls): tf.Sequential => tf.sequential({ layers: sequentialLayers(cls) });

const kernelConfigs = (m: tf.LayersModel): string => JSON.stringify(initializerConfigs(m));
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
        const artifacts = await saveToMemory(model);
        loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
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
