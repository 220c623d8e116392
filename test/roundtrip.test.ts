import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { saveToMemory } from './memory_io';
import { GlorotUniform, HeNormal, INITIALIZER_CLASSES, fileSystem, modelJsonText } from 'tfjs-initializers/node';
import { initializerConfigs, kernelFor, sequentialLayers } from './records';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-rt-'));

type Cls = (typeof INITIALIZER_CLASSES)[number];

/** A compiled Sequential on inputs [batch, 5] with the class in every slot it fits (test/records.ts). */
function sequentialModel(cls: Cls): tf.Sequential {
  const model = tf.sequential({ layers: [...sequentialLayers(cls), tf.layers.softmax()] });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Functional Conv2D [3, 3, 2, 4] -> Flatten -> Dense [64, 2], the class in every kernel it fits. */
function functionalModel(cls: Cls): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 2] });
  const conv = tf.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: kernelFor(cls, 'conv', [3, 3, 2, 4]) as never,
    })
    .apply(input) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(conv) as tf.SymbolicTensor;
  const dense = tf.layers.dense({ units: 2, kernelInitializer: kernelFor(cls, 'dense', [64, 2]) as never });
  const model = tf.model({ inputs: input, outputs: dense.apply(flat) as tf.SymbolicTensor });
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return model;
}

const kernelConfigs = initializerConfigs;

async function expectSameModel(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor): Promise<void> {
  expect(JSON.parse(b.toJSON() as string)).toEqual(JSON.parse(a.toJSON() as string));
  expect(kernelConfigs(b)).toEqual(kernelConfigs(a));
  const wa = a.getWeights();
  const wb = b.getWeights();
  expect(wb.length).toBe(wa.length);
  wa.forEach((w, i) =>
    expect(
      Buffer.from((wb[i].dataSync() as Float32Array).buffer).equals(Buffer.from((w.dataSync() as Float32Array).buffer)),
    ).toBe(true),
  );
  const [pa, pb] = [a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor];
  expect(Array.from(pb.dataSync())).toEqual(Array.from(pa.dataSync()));
  tf.dispose([pa, pb]);
}

describe('save and load round trips for every initializer class', () => {
  for (const cls of INITIALIZER_CLASSES) {
    const name = cls.className;
    it(`${name}: Sequential Dense via file:// and in memory; functional Conv2D+Dense via file://`, async () => {
      const seq = sequentialModel(cls);
      const xs = tf.randomUniform([16, 5], -1, 1, 'float32', 1);
      const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3);
      await seq.fit(xs, ys, { epochs: 1, batchSize: 8, verbose: 0 });
      const dir = tmp();
      await seq.save(`file://${dir}`, { includeOptimizer: true });
      const loaded = await tf.loadLayersModel(`file://${path.join(dir, 'model.json')}`);
      await expectSameModel(seq, loaded, xs);
      const saved = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      expect(saved.trainingConfig.loss).toBe('categorical_crossentropy');
      expect(loaded.optimizer).toBeDefined();
      expect(loaded.optimizer.getClassName()).toBe('Adam');
      // the optimizer state (Adam's iteration count and moments) comes back value for value
      const [sa, sb] = [await seq.optimizer.getWeights(), await loaded.optimizer.getWeights()];
      expect(sb.map((w) => w.name)).toEqual(sa.map((w) => w.name));
      sa.forEach((w, i) => expect(Array.from(sb[i].tensor.dataSync())).toEqual(Array.from(w.tensor.dataSync())));
      expect(sa.length).toBeGreaterThan(1);

      const artifacts = await saveToMemory(seq);
      const fromMemory = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      await expectSameModel(seq, fromMemory, xs);

      // Rebuilt from JSON alone (no weights): the seeded initializers give the same initial weights.
      const fresh = sequentialModel(cls);
      const rebuilt = await tf.models.modelFromJSON({ modelTopology: JSON.parse(fresh.toJSON() as string) });
      fresh
        .getWeights()
        .forEach((w, i) => expect(Array.from(rebuilt.getWeights()[i].dataSync())).toEqual(Array.from(w.dataSync())));

      const fn = functionalModel(cls);
      const dir2 = tmp();
      await fn.save(`file://${dir2}`);
      const loadedFn = await tf.loadLayersModel(`file://${path.join(dir2, 'model.json')}`);
      const x4 = tf.randomUniform([3, 6, 6, 2], 0, 1, 'float32', 2);
      await expectSameModel(fn, loadedFn, x4);

      for (const m of [seq, loaded, fromMemory, fresh, rebuilt, fn, loadedFn]) {
        m.optimizer?.dispose();
        m.dispose();
      }
      tf.dispose([xs, ys, x4]);
    });
  }
});

