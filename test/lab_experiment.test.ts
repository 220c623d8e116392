/** The Init Lab's DOM-free parts, in Node: the state's query round trip, the network and arms, loaded-model batches. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { CONTROLS, ControlName, defaults, fromQuery, parseControl, toQuery } from '../lab/src/state';
import { LAB_ARM_NAMES, MODEL_ARM_NAMES, buildNetwork, modelBatch, reinitialize, runArm } from '../lab/src/experiment';
import { ARMS } from '../examples/src/arms';
import { binDensity } from '../examples/src/charts';
import { FLAG_RATIO } from '../lab/src/experiment';
import { activationChart, hiddenLayers, normalDensity, relative } from '../lab/src/figures';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('Lab state', () => {
  it('round-trips every control through the URL query', () => {
    const state = {
      ...defaults(),
      depth: 7,
      activation: 'leakyRelu',
      residual: true,
      armB: 'residual-fixup',
      seed: 42,
      backend: 'cpu',
    };
    expect(fromQuery(toQuery(state))).toEqual({ state, errors: [] });
    expect(Object.keys(CONTROLS)).toEqual(Object.keys(defaults()));
  });

  it('names the field, the value and what is allowed', () => {
    expect(parseControl('width', '2.5')).toEqual({ error: 'width: "2.5" is not an integer in [2, 1024]' });
    expect(parseControl('batchNorm', 'yes')).toEqual({ error: 'batchNorm: "yes" is not one of 1, 0, true, false' });
    expect(fromQuery('?depth=0&colour=red&seed=3').errors).toEqual([
      'depth: "0" is not an integer in [1, 100]',
      expect.stringMatching(/^colour: not a control \(controls: depth, width, /),
    ]);
    expect(fromQuery('?depth=0&seed=3').state.depth).toBe(CONTROLS.depth.default);
    expect(fromQuery('?seed=3').state.seed).toBe(3);
    for (const name of Object.keys(CONTROLS) as ControlName[]) {
      expect(parseControl(name, String(defaults()[name]) === 'true' ? '1' : String(defaults()[name]))).toEqual({
        value: defaults()[name],
      });
    }
  });
});

describe('Lab experiment', () => {
  it('offers every arm of the CLI table; the model-level ones can re-initialize a loaded model', () => {
    expect(LAB_ARM_NAMES).toEqual(ARMS.map((a) => a.name));
    expect(MODEL_ARM_NAMES).toEqual(expect.arrayContaining(['init-model', 'lsuv', 'residual-preserve']));
    expect(MODEL_ARM_NAMES).not.toContain('he');
  });

  it('a residual network with BatchNorm: blocks, gradients through the graph, no leaked tensors', () => {
    const spec = {
      depth: 4,
      width: 16,
      activation: 'leakyRelu',
      residual: true,
      batchNorm: true,
      seed: 3,
      batch: 32,
      gradientExamples: 16,
      layer: 2,
    };
    const model = buildNetwork(spec, ARMS[0]);
    expect(model.layers.filter((l) => l.getClassName() === 'Add')).toHaveLength(4);
    expect(model.layers.filter((l) => l.getClassName() === 'Dense')).toHaveLength(9);
    model.dispose();
    const before = tf.memory().numTensors;
    const run = runArm(spec, 'residual-preserve');
    expect(tf.memory().numTensors).toBe(before);
    expect(run.report.layers).toHaveLength(9);
    expect(run.report.layers.every((l) => l.gradPreStd !== null && l.gradPreStd > 0)).toBe(true);
    // the second kernel of a block reads the activation: its target std is g / sqrt(fanIn), g leakyRelu(0.3)'s
    expect(run.histogram.gain).toBeCloseTo(Math.sqrt(2 / (1 + 0.09)), 6);
    expect(run.histogram.values).toHaveLength(16 * 16);
    expect(() => runArm(spec, 'magic')).toThrow(/arm: "magic" is not one of stock-default, /);
  });

  it("a loaded model's batch: token ids for an Embedding input, features otherwise; kernel arms are refused", () => {
    const text = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 50, outputDim: 8, inputLength: 12 }),
        tf.layers.lstm({ units: 8, recurrentInitializer: 'zeros' }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const ids = modelBatch(text, 64, 1);
    expect(ids.dtype).toBe('int32');
    expect(ids.shape).toEqual([64, 12]);
    const values = ids.dataSync();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(50);
    ids.dispose();
    expect(() => reinitialize(text, 'he', 16, 1)).toThrow(
      /arm: "he" sets kernels at build time; use one of init-model/,
    );
    reinitialize(text, 'init-model', 16, 1);
    const features = modelBatch(tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [5] })] }), 8, 2);
    expect([features.dtype, ...features.shape]).toEqual(['float32', 8, 5]);
    features.dispose();
    text.dispose();
  });
});

describe('Lab figures', () => {
  it('signals relative to their reference, bands where the flags start, densities that integrate to 1', () => {
    expect(relative([2, null, 0.002], 2)).toEqual([1, null, 0.001]);
    expect(relative([1], 0)).toEqual([null]);
    const spec = runArm(
      {
        depth: 3,
        width: 8,
        activation: 'tanh',
        residual: false,
        batchNorm: false,
        seed: 1,
        batch: 16,
        gradientExamples: 16,
        layer: 1,
      },
      'he',
    );
    const text = JSON.stringify(activationChart('t', [{ name: 'he', report: hiddenLayers(spec.report) }], 300));
    expect(text).toContain(`"to":${1 / FLAG_RATIO}`);
    expect(text).toContain(`"from":${FLAG_RATIO}`);
    expect(hiddenLayers(spec.report).layers).toHaveLength(3);
    // the x axis ends at the data: layers 1..3, no rounding up to a nice 4 or 5
    const layers = (JSON.parse(text) as { hconcat: Array<{ layer: Array<{ encoding: { x: { scale?: unknown } } }> }> })
      .hconcat[0].layer;
    expect(layers[layers.length - 1].encoding.x.scale).toEqual({ domain: [1, 3], nice: false, zero: false });
    const { x, density } = normalDensity(0.5, 2);
    const step = x[1] - x[0];
    expect(density.reduce((a, d) => a + d * step, 0)).toBeCloseTo(0.9999, 3); // +-4 std holds all but 6e-5
    const d = binDensity(Float32Array.from([0.1, 0.2, -0.3, 5]), 1, 4);
    expect(d.reduce((a, v) => a + v * 0.5, 0)).toBeCloseTo(0.75, 12); // one value outside [-1, 1]
  });
});
