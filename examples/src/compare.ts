/** `compare`: train every arm on every task with the same data order and seeds, then report. */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import { Arm, SequenceArm, findArms } from './arms';
import { signalPropagation } from 'tfjs-initializers';
import { toTensors, subset } from './data/dataset';
import { buildMlp, buildResidualMlp, buildSequenceModel } from './models';
import { Progress } from './progress';
import { ArmResult, CompareResults, TaskResult, initChart, markdownReport, taskChart } from './report';
import { TASKS, TaskName, armListFor, dataLoader } from './tasks';
import { train } from './train';

export interface CompareOptions {
  tasks: TaskName[];
  /** arm names; null: each task's own default arms */
  arms: string[] | null;
  epochs?: number;
  seed: number;
  out: string;
  limit?: number;
  backend: string;
  command: string;
  quiet?: boolean;
}

type WriteAtomic = (file: string, data: string | Uint8Array) => Promise<void>;

/** Saves `model` with file://, loads it back and compares test predictions exactly. */
async function saveAndCheck(
  model: tf.LayersModel,
  dir: string,
  x: tf.Tensor,
): Promise<NonNullable<TaskResult['savedModel']>> {
  await model.save(`file://${dir}`);
  const loaded = await tf.loadLayersModel(`file://${path.join(dir, 'model.json')}`);
  const [a, b] = tf.tidy(() => [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor]);
  const va = a.dataSync();
  const vb = b.dataSync();
  let maxAbs = 0;
  for (let i = 0; i < va.length; i++) maxAbs = Math.max(maxAbs, Math.abs(va[i] - vb[i]));
  tf.dispose([a, b]);
  loaded.dispose();
  return { path: dir, reloadedPredictionsIdentical: maxAbs === 0, maxAbsDifference: maxAbs };
}

export async function compare(options: CompareOptions, writeAtomic: WriteAtomic): Promise<CompareResults> {
  const started = Date.now();
  const load = dataLoader(options.seed, options.limit);
  const plan = options.tasks.map((name) => {
    const task = TASKS[name];
    const data = load(task.data);
    const epochs = options.epochs ?? task.train.epochs;
    const names = options.arms ?? task.arms;
    const arms = findArms(names, armListFor(task));
    return { task, data, epochs, arms, batches: Math.ceil(data.train.n / task.train.batchSize) };
  });
  const progress = options.quiet
    ? null
    : new Progress(plan.reduce((s, p) => s + p.epochs * p.batches * p.arms.length, 0));
  const results: TaskResult[] = [];
  for (const { task, data, epochs, batches, arms: taskArms } of plan) {
    const arms: ArmResult[] = [];
    let best: { arm: string; acc: number; model: tf.LayersModel } | null = null;
    // The first 256 training examples: LSUV's batch and the batch of the init-time signal chart.
    const probe = toTensors(
      subset(
        data.train,
        Array.from({ length: Math.min(256, data.train.n) }, (_, i) => i),
      ),
    );
    for (const arm of taskArms) {
      // Build seconds: building the model plus the arm's model-level step (what a user pays before training).
      const buildStart = Date.now();
      let model: tf.LayersModel;
      const spec = task.spec;
      if ('kind' in spec && spec.kind === 'sequence') {
        const length = data.train.features;
        model = buildSequenceModel(
          { ...spec, length, vocabulary: data.vocabulary ?? 0 },
          arm as SequenceArm,
          options.seed,
        );
        (arm as SequenceArm).prepare?.(model, options.seed, length);
      } else {
        const inputDim = data.train.features;
        model =
          'kind' in spec
            ? buildResidualMlp({ ...spec, inputDim }, arm as Arm, options.seed)
            : buildMlp({ ...spec, inputDim }, arm as Arm, options.seed);
        (arm as Arm).prepare?.(model, probe.xs, options.seed);
      }
      const buildSeconds = (Date.now() - buildStart) / 1000;
      const signal = signalPropagation(model, probe.xs, probe.ys);
      const initSignal = {
        activationStd: signal.layers.map((l) => l.postStd),
        gradientStd: signal.layers.map((l) => l.gradPreStd ?? NaN),
        predictedStd: signal.layers.map((l) => l.predictedStd ?? NaN),
        vanishing: signal.vanishing.length,
        exploding: signal.exploding.length,
      };
      const r = await train(model, data.train, data.test, { ...task.train, epochs, seed: options.seed }, () =>
        progress?.tick(`${task.name} / ${arm.name}`),
      );
      const last = r.epochs[r.epochs.length - 1];
      arms.push({
        arm: arm.name,
        description: arm.description,
        initSignal,
        buildSeconds,
        ...r,
        finalTrainLoss: last?.trainLoss ?? NaN,
        testAccuracy: last?.testAccuracy ?? 0,
      });
      const acc = last?.testAccuracy ?? 0;
      if (best === null || acc > best.acc) {
        best?.model.dispose();
        best = { arm: arm.name, acc, model };
      } else {
        model.dispose();
      }
    }
    tf.dispose([probe.xs, probe.ys]);
    let savedModel: TaskResult['savedModel'] = null;
    if (best) {
      const x = tf.tensor2d(data.test.x, [data.test.n, data.test.features]);
      savedModel = await saveAndCheck(best.model, path.join(options.out, 'models', task.name), x);
      x.dispose();
      best.model.dispose();
    }
    const result: TaskResult = {
      task: task.name,
      title: task.title,
      trainSize: data.train.n,
      testSize: data.test.n,
      batchesPerEpoch: batches,
      arms,
      best: best?.arm ?? '',
      savedModel,
      chart: `${task.name}.svg`,
      initChart: `${task.name}-init.svg`,
    };
    await writeAtomic(path.join(options.out, result.chart), await taskChart(result));
    await writeAtomic(path.join(options.out, result.initChart), await initChart(result));
    results.push(result);
  }
  progress?.finish();
  const all: CompareResults = {
    command: options.command,
    backend: options.backend,
    seed: options.seed,
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    tasks: results,
  };
  await writeAtomic(path.join(options.out, 'results.json'), `${JSON.stringify(all, null, 2)}\n`);
  await writeAtomic(path.join(options.out, 'report.md'), markdownReport(all));
  return all;
}

/** Creates `dir` if needed and proves it writable, before any training starts. */
export function checkWritable(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const probe = path.join(dir, `.write-probe-${process.pid}`);
  fs.writeFileSync(probe, '');
  fs.rmSync(probe);
}
