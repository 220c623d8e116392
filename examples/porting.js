// Porting from PyTorch: a tfjs model that starts where PyTorch's nn.Linear / nn.Conv2d defaults start.
// Run: npm run build && node examples/porting.js   (test/package.test.ts runs it and checks what it prints)
const tf = require('@tensorflow/tfjs');
const { initializeModel, truncatedNormal } = require('..');

// PyTorch: nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 26 * 26, 10))
const model = tf.sequential({
  layers: [
    tf.layers.conv2d({ inputShape: [28, 28, 3], filters: 16, kernelSize: 3, activation: 'relu' }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 10 }),
  ],
});
const report = initializeModel(model, { rule: 'pytorchDefault', seed: 0 });

function stats(tensor) {
  const v = tensor.dataSync();
  let s = 0;
  let s2 = 0;
  let max = 0;
  for (const x of v) {
    s += x;
    s2 += x * x;
    max = Math.max(max, Math.abs(x));
  }
  const mean = s / v.length;
  return { std: Math.sqrt(s2 / v.length - mean * mean), max };
}

for (const row of report) {
  const layer = model.getLayer(row.layer);
  const bound = 1 / Math.sqrt(row.fan);
  const [kernel, bias] = layer.getWeights().map(stats);
  console.log(
    `${row.layer}: fanIn ${row.fan}, bound 1/sqrt(fanIn) = ${bound.toFixed(5)}; ` +
      `kernel max |w| ${kernel.max.toFixed(5)}, std ${kernel.std.toFixed(5)} (bound/sqrt 3 = ${(bound / Math.sqrt(3)).toFixed(5)}); ` +
      `bias max |b| ${bias.max.toFixed(5)}`,
  );
}

// PyTorch: nn.init.trunc_normal_(w, std=0.02) (a=-2, b=2 absolute: +-100 sigma, so the std stays 0.02)
const w = truncatedNormal({ std: 0.02, a: -2, b: 2, seed: 1 }).apply([768, 768]);
console.log(`trunc_normal_(std=0.02): std ${stats(w).std.toFixed(5)}`);
