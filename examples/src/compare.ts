/**
 * `compare`: train every arm of every task from several seeds (each seed: the initialization draws and the data
 * order; every arm of a seed sees the same data in the same order), on a pool of worker threads; then the
 * statistics over seeds, the report, the charts and the best model's save-and-load check.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import { findArms } from './arms';
import { Job, JobResult, jobData } from './jobs';
import { runJobs } from './pool';
import { jobProgress } from './progress';
import { CompareResults, TaskResult, initChart, markdownReport, taskChart } from './report';
import { summarize } from './stats';
import { TASKS, TaskName, armListFor } from './tasks';

export interface CompareOptions {
  tasks: TaskName[];
  /** arm names; null: each task's own default arms */
  arms: string[] | null;
  epochs?: number;
  /** seeds per task; absent: each task's own */
  seeds?: number;
  /** the data split's seed and the first job seed (the others follow it: seed + 1, ...) */
  seed: number;
  /** worker threads; 1 runs every job in this thread */
  workers: number;
  out: string;
  limit?: number;
  backend: string;
  command: string;
  quiet?: boolean;
}

type WriteAtomic = (file: string, data: string | Uint8Array) => Promise<void>;

/** Loads a model from its artifacts, saves it with file://, loads that back and compares test predictions exactly. */
async function saveAndCheck(
  artifacts: tf.io.ModelArtifacts,
  dir: string,
  x: tf.Tensor,
): Promise<NonNullable<TaskResult['savedModel']>> {
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  await model.save(`file://${dir}`);
  const loaded = await tf.loadLayersModel(`file://${path.join(dir, 'model.json')}`);
  const [a, b] = tf.tidy(() => [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor]);
  const va = a.dataSync();
  const vb = b.dataSync();
  let maxAbs = 0;
  for (let i = 0; i < va.length; i++) maxAbs = Math.max(maxAbs, Math.abs(va[i] - vb[i]));
  tf.dispose([a, b]);
  model.dispose();
  loaded.dispose();
  return { path: dir, reloadedPredictionsIdentical: maxAbs === 0, maxAbsDifference: maxAbs };
}

/** The smaller of two optional limits. */
const smaller = (a?: number, b?: number): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/**
 * Every (task, arm, seed) job of a comparison, seed by seed: the first seed of every task, then the second, ...
 * (so the progress estimate, which counts steps, sees every task's cost from the start), the arms in the order
 * given within each seed.
 */
export function planJobs(options: Omit<CompareOptions, 'out' | 'backend' | 'command' | 'quiet' | 'workers'>): Job[] {
  const perTask = options.tasks.map((name) => {
    const task = TASKS[name];
    const arms = findArms(options.arms ?? task.arms, armListFor(task)).map((a) => a.name);
    const seeds = Array.from({ length: options.seeds ?? task.seeds }, (_, k) => options.seed + k);
    return seeds.map((seed, k) =>
      arms.map((arm): Job => ({
        task: name,
        arm,
        seed,
        dataSeed: options.seed,
        epochs: options.epochs ?? task.train.epochs,
        limit: smaller(options.limit, task.limit),
        keepModel: k === 0,
      })),
    );
  });
  const rounds = Math.max(...perTask.map((t) => t.length));
  return Array.from({ length: rounds }, (_, k) => perTask.flatMap((t) => t[k] ?? [])).flat();
}

export async function compare(options: CompareOptions, writeAtomic: WriteAtomic): Promise<CompareResults> {
  const started = Date.now();
  const jobs = planJobs(options);
  const stepsOf = (job: Job): number => job.epochs * Math.ceil(jobData(job).train.n / TASKS[job.task].train.batchSize);
  const progress = jobProgress(jobs, stepsOf, (j) => `${j.task} / ${j.arm} / seed ${j.seed}`, options.quiet === true);
  const results = await runJobs(jobs, {
    workers: options.workers,
    backend: options.backend,
    onSteps: progress.onSteps,
    onDone: progress.onDone,
  });
  progress.finish();
  const tasks: TaskResult[] = [];
  for (const name of options.tasks) {
    const task = TASKS[name];
    const mine = results.filter((r) => r.task === name);
    const first = jobs.find((j) => j.task === name)!;
    const data = jobData(first);
    const summary = summarize(mine, data.train.classes);
    const best = summary.arms.reduce((a, b) => (b.metrics.testAccuracy.mean > a.metrics.testAccuracy.mean ? b : a));
    const kept = mine.find((r) => r.arm === best.arm && r.artifacts) as JobResult;
    const x = tf.tensor2d(data.test.x, [data.test.n, data.test.features]);
    let savedModel: TaskResult['savedModel'];
    try {
      savedModel = await saveAndCheck(kept.artifacts!, path.join(options.out, 'models', name), x);
    } finally {
      x.dispose();
    }
    const arms = findArms(
      summary.arms.map((a) => a.arm),
      armListFor(task),
    );
    const result: TaskResult = {
      task: name,
      title: task.title,
      trainSize: data.train.n,
      testSize: data.test.n,
      batchesPerEpoch: Math.ceil(data.train.n / task.train.batchSize),
      epochs: first.epochs,
      classes: data.train.classes,
      targetLoss: task.train.targetLoss,
      seeds: [...new Set(mine.map((r) => r.seed))],
      descriptions: Object.fromEntries(arms.map((a) => [a.name, a.description])),
      tools: arms.filter((a) => a.prepare !== undefined).map((a) => a.name),
      runs: mine.map(({ artifacts: _artifacts, ...run }) => run),
      summary,
      best: best.arm,
      savedModel,
      chart: `${name}.svg`,
      initChart: `${name}-init.svg`,
    };
    await writeAtomic(path.join(options.out, result.chart), await taskChart(result));
    await writeAtomic(path.join(options.out, result.initChart), await initChart(result));
    tasks.push(result);
  }
  const all: CompareResults = {
    command: options.command,
    backend: options.backend,
    workers: options.workers,
    seed: options.seed,
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    tasks,
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
