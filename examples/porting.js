// Porting from PyTorch: a tfjs model that starts where PyTorch's nn.Linear / nn.Conv2d defaults start.
// Run: npm run build && node examples/porting.js   (shown whole in the README; the tests run both and check the output)
const tf = require('@tensorflow/tfjs');
const { initializeModel, truncatedNormal } = require('tfjs-initializers');

// PyTorch: nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 26 * 26, 10))
const model = tf.sequential({
  layers: [
    tf.layers.conv2d({ inputShape: [28, 28, 3], filters: 16, kernelSize: 3, activation: 'relu' }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 10 }),
  ],
});
const rows = initializeModel(model, { rule: 'pytorchDefault', seed: 0 });

/** max |v| and the std of a tensor's values. */
function stats(tensor) {
  const v = tensor.dataSync();
  const mean = v.reduce((a, x) => a + x, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / v.length);
  return { max: v.reduce((a, x) => Math.max(a, Math.abs(x)), 0), std };
}

// one row per weight: kernels and biases are both U(-b, b) with b = 1/sqrt(the kernel's fanIn)
for (const row of rows) {
  const weight = model.getLayer(row.layer).weights.find((w) => w.originalName === row.weight);
  const { max, std } = stats(weight.read());
  const bound = 1 / Math.sqrt(row.fan);
  console.log(
    `${row.className} ${row.role}: fanIn ${row.fan}, b = ${bound.toFixed(5)}; max |w| ${max.toFixed(5)}, ` +
      `std ${std.toFixed(5)} (b/sqrt 3 = ${(bound / Math.sqrt(3)).toFixed(5)})`,
  );
}

// PyTorch: nn.init.trunc_normal_(w, std=0.02) (a=-2, b=2 absolute: +-100 sigma, so the std stays 0.02)
const w = truncatedNormal({ std: 0.02, a: -2, b: 2, seed: 1 }).apply([768, 768]);
console.log(`trunc_normal_(std=0.02): std ${stats(w).std.toFixed(5)}`);
