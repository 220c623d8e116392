/**
 * initializeModel({rule: 'predicted'}): the He draw, then every kernel scaled in topological order so that
 * predictSignal's (inference-mode, data-free) second moment of its pre-activation is 1, and each residual block
 * closed as 'preserve' closes it. Measured on the architectures of the layer-rules tests and two 30-conv VGG-style
 * nets without normalization (average and max pooling), in inference mode, on 32 standard-normal 32x32 images.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { inceptionLike, mobileNetV2Like, vggLike } from '../../examples/src/architectures';
import { initializeModel, lsuv, signalPropagation } from '../../src';
import { cachedReader, modelGraph } from '../../src/model/graph';
import { Propagation } from '../../src/model/predict';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const NETWORKS = [
  { name: 'MobileNetV2-style', build: () => mobileNetV2Like({ width: 2 }) },
  { name: 'Inception-style', build: () => inceptionLike({ width: 2 }) },
  // 8 to 32 channels and nothing renormalizing: each conv's error compounds over 30 of them
  { name: 'VGG-style, 30 convs, average pooling', build: () => vggLike({ pooling: 'average' }) },
  { name: 'VGG-style, 30 convs, max pooling', build: () => vggLike({ pooling: 'max' }) },
];

/** The pre-activation second moment of every kernel layer but the softmax head, in inference mode. */
function preMoments(model: tf.LayersModel, x: tf.Tensor): number[] {
  const rows = signalPropagation(model, x, undefined, { training: false, predict: false }).layers;
  return rows.filter((r) => r.kind === 'kernel' && r.activation !== 'softmax').map((r) => r.preSecondMoment);
}

/** The worst factor by which a layer's second moment is off 1. */
const worst = (m: number[]): number => Math.max(...m.map((v) => Math.max(v, 1 / v)));
const band = (m: number[]): string =>
  `[${Math.min(...m).toPrecision(3)}, ${Math.max(...m).toPrecision(3)}] (worst ${worst(m).toPrecision(3)}x)`;

describe.each(NETWORKS)("rule 'predicted' on the $name network", ({ name, build }) => {
  let x: tf.Tensor;
  beforeAll(() => {
    x = tf.randomNormal([32, 32, 32, 3], 0, 1, 'float32', 2);
  });
  afterAll(() => x.dispose());

  it('keeps every pre-activation within [0.5, 2] of the input second moment (1), in inference mode', () => {
    const model = build();
    const t = Date.now();
    const rows = initializeModel(model, { rule: 'predicted', seed: 1 });
    const ms = Date.now() - t;
    const m = preMoments(model, x);
    // 32 images: each layer's estimate averages 32 x (positions x channels) values, a few percent of sampling error
    for (const v of m) expect(v).toBeGreaterThan(0.5);
    for (const v of m) expect(v).toBeLessThan(2);
    // every kernel the prediction reaches says what it was scaled by, and from what
    const scaled = rows.filter((r) => r.note?.startsWith('predicted: scaled by'));
    expect(scaled.length).toBeGreaterThan(10);
    for (const r of scaled) {
      expect(r.factor).toBeGreaterThan(0);
      expect(r.predictedInputSecondMoment).toBeGreaterThan(0);
    }
    if (process.env.REPORT_ERRORS) {
      const lines = [`${name}: predicted ${band(m)} in ${ms} ms`];
      for (const arm of ['stock', 'he', 'lsuv'] as const) {
        const other = build();
        const start = Date.now();
        if (arm === 'he') initializeModel(other, { seed: 1 });
        if (arm === 'lsuv') lsuv(other, x, { seed: 1 });
        const armMs = Date.now() - start;
        lines.push(`  ${arm}: ${band(preMoments(other, x))} in ${armMs} ms`);
        other.dispose();
      }
      console.log(lines.join('\n'));
    }
    model.dispose();
  });
});

describe("rule 'predicted'", () => {
  const mlp = (depth: number, width: number, activation: 'relu' | 'tanh'): tf.LayersModel => {
    const input = tf.input({ shape: [width] });
    let h = input;
    for (let i = 0; i < depth; i++) h = tf.layers.dense({ units: width, activation }).apply(h) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: h });
  };

  it('is deterministic given the seed, leaves no tensor, and holds a 30-layer relu MLP within 15% of 1', () => {
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([512, 128], 0, 1, 'float32', 3);
    const [a, b] = [mlp(30, 128, 'relu'), mlp(30, 128, 'relu')];
    initializeModel(a, { rule: 'predicted', seed: 4 });
    initializeModel(b, { rule: 'predicted', seed: 4 });
    const same = a
      .getWeights()
      .every((w, i) => tf.tidy(() => tf.equal(w, b.getWeights()[i]).all().dataSync()[0]) === 1);
    expect(same).toBe(true);
    // 512 x 128 values per layer: sampling error about 1%; the rest is the 128 channels' correlation, left out
    for (const v of preMoments(a, x)) expect(Math.abs(v - 1)).toBeLessThan(0.15);
    a.dispose();
    b.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('scales each kernel from a prediction that a fresh one of the written weights repeats: every pre-activation 1', () => {
    // the walk predicts a scaled kernel's output from its rule's linear answer instead of running the rule again
    const model = vggLike({ depth: 6, stages: 2, size: 16 });
    initializeModel(model, { rule: 'predicted', seed: 3 });
    const graph = modelGraph(model);
    const fresh = new Propagation(graph, 1, false, cachedReader());
    const kernels = graph.nodes.filter((n) => /Conv2D|Dense/.test(n.layer.getClassName()));
    expect(kernels).toHaveLength(7);
    for (const node of kernels) {
      const pre = fresh.preActivations.get(node.index);
      // the written weights are float32: their rounding, about 1e-7 relative, is all that differs
      expect(pre && pre.m2.reduce((a, b) => a + b, 0) / pre.m2.length).toBeCloseTo(1, 6);
    }
    model.dispose();
  });

  it("closes residual blocks as 'preserve' does, and refuses the other residual options", () => {
    const input = tf.input({ shape: [64] });
    let h = tf.layers.dense({ units: 64, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    for (let i = 0; i < 10; i++) {
      const branch = tf.layers.dense({ units: 64, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
      h = tf.layers
        .add()
        .apply([h, tf.layers.dense({ units: 64 }).apply(branch) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    }
    const model = tf.model({ inputs: input, outputs: h });
    const rows = initializeModel(model, { rule: 'predicted', seed: 5 });
    expect(rows.filter((r) => r.note?.startsWith("residual 'preserve'"))).toHaveLength(10);
    expect(() => initializeModel(model, { rule: 'predicted', residual: 'fixup' })).toThrow(
      /initializeModel: residual must be 'none' or 'preserve' with rule 'predicted'/,
    );
    model.dispose();
  });
});
