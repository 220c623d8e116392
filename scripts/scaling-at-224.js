/**
 * The full-size MobileNetV2 (224x224, 1000 classes, 157 layers) initialized three ways: the local He rule,
 * `rule: 'predicted'` (data-free) and LSUV on a batch of standard-normal images; for each, the tool's time and the
 * range of every kernel layer's measured pre-activation second moment in inference mode (on the same images).
 *   npm run build && npm run build:examples && node scripts/scaling-at-224.js [images, default 32]
 */
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
const { initializeModel, lsuv, signalPropagation } = require('../dist/cjs');
const { mobileNetV2Like } = require('../examples/dist/architectures.js');

const images = Number(process.argv[2] ?? 32);
if (!Number.isInteger(images) || images < 1) {
  console.error(`scaling-at-224: images must be a positive integer, got ${JSON.stringify(process.argv[2])}`);
  process.exit(2);
}

/** Every kernel layer's pre-activation second moment but the softmax head's, in inference mode. */
function preMoments(model, x) {
  return signalPropagation(model, x, undefined, { training: false, predict: false })
    .layers.filter((r) => r.kind === 'kernel' && r.activation !== 'softmax')
    .map((r) => r.preSecondMoment);
}

const ARMS = {
  he: (model) => initializeModel(model, { seed: 1 }),
  predicted: (model) => initializeModel(model, { seed: 1, rule: 'predicted' }),
  lsuv: (model, x) => lsuv(model, x, { seed: 1 }),
};

(async () => {
  await tf.setBackend('wasm');
  const x = tf.randomNormal([images, 224, 224, 3], 0, 1, 'float32', 2);
  for (const [name, arm] of Object.entries(ARMS)) {
    const model = mobileNetV2Like({ full: true, size: 224, classes: 1000 });
    const start = Date.now();
    arm(model, x);
    const seconds = (Date.now() - start) / 1000;
    const m = preMoments(model, x);
    const [lo, hi] = [Math.min(...m), Math.max(...m)];
    console.log(`${name}: ${lo.toPrecision(3)} to ${hi.toPrecision(3)} in ${seconds.toFixed(2)} s`);
    model.dispose();
  }
  x.dispose();
})().catch((error) => {
  console.error(`scaling-at-224: ${error.message}`);
  process.exit(1);
});
