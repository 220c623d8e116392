/**
 * Models as users bring them: the MobileNetV2-style and Inception-style networks with Keras's `scale: false`
 * BatchNorms and a frozen backbone under a trainable head (examples/src/architectures.ts, 32x32 input). The tools
 * that only read leave every weight and BatchNorm statistic bitwise as it was, also when they throw; the
 * Keras-converted layers work in every mode; frozen weights stay frozen; residual 'preserve' scales the closing
 * BatchNorm's gamma; LSUV resets BatchNorm and runs each layer, not the network, per iteration.
 */
import * as fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { inceptionLike, mobileNetV2Like } from '../../examples/src/architectures';
import { ModelError, initializeModel, lsuv, predictSignal, signalPropagation } from '../../src';
import { runGraph } from '../../src/model/executor';
import { modelGraph } from '../../src/model/graph';
import { residualBlocks } from '../../src/model/residual';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

/** Every weight's bytes. */
const snapshot = (model: tf.LayersModel): Uint8Array[] =>
  model.weights.map((w) => new Uint8Array((w.read().dataSync() as Float32Array).slice().buffer));
const same = (a: Uint8Array[], b: Uint8Array[]): boolean =>
  a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, j) => v === b[i][j]));

const BUILDERS = {
  mobilenet: () => mobileNetV2Like({ width: 1, scale: false, frozenBackbone: true, size: 24 }),
  inception: () => inceptionLike({ width: 1, scale: false, frozenBackbone: true, size: 24, modules: 4 }),
};

describe('read-only tools leave the model bitwise as it was, also when they throw', () => {
  let models: Record<keyof typeof BUILDERS, tf.LayersModel>;
  let x: tf.Tensor;
  let y: tf.Tensor;
  beforeAll(() => {
    models = Object.fromEntries(
      Object.entries(BUILDERS).map(([k, build]) => {
        const m = build();
        // moving statistics that are not the identity, so any update would show
        initializeModel(m, { seed: 1, includeFrozen: true });
        for (const layer of m.layers.filter((l) => l.getClassName() === 'BatchNormalization'))
          layer.setWeights(
            layer.getWeights().map((w, i) => tf.tidy(() => (i === 0 ? w.clone() : w.add(0.1 * (i + 1))))),
          );
        return [k, m];
      }),
    ) as Record<keyof typeof BUILDERS, tf.LayersModel>;
    x = tf.randomNormal([8, 24, 24, 3], 0, 1, 'float32', 2);
    y = tf.oneHot(tf.randomUniform([8], 0, 10, 'int32', 3), 10);
  });
  afterAll(() => {
    tf.dispose([x, y]);
    Object.values(models).forEach((m) => m.dispose());
  });

  it('property: predictSignal and signalPropagation (with and without labels), training or inference, success or a layer that throws', () => {
    fc.assert(
      fc.property(
        fc.record({
          model: fc.constantFrom('mobilenet', 'inception') as fc.Arbitrary<keyof typeof BUILDERS>,
          tool: fc.constantFrom('predictSignal', 'signalPropagation', 'signalPropagation+labels'),
          training: fc.boolean(),
          // the call at which a layer throws (a raw TypeError, as the tfjs bugs do), or none
          failAt: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
        }),
        ({ model: name, tool, training, failAt }) => {
          const model = models[name];
          const before = snapshot(model);
          const tensors = tf.memory().numTensors;
          const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
          const victim = failAt === null ? null : layers[failAt % layers.length];
          const call = victim?.call;
          let thrown = false;
          if (victim) {
            victim.call = () => {
              thrown = true;
              throw new TypeError("Cannot read properties of undefined (reading 'read')");
            };
          }
          let error: unknown = null;
          try {
            if (tool === 'predictSignal') predictSignal(model, { training });
            else signalPropagation(model, x, tool.endsWith('labels') ? y : undefined, { training });
          } catch (e) {
            error = e;
          } finally {
            if (victim) victim.call = call as typeof victim.call;
          }
          // a layer the tool ran threw (BatchNorm runs through the tools' own ops, predictSignal runs nothing)
          if (thrown) {
            expect(error).toBeInstanceOf(ModelError);
            expect((error as Error).message).toMatch(new RegExp(`failed at .*${(victim as tf.layers.Layer).name}`));
          } else expect(error).toBeNull();
          expect(same(snapshot(model), before)).toBe(true);
          expect(tf.memory().numTensors).toBe(tensors);
        },
      ),
      { numRuns: 16, seed: 18 },
    );
  });
});

