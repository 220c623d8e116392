import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  ActivationAware,
  GlorotUniform,
  HeNormal,
  INITIALIZER_CLASSES,
  Orthogonal,
  VarianceScaling,
  toPortable,
} from '../../src';
import { moments, stdTolerance } from '../helpers';
import { sequentialLayers } from '../records';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function buildModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        units: 300,
        inputShape: [400],
        activation: 'relu',
        kernelInitializer: new HeNormal({ seed: 1 }),
      }),
      tf.layers.dense({
        units: 200,
        activation: 'tanh',
        kernelInitializer: new GlorotUniform({ gain: 5 / 3, seed: 2 }),
      }),
      tf.layers.dense({ units: 100, kernelInitializer: new Orthogonal({ gain: 1.5, seed: 3 }) }),
      tf.layers.dense({
        units: 50,
        kernelInitializer: new VarianceScaling({ mode: 'fanGeoAvg', distribution: 'normal', seed: 4 }),
      }),
      tf.layers.dense({ units: 10, kernelInitializer: new ActivationAware({ activation: 'selu', seed: 5 }) }),
    ],
  });
}

describe('toPortable', () => {
  it('rewrites every initializer into a stock one and reports exactness', () => {
    const model = buildModel();
    const { modelTopology, entries } = toPortable(model);
    expect(JSON.stringify(modelTopology)).not.toContain('TfjsInit>');
    expect(entries.map((e) => [e.className, e.stockClassName, e.exact])).toEqual([
      ['TfjsInit>HeNormal', 'VarianceScaling', true],
      ['TfjsInit>GlorotUniform', 'VarianceScaling', true],
      ['TfjsInit>Orthogonal', 'Orthogonal', true],
      ['TfjsInit>VarianceScaling', 'VarianceScaling', false],
      ['TfjsInit>ActivationAware', 'VarianceScaling', true],
    ]);
    expect(entries[3].reason).toMatch(/fanGeoAvg.*untruncated/);
    expect(toPortable(model).loadsWithoutPlugin).toBe(true);
    expect(entries[0].path).toBe('config.layers[0].config.kernel_initializer');
    model.dispose();
  });

  it('exact translations draw the same distribution with stock tfjs: std of a rebuilt layer', async () => {
    const model = buildModel();
    const { modelTopology } = toPortable(model);
    const stock = await tf.models.modelFromJSON({ modelTopology });
    const heKernel = stock.layers[0].getWeights()[0].dataSync();
    expect(Math.abs(moments(heKernel).std / Math.sqrt(2 / 400) - 1)).toBeLessThan(stdTolerance(heKernel.length));
    const glorot = stock.layers[1].getWeights()[0].dataSync();
    expect(Math.abs(moments(glorot).std / ((5 / 3) * Math.sqrt(2 / 500)) - 1)).toBeLessThan(
      stdTolerance(glorot.length) * 1.2,
    );
    model.dispose();
    stock.dispose();
  });

  it('a portable model loads in a Node process that never imports this plugin, with identical predictions', () => {
    const model = buildModel();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-portable-'));
    const x = tf.randomUniform([4, 400], -1, 1, 'float32', 7);
    const expected = Array.from((model.predict(x) as tf.Tensor).dataSync());
    const weights = model.getWeights();
    const specs = model.weights.map((w, i) => ({ name: w.originalName, shape: weights[i].shape, dtype: 'float32' }));
    const data = Buffer.concat(weights.map((w) => Buffer.from((w.dataSync() as Float32Array).buffer)));
    fs.writeFileSync(
      path.join(dir, 'model.json'),
      JSON.stringify({ modelTopology: toPortable(model).modelTopology, weightSpecs: specs }),
    );
    fs.writeFileSync(path.join(dir, 'weights.bin'), data);
    fs.writeFileSync(path.join(dir, 'x.json'), JSON.stringify(Array.from(x.dataSync())));
    const script = `
      const fs = require('fs'); const path = require('path'); const tf = require('@tensorflow/tfjs');
      (async () => {
        await tf.setBackend('cpu');
        const dir = ${JSON.stringify(dir)};
        const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
        const buf = fs.readFileSync(path.join(dir, 'weights.bin'));
        const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightSpecs,
          weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) }));
        const x = tf.tensor2d(JSON.parse(fs.readFileSync(path.join(dir, 'x.json'), 'utf8')), [4, 400]);
        process.stdout.write(JSON.stringify(Array.from(model.predict(x).dataSync())));
      })();`;
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: path.resolve(__dirname, '..'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(JSON.parse(out)).toEqual(expected);
    x.dispose();
    model.dispose();
  });

  for (const cls of INITIALIZER_CLASSES) {
    it(`${cls.className}: translated to a stock class that loads without the plugin, or left with its reason`, async () => {
      const model = tf.sequential({ layers: sequentialLayers(cls) });
      const { modelTopology, entries, loadsWithoutPlugin } = toPortable(model);
      const ours = entries.filter((e) => e.className === cls.className);
      expect(ours.length).toBeGreaterThan(0);
      const [entry] = ours;
      expect(entry.className).toBe(cls.className);
      if (entry.stockClassName === null) {
        expect(loadsWithoutPlugin).toBe(false);
        expect(entry.reason).toMatch(/\w{3,}/);
      } else {
        expect(loadsWithoutPlugin).toBe(true);
        expect(JSON.stringify(modelTopology)).not.toContain('TfjsInit>');
        if (!entry.exact) expect(entry.reason).toMatch(/\w{3,}/);
        // an exact translation rebuilds from JSON alone with stock tfjs (an inexact one may not: e.g. stock
        // Identity refuses non-square kernels, which its reason says)
        if (entry.exact) {
          const stock = await tf.models.modelFromJSON({ modelTopology });
          expect(stock.getWeights().map((w) => w.shape)).toEqual(model.getWeights().map((w) => w.shape));
          stock.dispose();
        }
      }
      model.dispose();
    });
  }
});
