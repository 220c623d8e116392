/**
 * The width task: learning-rate transfer across widths (Tensor Programs V, Yang et al. 2022, Figure 1 and Figure 3's
 * MLP). MLPs 784-w-w-10 on the MNIST split, trained with Adam for a fixed number of steps over a log2 grid of
 * learning rates, under the standard parametrization (He fan-in init, one learning rate) and under μP
 * (`mup(model, {base})`, its MupOptimizer). A job is one (parametrization, width, learning rate, seed).
 */
import * as tf from '@tensorflow/tfjs';
import { initializeModel, muReadout, mup, MupOptimizer } from 'tfjs-initializers';
import { shuffledIndices } from './data/split';
import { jobData } from './jobs';
import { Interval, interval } from './stats';
import { registerTransposeFirstMatMul } from './wasm_kernels';

const PARAMETRIZATIONS = ['sp', 'mup'] as const;
type Parametrization = (typeof PARAMETRIZATIONS)[number];

/** The experiment's grid and budget. */
export const WIDTH_TASK = {
  title: 'MNIST, 784-w-w-10 ReLU MLPs, Adam, learning rate against width',
  widths: [64, 128, 256, 512, 1024],
  baseWidth: 64,
  log2LearningRates: [-12, -11, -10, -9, -8, -7, -6, -5],
  steps: 600,
  batchSize: 64,
  seeds: 3,
  /** the training loss is measured on the first this many training digits after the last step */
  evalExamples: 4096,
} as const;

/** One training run. */
export interface WidthJob {
  kind: 'width';
  parametrization: Parametrization;
  width: number;
  log2LearningRate: number;
  seed: number;
  dataSeed: number;
  steps: number;
  /** at most this many digits per class */
  limit?: number;
}

/** What a run measured. */
export interface WidthResult {
  parametrization: Parametrization;
  width: number;
  log2LearningRate: number;
  seed: number;
  /** cross-entropy on the first `evalExamples` training digits after the last step (Infinity: diverged) */
  trainLoss: number;
  testAccuracy: number;
  seconds: number;
}

/** The model: two hidden ReLU layers of `width` and a MuReadout (a Dense at width multiplier 1). */
function widthMlp(width: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: width, activation: 'relu', inputShape: [784] }),
      tf.layers.dense({ units: width, activation: 'relu' }),
      muReadout({ units: 10 }),
    ],
  });
}

/** Every job of the grid, seed-major (an interrupted run has every cell at the first seeds). */
export function planWidthJobs(options: { seeds: number; seed: number; limit?: number; steps?: number }): WidthJob[] {
  const jobs: WidthJob[] = [];
  for (let s = 0; s < options.seeds; s++) {
    for (const width of WIDTH_TASK.widths) {
      for (const log2LearningRate of WIDTH_TASK.log2LearningRates) {
        for (const parametrization of PARAMETRIZATIONS) {
          jobs.push({
            kind: 'width',
            parametrization,
            width,
            log2LearningRate,
            seed: options.seed + s,
            dataSeed: options.seed,
            steps: options.steps ?? WIDTH_TASK.steps,
            limit: options.limit,
          });
        }
      }
    }
  }
  return jobs;
}

/** The model of a job, initialized and with its optimizer. */
function prepare(job: WidthJob): { model: tf.LayersModel; optimizer: tf.Optimizer } {
  const model = widthMlp(job.width);
  const learningRate = 2 ** job.log2LearningRate;
  if (job.parametrization === 'sp') {
    initializeModel(model, { seed: job.seed, mode: 'fanIn' });
    return { model, optimizer: new MupOptimizer({ optimizer: 'adam', learningRate }) };
  }
  // the base at width 64; at the base width itself, a delta at twice it says which dimensions grow
  const base = widthMlp(WIDTH_TASK.baseWidth);
  const delta = job.width === WIDTH_TASK.baseWidth ? widthMlp(2 * WIDTH_TASK.baseWidth) : undefined;
  try {
    // the readout starts at 0 (Tensor Programs V, App. D.2): with it the optimum held within one grid step here
    const plan = mup(model, { base, delta, seed: job.seed, readoutZeroInit: true });
    return { model, optimizer: plan.optimizer({ optimizer: 'adam', learningRate }) };
  } finally {
    base.dispose();
    delta?.dispose();
  }
}

/** Mean cross-entropy of the logits on (x, y), in chunks. */
function meanLoss(model: tf.LayersModel, x: tf.Tensor2D, y: tf.Tensor2D): number {
  return tf.tidy(() => {
    const logits = model.predict(x, { batchSize: 512 }) as tf.Tensor;
    return tf.losses.softmaxCrossEntropy(y, logits).dataSync()[0];
  });
}

