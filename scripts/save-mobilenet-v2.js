/**
 * Saves a full-size MobileNetV2 (examples/src/architectures.ts, MobileNetV2's own table: 224x224 input, 1000
 * classes, 157 layers, 3.5M weights, stock initializers) to a folder with the file:// handler, for trying
 * `tfjs-init diagnose` and the Lab's "bring your own model" on a model of that size.
 *   npm run build && npm run build:examples && node scripts/save-mobilenet-v2.js <folder>
 */
const path = require('path');
require('../dist/cjs/node.js');
const { mobileNetV2Like } = require('../examples/dist/architectures.js');

const folder = process.argv[2];
if (!folder) {
  console.error('usage: node scripts/save-mobilenet-v2.js <folder>');
  process.exit(2);
}
const model = mobileNetV2Like({ full: true, size: 224, classes: 1000 });
model
  .save(`file://${path.resolve(folder)}`)
  .then(() =>
    console.log(`${path.resolve(folder)}/model.json: ${model.layers.length} layers, ${model.countParams()} weights`),
  )
  .catch((error) => {
    console.error(`save-mobilenet-v2: ${error.message}`);
    process.exit(1);
  });
