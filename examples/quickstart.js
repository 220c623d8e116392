// Quick start: the README's snippet, run as written, plus the std it gets versus stock tfjs.
const tf = require('@tensorflow/tfjs');
const { heNormal, glorotUniform, calculateGain } = require('..');

function std(tensor) {
  const v = tensor.dataSync();
  let s = 0;
  let s2 = 0;
  for (const x of v) {
    s += x;
    s2 += x * x;
  }
  const m = s / v.length;
  return Math.sqrt(s2 / v.length - m * m);
}

const model = tf.sequential({
  layers: [
    tf.layers.dense({ units: 256, inputShape: [784], kernelInitializer: heNormal({ negativeSlope: 0.2, seed: 7 }) }),
    tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.dense({
      units: 64,
      activation: 'tanh',
      kernelInitializer: glorotUniform({ gain: calculateGain('tanh') }),
    }),
  ],
});
const target = Math.sqrt(2 / ((1 + 0.2 ** 2) * 784));
const stock = tf.initializers.heNormal({ seed: 7 }).apply([784, 256]);
console.log(`first kernel std: ${std(model.layers[0].getWeights()[0]).toFixed(5)} (target ${target.toFixed(5)})`);
console.log(
  `stock heNormal std: ${std(stock).toFixed(5)} (target ${Math.sqrt(2 / 784).toFixed(5)}; ratio ${(std(stock) / Math.sqrt(2 / 784)).toFixed(3)})`,
);