/** Runs one job: pure in its record (the same figures in any thread). */
export async function runWidthJob(job: WidthJob, onStep: () => void): Promise<WidthResult> {
  if (tf.getBackend() === 'wasm') registerTransposeFirstMatMul();
  const started = Date.now();
  // the image tasks' MNIST split, from the same loader and cache
  const { train, test } = jobData({ task: 'image', dataSeed: job.dataSeed, limit: job.limit });
  const { model, optimizer } = prepare(job);
  const evalN = Math.min(WIDTH_TASK.evalExamples, train.n);
  const [xs, ys] = tf.tidy(() => [
    tf.tensor2d(train.x, [train.n, train.features]),
    tf.oneHot(tf.tensor1d(train.y, 'int32'), train.classes).toFloat() as tf.Tensor2D,
  ]);
  try {
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const perEpoch = Math.floor(train.n / WIDTH_TASK.batchSize);
    let order: number[] = [];
    let diverged = false;
    for (let step = 0; step < job.steps && !diverged; step++) {
      if (step % perEpoch === 0) order = shuffledIndices(train.n, job.seed * 1000 + step / perEpoch);
      const at = (step % perEpoch) * WIDTH_TASK.batchSize;
      const loss = tf.tidy(() => {
        const idx = tf.tensor1d(order.slice(at, at + WIDTH_TASK.batchSize), 'int32');
        const [bx, by] = [tf.gather(xs, idx), tf.gather(ys, idx)];
        return optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(by, model.apply(bx, { training: true }) as tf.Tensor),
          true,
          variables,
        ) as tf.Scalar;
      });
      if (step % 50 === 49) diverged = !Number.isFinite(loss.dataSync()[0]);
      loss.dispose();
      onStep();
    }
    const [ex, ey] = [xs.slice([0, 0], [evalN, -1]), ys.slice([0, 0], [evalN, -1])];
    const trainLoss = diverged ? Infinity : meanLoss(model, ex, ey);
    tf.dispose([ex, ey]);
    const testAccuracy = tf.tidy(() => {
      const logits = model.predict(tf.tensor2d(test.x, [test.n, test.features]), { batchSize: 512 }) as tf.Tensor;
      return tf.equal(logits.argMax(-1), tf.tensor1d(test.y, 'int32')).mean().dataSync()[0];
    });
    return {
      parametrization: job.parametrization,
      width: job.width,
      log2LearningRate: job.log2LearningRate,
      seed: job.seed,
      trainLoss: Number.isFinite(trainLoss) ? trainLoss : Infinity,
      testAccuracy,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    tf.dispose([xs, ys]);
    optimizer.dispose();
    model.dispose();
  }
}

/** One curve: a width's training loss over the learning-rate grid, and its optimum. */
interface WidthCurve {
  width: number;
  /** per grid point: the mean loss over seeds and its 95% interval (null: a seed diverged) */
  loss: Array<Interval | null>;
  /** the grid point of least mean loss */
  bestLog2LearningRate: number;
  best: Interval;
  /**
   * each neighbouring grid point's loss minus the optimum's, paired by seed (95% interval): the optimum is resolved
   * when every lower bound is above 0 (a diverged or missing neighbour counts as resolved)
   */
  neighbours: Interval[];
  resolved: boolean;
}

/** What the width task found, per parametrization. */
export interface WidthSummary {
  parametrization: Parametrization;
  curves: WidthCurve[];
  /** how far the optimum moves, in grid steps, from the narrowest to the widest model */
  shift: number;
  /** the largest move between any two widths, in grid steps */
  spread: number;
  /** the widest model is the best at its own optimum, and at the narrowest model's optimum */
  widerIsBetter: boolean;
  /**
   * per width: its mean loss at the narrowest model's optimal learning rate over its loss at its own optimum (1: the
   * narrow model's tuned rate is as good as any on the grid; what transfer buys)
   */
  transferPenalty: number[];
}

/** Summaries per parametrization from the runs. */
export function summarizeWidth(results: readonly WidthResult[]): WidthSummary[] {
  const grid = WIDTH_TASK.log2LearningRates;
  return PARAMETRIZATIONS.map((parametrization) => {
    const curves = WIDTH_TASK.widths
      .filter((width) => results.some((r) => r.parametrization === parametrization && r.width === width))
      .map((width) => {
        const runs = grid.map((lr) =>
          results
            .filter((r) => r.parametrization === parametrization && r.width === width && r.log2LearningRate === lr)
            .sort((p, q) => p.seed - q.seed),
        );
        const loss = runs.map((rs) => {
          const xs = rs.map((r) => r.trainLoss);
          return xs.length && xs.every(Number.isFinite) ? interval(xs) : null;
        });
        const bestAt = loss.reduce(
          (b, l, i) => (l !== null && (b < 0 || l.mean < (loss[b] as Interval).mean) ? i : b),
          -1,
        );
        const neighbours = [bestAt - 1, bestAt + 1]
          .filter((i) => i >= 0 && i < grid.length && loss[i] !== null)
          .map((i) => interval(runs[i].map((r, k) => r.trainLoss - runs[bestAt][k].trainLoss)));
        return {
          width,
          loss,
          bestLog2LearningRate: grid[bestAt],
          best: loss[bestAt] as Interval,
          neighbours,
          resolved: neighbours.every((d) => d.lower > 0),
        };
      });
    const optima = curves.map((c) => c.bestLog2LearningRate);
    const [first, last] = [curves[0], curves[curves.length - 1]];
    const atNarrowOptimum = (c: WidthCurve): number =>
      c.loss[grid.indexOf(first.bestLog2LearningRate as (typeof grid)[number])]?.mean ?? Infinity;
    return {
      parametrization,
      curves,
      shift: last.bestLog2LearningRate - first.bestLog2LearningRate,
      spread: Math.max(...optima) - Math.min(...optima),
      transferPenalty: curves.map((c) => atNarrowOptimum(c) / c.best.mean),
      widerIsBetter:
        curves.every((c) => c === last || last.best.mean < c.best.mean) &&
        curves.every((c) => c === last || atNarrowOptimum(last) < atNarrowOptimum(c)),
    };
  });
}
