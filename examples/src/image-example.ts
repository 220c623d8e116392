/**
 * Plain example: a ReLU MLP on MNIST digits with He-initialized kernels.
 * Run: node examples/dist/image-example.js
 */
import * as tf from '@tensorflow/tfjs';
import { heNormal, glorotUniform } from 'tfjs-initializers';
import { toTensors } from './data/dataset';
import { loadMnist } from './data/mnist';

export async function main({ perClass = Infinity, epochs = 3 } = {}): Promise<number> {
  const { train, test } = loadMnist({ seed: 1, perClass });

  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 128, activation: 'relu', kernelInitializer: heNormal({ seed: 1 }) }),
      tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: heNormal({ seed: 2 }) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorotUniform({ seed: 3 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  const trainT = toTensors(train);
  const testT = toTensors(test);
  await model.fit(trainT.xs, trainT.ys, { epochs, batchSize: 64, verbose: 0 });
  const [, acc] = model.evaluate(testT.xs, testT.ys) as tf.Scalar[];
  const accuracy = (await acc.data())[0];
  console.log(`MNIST test accuracy after ${epochs} epochs: ${(accuracy * 100).toFixed(2)}%`);

  tf.dispose([trainT.xs, trainT.ys, testT.xs, testT.ys, acc]);
  model.dispose();
  return accuracy;
}

if (require.main === module) void main();
