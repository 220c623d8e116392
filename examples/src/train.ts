/** Training one arm: SGD with momentum, a seeded data order per epoch, per-epoch metrics. */
import * as tf from '@tensorflow/tfjs';
import { Dataset, toTensors } from './data/dataset';
import { shuffledIndices } from './data/split';

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  momentum: number;
  seed: number;
  /** a train loss to reach: steps until the running (EMA 0.9) batch loss first falls below it */
  targetLoss: number;
}

interface EpochRecord {
  epoch: number;
  trainLoss: number;
  testLoss: number;
  testAccuracy: number;
}

export interface TrainResult {
  epochs: EpochRecord[];
  /** training steps taken (all of the budget unless the loss diverged) */
  steps: number;
  /** the batch loss averaged over consecutive windows of `lossWindow` steps (the loss curve) */
  lossCurve: number[];
  lossWindow: number;
  stepsToTarget: number | null;
  seconds: number;
  diverged: boolean;
}

function evaluate(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor): { loss: number; accuracy: number } {
  return tf.tidy(() => {
    const p = model.predict(xs, { batchSize: 512 }) as tf.Tensor;
    const loss = tf.losses.softmaxCrossEntropy(ys, tf.log(tf.clipByValue(p, 1e-7, 1))).dataSync()[0];
    const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(p, 1), tf.argMax(ys, 1)), 'float32')).dataSync()[0];
    return { loss, accuracy };
  });
}

/** Trains `model` in place; the same seed gives the same batches in the same order for every arm. */
export async function train(
  model: tf.LayersModel,
  trainSet: Dataset,
  testSet: Dataset,
  cfg: TrainConfig,
  onBatch: () => void = () => undefined,
): Promise<TrainResult> {
  const start = Date.now();
  const optimizer = tf.train.momentum(cfg.learningRate, cfg.momentum);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const trainT = toTensors(trainSet);
  const testT = toTensors(testSet);
  const epochs: EpochRecord[] = [];
  let step = 0;
  let ema: number | null = null;
  let stepsToTarget: number | null = null;
  let diverged = false;
  // about 30 points on the loss curve, whatever the budget
  const lossWindow = Math.max(1, Math.round((cfg.epochs * Math.ceil(trainSet.n / cfg.batchSize)) / 30));
  const lossCurve: number[] = [];
  let windowSum = 0;
  try {
    for (let epoch = 1; epoch <= cfg.epochs && !diverged; epoch++) {
      const order = tf.tensor1d(shuffledIndices(trainSet.n, cfg.seed * 100 + epoch), 'int32');
      const xs = tf.gather(trainT.xs, order);
      const ys = tf.gather(trainT.ys, order);
      order.dispose();
      let sum = 0;
      let count = 0;
      await model.fit(xs, ys, {
        epochs: 1,
        batchSize: cfg.batchSize,
        shuffle: false,
        verbose: 0,
        callbacks: {
          onBatchEnd: async (_batch, logs) => {
            const loss = logs?.loss ?? NaN;
            step++;
            sum += loss;
            count++;
            ema = ema === null ? loss : 0.9 * ema + 0.1 * loss;
            windowSum += loss;
            if (step % lossWindow === 0) {
              lossCurve.push(windowSum / lossWindow);
              windowSum = 0;
            }
            if (stepsToTarget === null && ema < cfg.targetLoss) stepsToTarget = step;
            if (!Number.isFinite(loss)) diverged = true;
            onBatch();
          },
        },
      });
      tf.dispose([xs, ys]);
      const test = evaluate(model, testT.xs, testT.ys);
      epochs.push({ epoch, trainLoss: sum / count, testLoss: test.loss, testAccuracy: test.accuracy });
    }
  } finally {
    // the model does not own an optimizer it was given: its tensors are ours to free. tfjs 4.22's
    // MomentumOptimizer.dispose frees its accumulators and momentum but not the learning-rate scalar its
    // SGDOptimizer base keeps (`c`, tfjs-core optimizers/sgd_optimizer.js), so that one is freed here
    optimizer.dispose();
    (optimizer as unknown as { c?: tf.Tensor }).c?.dispose();
    tf.dispose([trainT.xs, trainT.ys, testT.xs, testT.ys]);
  }
  return { epochs, steps: step, lossCurve, lossWindow, stepsToTarget, seconds: (Date.now() - start) / 1000, diverged };
}
