/**
 * Model-tool cases of `npm run bench`: on the MobileNetV2-style and Inception-style test networks
 * (examples/src/architectures.ts, 32x32 input, twice the base width), each tool's time as a ratio to one forward
 * pass of the same batch (model.predict), measured in the same process; for initializeModel also stock tfjs's
 * rebuild from JSON (tf.models.modelFromJSON, which draws every weight with the stock initializers).
 */
const tf = require('@tensorflow/tfjs');
const ours = require('..');
const { inceptionLike, mobileNetV2Like } = require('../examples/dist/architectures.js');

const ARCHITECTURES = [
  ['MobileNetV2-style', () => mobileNetV2Like({ width: 2 })],
  ['Inception-style', () => inceptionLike({ width: 2 })],
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median ms of `runs` calls after one warm-up; `fn` may return something to dispose. */
async function time(fn, runs) {
  const once = async () => {
    const t0 = process.hrtime.bigint();
    const out = await fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    tf.dispose(out);
    return ms;
  };
  await once();
  const times = [];
  for (let r = 0; r < runs; r++) times.push(await once());
  return median(times);
}

/** Runs the model-tool cases on the current backend; returns rows {architecture, tool, ms, forwardMs, ratio, ...}. */
async function modelToolCases({ batch = 64, runs = 3 } = {}) {
  const rows = [];
  for (const [name, build] of ARCHITECTURES) {
    const model = build();
    ours.initializeModel(model, { seed: 1 });
    const [x] = ours.sampleInputs(model, batch, { seed: 2 });
    const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 3), 10);
    const forwardMs = await time(() => model.predict(x), runs);
    const row = (tool, ms, extra = {}) =>
      rows.push({ architecture: name, tool, ms, forwardMs, ratio: ms / forwardMs, ...extra });
    const json = model.toJSON(null, false);
    const stockMs = await time(() => {
      const rebuilt = tf.models.modelFromJSON({ modelTopology: json });
      return rebuilt.then((m) => m.dispose());
    }, runs);
    const initMs = await time(() => void ours.initializeModel(model, { seed: 1 }), runs);
    row('initializeModel', initMs, { stockMs, stockRatio: stockMs / initMs });
    row('predictSignal', await time(() => void ours.predictSignal(model), runs));
    let iterations = 0;
    const lsuvMs = await time(() => {
      const report = ours.lsuv(model, x, { seed: 4 });
      iterations = Math.max(...report.map((r) => r.iterations));
    }, runs);
    row('lsuv', lsuvMs, { goal: `<= iterations + 2 = ${iterations + 2}`, iterations });
    ours.initializeModel(model, { seed: 1 });
    const spNoPrediction = await time(() => void ours.signalPropagation(model, x, y, { predict: false }), runs);
    row('signalPropagation with labels', spNoPrediction, { goal: '<= about 3' });
    // the unit a backward pass costs on this backend: tfjs's own gradient of the loss (model.apply under variableGrads)
    const weights = model.trainableWeights.map((w) => w.read());
    const gradMs = await time(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true })),
        weights,
      );
      return [value, ...Object.values(grads)];
    }, runs);
    row('tfjs: gradient of the loss (forward and backward)', gradMs, {
      goal: `signalPropagation with labels = ${(spNoPrediction / gradMs).toFixed(2)}x this`,
    });
    row(
      'signalPropagation with labels and the prediction',
      await time(() => void ours.signalPropagation(model, x, y), runs),
    );
    tf.dispose([x, y]);
    model.dispose();
  }
  return rows;
}

module.exports = { modelToolCases };