describe.each(Object.entries(BUILDERS))('%s with scale: false BatchNorms and a frozen backbone', (_name, build) => {
  it('initializeModel leaves the frozen backbone bitwise as it was and says so; includeFrozen re-initializes it', () => {
    const model = build();
    const head = model.getLayer('predictions');
    const frozen = model.layers.filter((l) => l !== head && l.weights.length > 0);
    const before = frozen.map((l) => l.getWeights().map((w) => w.dataSync().slice()));
    const headBefore = head.getWeights()[0].dataSync().slice();
    const rows = initializeModel(model, { seed: 4 });
    frozen.forEach((l, i) => l.getWeights().forEach((w, j) => expect(w.dataSync()).toEqual(before[i][j])));
    expect(head.getWeights()[0].dataSync()).not.toEqual(headBefore);
    expect(rows.filter((r) => r.skipped).map((r) => r.layer)).toEqual(frozen.map((l) => l.name));
    expect(rows.filter((r) => r.skipped).every((r) => /^frozen \(trainable: false\)/.test(r.skipped as string))).toBe(
      true,
    );
    // the head's gain comes from the relu the backbone's last activation applies, through global average pooling
    expect(rows.find((r) => r.layer === 'predictions' && r.role === 'kernel')?.activation).toMatch(
      /^relu6?(\(\d\))? from/,
    );
    initializeModel(model, { seed: 4, includeFrozen: true });
    expect(frozen[0].getWeights()[0].dataSync()).not.toEqual(before[0][0]);
    model.dispose();
  });

  it('every tool runs in both modes with scale: false BatchNorms: signalPropagation with labels, lsuv (frozen layers kept)', () => {
    const model = build();
    initializeModel(model, { seed: 5, includeFrozen: true });
    const x = tf.randomNormal([8, 24, 24, 3], 0, 1, 'float32', 6);
    const y = tf.oneHot(tf.randomUniform([8], 0, 10, 'int32', 7), 10);
    for (const training of [true, false]) {
      const report = signalPropagation(model, x, y, { training });
      expect(report.layers.every((r) => Number.isFinite(r.preStd) && (r.gradKernelStd as number) > 0)).toBe(true);
      expect(predictSignal(model, { training }).every((r) => r.secondMoment !== null)).toBe(true);
    }
    const frozen = model.layers.filter((l) => l.name !== 'predictions' && l.weights.length > 0);
    const before = frozen.map((l) => l.getWeights().map((w) => w.dataSync().slice()));
    const rows = lsuv(model, x, { seed: 8 });
    frozen.forEach((l, i) => l.getWeights().forEach((w, j) => expect(w.dataSync()).toEqual(before[i][j])));
    expect(rows.filter((r) => r.note?.startsWith('frozen')).length).toBe(frozen.length);
    expect(rows.filter((r) => r.variance !== null).map((r) => r.layer)).toEqual(['predictions']);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('lsuv at model scale', () => {
  it('resets every BatchNorm to the identity, calibrates each kernel through it, and runs each layer at most (iterations + 2) times', () => {
    const model = inceptionLike({ width: 1, scale: false, size: 24, modules: 4 });
    const x = tf.randomNormal([16, 24, 24, 3], 0, 1, 'float32', 9);
    const calls = new Map<tf.layers.Layer, number>();
    for (const layer of model.layers) {
      const call = layer.call.bind(layer);
      layer.call = (inputs, kwargs) => {
        calls.set(layer, (calls.get(layer) ?? 0) + 1);
        return call(inputs, kwargs);
      };
    }
    const rows = lsuv(model, x, { seed: 10 });
    const bn = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
    expect(rows.filter((r) => /normalization reset to the identity/.test(r.note ?? '')).length).toBe(bn.length);
    const scaled = rows.filter((r) => r.variance !== null);
    expect(scaled.every((r) => r.converged)).toBe(true);
    const iterations = new Map(scaled.map((r) => [r.layer, r.iterations]));
    for (const [layer, n] of calls)
      expect({ layer: layer.name, ok: n <= (iterations.get(layer.name) ?? 0) + 2 }).toEqual({
        layer: layer.name,
        ok: true,
      });
    // the kernels' pre-activations on the batch, in inference mode through the reset BatchNorms: unit variance
    const graph = modelGraph(model);
    const convs = graph.nodes.filter((n) => n.layer.getClassName() === 'Conv2D');
    const values = runGraph(graph, new Map([[graph.inputs[0], x]]), {
      training: false,
      keep: convs.map((n) => n.outputs[0]),
    });
    for (const [, v] of values) {
      const variance = tf.tidy(() => tf.moments(v).variance.dataSync()[0]);
      expect(Math.abs(variance - 1)).toBeLessThan(0.1);
    }
    tf.dispose([...values.values(), x]);
    model.dispose();
  });
});

describe("residual 'preserve' with BatchNorm-closed branches", () => {
  it('scales each closing gamma once, so every block adds 1 / L of the stream (training mode, within 15%)', () => {
    const model = mobileNetV2Like({ width: 2, size: 32 });
    const blocks = residualBlocks(model);
    expect(blocks.length).toBe(4);
    const rows = initializeModel(model, { seed: 11, residual: 'preserve' });
    const gammas = rows.filter((r) => /residual 'preserve': gamma scaled by/.test(r.note ?? ''));
    expect(gammas.length).toBe(blocks.length);
    const graph = modelGraph(model);
    const x = tf.randomNormal([32, 32, 32, 3], 0, 1, 'float32', 12);
    const keys = blocks.flatMap((b) => [b.add.outputs[0], b.skip]);
    const values = runGraph(graph, new Map([[graph.inputs[0], x]]), { training: true, keep: keys });
    const m2 = (k: string): number => tf.tidy(() => (values.get(k) as tf.Tensor).square().mean().dataSync()[0]);
    const growths = blocks.map((block) => m2(block.add.outputs[0]) / m2(block.skip) - 1);
    if (process.env.REPORT_ERRORS)
      console.log(`preserve: growth per block x L = ${growths.map((g) => (g * blocks.length).toFixed(3)).join(', ')}`);
    for (const growth of growths) expect(Math.abs(growth * blocks.length - 1)).toBeLessThan(0.15);
    tf.dispose([...values.values(), x]);
    // a model without residual blocks gets a note, and nothing is scaled
    const plain = inceptionLike({ width: 1, size: 24, modules: 2 });
    const note = initializeModel(plain, { seed: 1, residual: 'preserve' }).find((r) => r.layer === plain.name);
    expect(note?.note).toMatch(/no residual blocks/);
    plain.dispose();
    model.dispose();
  });
});
