/**
 * The README's worked example of a user's own layer: self-attention as a custom tf.layers.Layer with its rule
 * (examples/attention.js, shown whole in the README), in a transformer block, through every model tool.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initializeModel, lsuv, mup, predictSignal, signalPropagation } from '../../src';
import { measureNodes } from '../helpers';
import { saveToMemory } from '../memory_io';

const root = path.join(__dirname, '../..');
const file = path.join(root, 'examples', 'attention.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { transformerBlock } = require(file) as {
  transformerBlock: (T?: number, d?: number, heads?: number) => tf.LayersModel;
};

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe("the README's self-attention example", () => {
  it('is in the README as written, and runs there: every layer predicted', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`js\n${fs.readFileSync(file, 'utf8')}\`\`\``);
    const out = execFileSync(process.execPath, [file], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(out).toMatch(/self_attention_\w+\/query: fan 64, gain 1\.0000, std 0\.1250 \(data from model input\)/);
    expect(out).toMatch(/self_attention_\w+ \(layer\): E\[y\^2\] measured \d\.\d{4}, predicted \d\.\d{4}/);
    expect(out).toMatch(/predictSignal: 0 of 8 layers without a prediction/);
  });

  it('initializeModel, predictSignal, signalPropagation (with labels) and lsuv run on the block with no unknown rows', () => {
    const model = transformerBlock(16, 64, 4);
    const rows = initializeModel(model, { seed: 3 });
    expect(rows.filter((r) => r.skipped)).toEqual([]);
    const attention = rows.filter((r) => /self_attention/.test(r.layer) && r.role === 'kernel');
    expect(attention.map((r) => r.fan)).toEqual([64, 64, 64, 64]); // [d, heads, headDim]: fanIn d; output: heads x headDim
    const x = tf.randomNormal([32, 16, 64], 0, 1, 'float32', 4);
    const y = tf.randomNormal([32, 16, 64], 0, 1, 'float32', 5);
    const predicted = predictSignal(model);
    expect(predicted.every((r) => r.secondMoment !== null)).toBe(true);
    // the attention rule's stated approximation (lognormal softmax weights), against measurement: within 20%
    const measured = measureNodes(model, x);
    const row = predicted.find((r) => r.className === 'SelfAttention') as (typeof predicted)[number];
    expect(Math.abs((row.secondMoment as number) / (measured.get(row.layer) as number) - 1)).toBeLessThan(0.2);
    const before = tf.memory().numTensors;
    const report = signalPropagation(model, x, y, { loss: 'meanSquaredError' });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.layers.map((r) => r.kind)).toEqual(['layer', 'kernel', 'kernel']);
    expect(report.layers.every((r) => (r.gradKernelStd as number) > 0 && (r.gradPreStd as number) > 0)).toBe(true);
    const scaled = lsuv(model, x, { seed: 6 }).filter((r) => r.variance !== null);
    expect(scaled.map((r) => r.className)).toEqual(['SelfAttention', 'Dense', 'Dense']);
    expect(scaled.every((r) => r.converged)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('mup: the attention kernels are hidden, the logits scale as 1 / headDim (the rule sets scoreMultiplier), and it saves', async () => {
    // base d = 32 (4 heads of 8), model d = 128 (4 heads of 32): m = 4 on d and on headDim
    const [model, base] = [transformerBlock(8, 128, 4), transformerBlock(8, 32, 4)];
    const plan = mup(model, { base, seed: 2 });
    base.dispose();
    const attention = plan.rows.filter((r) => r.className === 'SelfAttention');
    expect(attention.map((r) => [r.class, r.widthAxes, r.learningRate.adam])).toEqual([
      ['hidden', [0, 2], 0.25], // query [d, heads, headDim]: fan-in d, fan-out heads x headDim
      ['hidden', [0, 2], 0.25],
      ['hidden', [0, 2], 0.25],
      ['hidden', [1, 2], 0.25], // output [heads, headDim, d]
    ]);
    // logits x sqrt(8) / 32 = (1 / sqrt(32)) x 0.5: 1 / headDim, equal to 1 / sqrt(headDim) at the base
    expect(attention.map((r) => r.forwardMultiplier)).toEqual([0.5, 0.5, 0.5, 0.5]);
    const layer = model.layers.find((l) => l.getClassName() === 'SelfAttention') as tf.layers.Layer;
    expect(layer.getConfig().scoreMultiplier).toBe(0.5);
    expect(plan.rows.filter((r) => r.className !== 'SelfAttention').every((r) => r.forwardMultiplier === 1)).toBe(true);
    const x = tf.randomNormal([4, 8, 128], 0, 1, 'float32', 7);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await saveToMemory(model)));
    const found = loaded.layers.find((l) => l.getClassName() === 'SelfAttention') as tf.layers.Layer;
    expect(found.getConfig().scoreMultiplier).toBe(0.5);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    [model, loaded].forEach((m) => m.dispose());
  });
});
