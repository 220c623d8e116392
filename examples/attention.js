// A user's own layer in every model tool: self-attention written as a custom tf.layers.Layer, its rule registered
// with registerLayerRule, in a transformer block. Run: npm run build && node examples/attention.js
const tf = require('@tensorflow/tfjs');
const {
  registerLayerRule,
  signalMoments,
  initializeModel,
  predictSignal,
  signalPropagation,
} = require('tfjs-initializers');

/**
 * Multi-head self-attention: query, key, value kernels [d, heads, headDim], output kernel [heads, headDim, d]. The
 * logits are q.k / sqrt(headDim) x scoreMultiplier (1; mup() sets it so that they scale as 1 / headDim).
 */
class SelfAttention extends tf.layers.Layer {
  constructor(config) {
    super(config);
    this.heads = config.heads;
    this.headDim = config.headDim;
    this.scoreMultiplier = config.scoreMultiplier ?? 1;
  }
  build(inputShape) {
    const d = inputShape[inputShape.length - 1];
    const [h, k] = [this.heads, this.headDim];
    const init = tf.initializers.glorotUniform({});
    for (const name of ['query', 'key', 'value']) this[name] = this.addWeight(name, [d, h, k], 'float32', init);
    this.out = this.addWeight('output', [h, k, d], 'float32', init);
    this.built = true;
  }
  call(inputs) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs; // [batch, T, d]
      const [b, T, d] = x.shape;
      const [h, k] = [this.heads, this.headDim];
      const project = (w) =>
        tf
          .matMul(x.reshape([b * T, d]), w.read().reshape([d, h * k]))
          .reshape([b, T, h, k])
          .transpose([0, 2, 1, 3]);
      const [q, key, v] = [project(this.query), project(this.key), project(this.value)];
      const weights = tf.softmax(tf.matMul(q, key, false, true).mul(this.scoreMultiplier / Math.sqrt(k))); // [batch, heads, T, T]
      const mixed = tf
        .matMul(weights, v)
        .transpose([0, 2, 1, 3])
        .reshape([b * T, h * k]);
      return tf.matMul(mixed, this.out.read().reshape([h * k, d])).reshape([b, T, d]);
    });
  }
  getConfig() {
    return { ...super.getConfig(), heads: this.heads, headDim: this.headDim, scoreMultiplier: this.scoreMultiplier };
  }
}
SelfAttention.className = 'SelfAttention';
tf.serialization.registerClass(SelfAttention);

registerLayerRule('SelfAttention', {
  // the fans of [d, heads, headDim] kernels: in = d, out = heads x headDim (computeFans's axis groups)
  weights: () => [
    { role: 'kernel', layout: 'auto', inAxis: 0, outAxis: [1, 2], reads: 'input', writes: 'inner' },
    { role: 'kernel', layout: 'auto', inAxis: 0, outAxis: [1, 2], reads: 'input', writes: 'inner' },
    { role: 'kernel', layout: 'auto', inAxis: 0, outAxis: [1, 2], reads: 'input', writes: 'inner' },
    { role: 'kernel', layout: 'auto', inAxis: [0, 1], outAxis: 2, reads: 'inner', writes: 'output' },
  ],
  probe: 'layer',
  // Per head, the logits c q.k / sqrt(headDim) (c: scoreMultiplier) have variance s^2 = c^2 x the mean over the
  // head's dims of E[q^2] E[k^2] - E[q]^2 E[k]^2; softmax weights over T keys, taken as lognormal and independent of the values, have
  // E[sum_j a_j^2] = exp(s^2) / T (at most 1); a weighted mean of T independent values keeps their mean and has
  // that share of their variance. Then the output kernel.
  moments: ({ layer, inputs, inputShapes, weights }) => {
    const [T, d] = inputShapes[0].slice(1);
    const [h, k] = [layer.heads, layer.headDim];
    const project = (name) => signalMoments.throughKernel(inputs[0], weights.get(name).values, [d, h * k], null);
    const [q, key, v] = ['query', 'key', 'value'].map(project);
    const mean = v.mean.slice();
    const m2 = v.m2.map((m, c) => {
      const head = Math.floor(c / k);
      let s2 = 0;
      const c2 = layer.scoreMultiplier ** 2 / k;
      for (let j = head * k; j < (head + 1) * k; j++) s2 += c2 * (q.m2[j] * key.m2[j] - (q.mean[j] * key.mean[j]) ** 2);
      return mean[c] ** 2 + (m - mean[c] ** 2) * Math.min(1, Math.exp(s2) / T);
    });
    const out = signalMoments.throughKernel({ mean, m2 }, weights.get('output').values, [h * k, d], null);
    return { moments: out, note: 'softmax weights lognormal over T independent keys, independent of the values' };
  },
  // muP's attention: logits x 1 / headDim instead of 1 / sqrt(headDim) (Tensor Programs V, Section 4), equal at the base
  forwardMultiplier: (layer, base) => {
    const value = Math.sqrt(base.headDim / layer.headDim);
    return { value, apply: () => (layer.scoreMultiplier = value) };
  },
});

/** A transformer block: attention, Add, LayerNormalization, Dense(gelu), Dense, Add, LayerNormalization. */
function transformerBlock(T = 16, d = 64, heads = 4) {
  const input = tf.input({ shape: [T, d] });
  const attended = new SelfAttention({ heads, headDim: d / heads }).apply(input);
  const norm1 = tf.layers.layerNormalization().apply(tf.layers.add().apply([input, attended]));
  const hidden = tf.layers.dense({ units: 4 * d, activation: 'gelu' }).apply(norm1);
  const back = tf.layers.dense({ units: d }).apply(hidden);
  const output = tf.layers.layerNormalization().apply(tf.layers.add().apply([norm1, back]));
  return tf.model({ inputs: input, outputs: output });
}

if (require.main === module) {
  const model = transformerBlock();
  for (const row of initializeModel(model, { seed: 1 }).filter((r) => r.role === 'kernel'))
    console.log(
      `${row.weight}: fan ${row.fan}, gain ${row.gain.toFixed(4)}, std ${row.std.toFixed(4)} (${row.activation})`,
    );
  const x = tf.randomNormal([64, 16, 64], 0, 1, 'float32', 2);
  for (const row of signalPropagation(model, x).layers)
    console.log(
      `${row.layer} (${row.kind}): E[y^2] measured ${row.postSecondMoment.toFixed(4)}, predicted ${row.predictedSecondMoment.toFixed(4)}`,
    );
  const rows = predictSignal(model);
  console.log(
    `predictSignal: ${rows.filter((r) => r.secondMoment === null).length} of ${rows.length} layers without a prediction`,
  );
}

module.exports = { SelfAttention, transformerBlock };