describe('file:// handler', () => {
  it('leaks no tensor: save, load and dispose return to the same count', async () => {
    // (Saving with includeOptimizer leaks one scalar inside tfjs itself, so this checks the weights-only path.)
    const model = sequentialModel(HeNormal);
    const dir = tmp();
    const before = tf.memory().numTensors;
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${path.join(dir, 'model.json')}`);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('writes exactly model.json and weights.bin, in the layout tfjs-node writes', async () => {
    const model = sequentialModel(HeNormal);
    const dir = tmp();
    const artifacts = await saveToMemory(model, { includeOptimizer: true });
    await model.save(`file://${dir}`, { includeOptimizer: true });
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const text = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
    expect(text).toBe(modelJsonText(artifacts));
    expect(Object.keys(JSON.parse(text))).toEqual([
      'modelTopology',
      'weightsManifest',
      'format',
      'generatedBy',
      'convertedBy',
      'trainingConfig',
    ]);
    expect(JSON.parse(text).weightsManifest[0].paths).toEqual(['weights.bin']);
    const weights = fs.readFileSync(path.join(dir, 'weights.bin'));
    const expected = Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
    expect(weights.equals(expected)).toBe(true);
    model.dispose();
  });

  it('fails clearly on a missing, truncated or corrupt model, and on paths outside the folder', async () => {
    const model = sequentialModel(GlorotUniform);
    const dir = tmp();
    await model.save(`file://${dir}`);
    const json = path.join(dir, 'model.json');
    await expect(tf.loadLayersModel(`file://${path.join(dir, 'nope.json')}`)).rejects.toThrow(
      /model.json .*nope.json does not exist/,
    );
    const weights = fs.readFileSync(path.join(dir, 'weights.bin'));
    fs.writeFileSync(path.join(dir, 'weights.bin'), weights.subarray(0, weights.length - 4));
    await expect(tf.loadLayersModel(`file://${json}`)).rejects.toThrow(
      /hold \d+ bytes but the manifest .* describes \d+; the files are truncated/,
    );
    fs.rmSync(path.join(dir, 'weights.bin'));
    await expect(tf.loadLayersModel(`file://${json}`)).rejects.toThrow(/weights file .*weights.bin does not exist/);
    fs.writeFileSync(json, '{"modelTopology": ');
    await expect(tf.loadLayersModel(`file://${json}`)).rejects.toThrow(/is not valid JSON/);
    fs.writeFileSync(
      json,
      JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }] }),
    );
    await expect(fileSystem(json).load()).rejects.toThrow(/must be a relative path inside the model's folder/);
    model.dispose();
  });

  it('saves atomically: a failed save leaves the previous model intact and no temporary files', async () => {
    const model = sequentialModel(HeNormal);
    const dir = tmp();
    await model.save(`file://${dir}`);
    const before = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
    const bad = { modelTopology: { self: undefined as unknown }, weightSpecs: [], weightData: new ArrayBuffer(0) };
    (bad.modelTopology as { self: unknown }).self = bad.modelTopology; // JSON.stringify throws on the cycle
    await expect(fileSystem(dir).save(bad as unknown as tf.io.ModelArtifacts)).rejects.toThrow(/circular/i);
    expect(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).toBe(before);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    model.dispose();
  });
});
