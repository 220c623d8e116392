// Saves the same models with tfjs-node's own file:// writer (its dist/io/file_system.js, plain JS that runs
// without the native library) and with ours, and compares the files byte for byte.
// tfjs-node cannot install with its native library here; get its files without running its install script:
//   (mkdir -p /tmp/tn && cd /tmp/tn && npm init -y >/dev/null && npm install --ignore-scripts @tensorflow/tfjs-node@4.22.0)
//   npm run build && node scripts/compare-with-tfjs-node.js /tmp/tn/node_modules/@tensorflow/tfjs-node
const Module = require('module');
const path = require('path');
const fs = require('fs');
const tf = require('@tensorflow/tfjs');
// tfjs-node's writer requires '@tensorflow/tfjs'; resolve it to this project's copy.
const tfPath = require.resolve('@tensorflow/tfjs');
const origResolve = Module._resolveFilename;
Module._resolveFilename = function (req, ...rest) {
  if (req === '@tensorflow/tfjs') return tfPath;
  return origResolve.call(this, req, ...rest);
};
const pkg = process.argv[2];
if (!pkg) {
  console.error('usage: node scripts/compare-with-tfjs-node.js <path to the @tensorflow/tfjs-node package folder>');
  process.exit(2);
}
const nodeFs = require(path.resolve(pkg, 'dist', 'io', 'file_system.js'));
const os = require('os');
const ours = require(path.join(__dirname, '..', 'dist', 'cjs', 'node.js'));
(async () => {
  for (const [name, build] of [
    [
      'sequential dense',
      () => {
        const m = tf.sequential({
          layers: [
            tf.layers.dense({
              units: 16,
              inputShape: [8],
              activation: 'relu',
              kernelInitializer: ours.heNormal({ seed: 1 }),
            }),
            tf.layers.dense({ units: 3, kernelInitializer: ours.orthogonal({ seed: 2 }) }),
          ],
        });
        m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
        return m;
      },
    ],
    [
      'functional conv',
      () => {
        const i = tf.input({ shape: [6, 6, 2] });
        const c = tf.layers
          .conv2d({
            filters: 3,
            kernelSize: 3,
            kernelInitializer: ours.activationAware({ activation: 'gelu', seed: 3 }),
          })
          .apply(i);
        const o = tf.layers
          .dense({ units: 2, kernelInitializer: ours.glorotUniform({ gain: 2, seed: 4 }) })
          .apply(tf.layers.flatten().apply(c));
        return tf.model({ inputs: i, outputs: o });
      },
    ],
  ]) {
    const m = build();
    const a = path.join(os.tmpdir(), 'bc-node-' + name.replace(' ', '-')),
      b = path.join(os.tmpdir(), 'bc-ours-' + name.replace(' ', '-'));
    fs.rmSync(a, { recursive: true, force: true });
    fs.rmSync(b, { recursive: true, force: true });
    await m.save(nodeFs.fileSystem(a));
    await m.save(ours.fileSystem(b));
    for (const f of ['model.json', 'weights.bin']) {
      const x = fs.readFileSync(path.join(a, f)),
        y = fs.readFileSync(path.join(b, f));
      console.log(name, f, x.length, 'bytes', x.equals(y) ? 'IDENTICAL' : 'DIFFERENT');
    }
  }
})();
