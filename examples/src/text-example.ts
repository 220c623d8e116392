/**
 * Plain example: spam or ham from the Subject and body of SpamAssassin mails, with a
 * tanh MLP whose kernel uses Glorot with the tanh gain.
 * Run: node examples/dist/text-example.js
 */
import * as tf from '@tensorflow/tfjs';
import { calculateGain, glorotUniform } from 'tfjs-initializers';
import { toTensors } from './data/dataset';
import { loadSpam } from './data/spam';

export async function main({ limitPerGroup = Infinity, epochs = 5 } = {}): Promise<number> {
  const { train, test, vocabulary } = loadSpam({ seed: 1, vocabularySize: 2000, limitPerGroup });

  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [vocabulary.length],
        units: 64,
        activation: 'tanh',
        kernelInitializer: glorotUniform({ gain: calculateGain('tanh'), seed: 1 }),
      }),
      tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: glorotUniform({ seed: 2 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  const trainT = toTensors(train);
  const testT = toTensors(test);
  await model.fit(trainT.xs, trainT.ys, { epochs, batchSize: 32, verbose: 0 });
  const [, acc] = model.evaluate(testT.xs, testT.ys) as tf.Scalar[];
  const accuracy = (await acc.data())[0];
  console.log(
    `SpamAssassin test accuracy after ${epochs} epochs (${vocabulary.length} terms): ${(accuracy * 100).toFixed(2)}%`,
  );

  tf.dispose([trainT.xs, trainT.ys, testT.xs, testT.ys, acc]);
  model.dispose();
  return accuracy;
}

if (require.main === module) void main();
