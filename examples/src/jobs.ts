/**
 * One job of a comparison: one arm of one task trained from one seed. A job is a pure function of its record
 * (task, arm, seed, budget, data seed), so it gives the same figures in this process or in any worker.
 */
import * as tf from '@tensorflow/tfjs';
import { signalPropagation } from 'tfjs-initializers';
import { Arm, SequenceArm, findArms } from './arms';
import { subset, toTensors } from './data/dataset';
import { buildConvNet, buildMlp, buildResidualMlp, buildSequenceModel } from './models';
import { TASKS, TaskName, armListFor, dataLoader } from './tasks';
import { TrainResult, train } from './train';

/** What a job runs: plain data, so it crosses to a worker thread unchanged. */
export interface Job {
  task: TaskName;
  arm: string;
  /** the seed of the initialization draws and of the data order */
  seed: number;
  /** the seed of the train/test split, shared by every job of a comparison */
  dataSeed: number;
  epochs: number;
  /** at most this many examples per class or group (quick runs) */
  limit?: number;
  /** return the trained model's artifacts (for the saved-model check of the best arm) */
  keepModel: boolean;
}

/** The signal at initialization, from `signalPropagation` on the first 256 training inputs. */
export interface InitSignal {
  /** std of each kernel layer's activation */
  activationStd: number[];
  /** std of the loss gradient w.r.t. each kernel layer's pre-activation (per example) */
  gradientStd: number[];
  /** the root mean square predictSignal predicts for each layer's activation (data-free) */
  predictedStd: number[];
  vanishing: number;
  exploding: number;
}

/** What a job returns: plain data (and the model's artifacts when asked for). */
export interface JobResult extends TrainResult {
  task: TaskName;
  arm: string;
  seed: number;
  /** seconds to build the model and run the arm's model-level step (what a user pays before training) */
  buildSeconds: number;
  initSignal: InitSignal;
  finalTrainLoss: number;
  testAccuracy: number;
  artifacts?: tf.io.ModelArtifacts;
}

const loaders = new Map<string, ReturnType<typeof dataLoader>>();

/** The task's data, loaded once per (data seed, limit) in this thread. */
export function jobData(job: Pick<Job, 'task' | 'dataSeed' | 'limit'>): ReturnType<ReturnType<typeof dataLoader>> {
  const key = `${job.dataSeed}/${job.limit ?? ''}`;
  let load = loaders.get(key);
  if (!load) {
    load = dataLoader(job.dataSeed, job.limit);
    loaders.set(key, load);
  }
  return load(TASKS[job.task].data);
}

/** Builds the job's model and runs its arm's model-level step; `probe` is the first training inputs. */
function buildModel(job: Job, probe: tf.Tensor): tf.LayersModel {
  const task = TASKS[job.task];
  const [arm] = findArms([job.arm], armListFor(task));
  const data = jobData(job);
  const spec = task.spec;
  if ('kind' in spec && spec.kind === 'sequence') {
    const length = data.train.features;
    const model = buildSequenceModel(
      { ...spec, length, vocabulary: data.vocabulary ?? 0 },
      arm as SequenceArm,
      job.seed,
    );
    (arm as SequenceArm).prepare?.(model, job.seed, length);
    return model;
  }
  const inputDim = data.train.features;
  const model = !('kind' in spec)
    ? buildMlp({ ...spec, inputDim }, arm as Arm, job.seed)
    : spec.kind === 'conv'
      ? buildConvNet(spec, arm as Arm, job.seed)
      : buildResidualMlp({ ...spec, inputDim }, arm as Arm, job.seed);
  (arm as Arm).prepare?.(model, probe, job.seed);
  return model;
}

/** The model's topology and weights in memory (structured-cloneable). */
async function artifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('model.save produced no artifacts');
  return saved;
}

/** Runs one job in this thread; `onBatch` is called after every training step. */
export async function runJob(job: Job, onBatch: () => void = () => undefined): Promise<JobResult> {
  const task = TASKS[job.task];
  const data = jobData(job);
  // The first 256 training examples: LSUV's batch and the batch of the init-time signal chart.
  const probe = toTensors(
    subset(
      data.train,
      Array.from({ length: Math.min(256, data.train.n) }, (_, i) => i),
    ),
  );
  let model: tf.LayersModel | null = null;
  try {
    const buildStart = Date.now();
    model = buildModel(job, probe.xs);
    const buildSeconds = (Date.now() - buildStart) / 1000;
    const signal = signalPropagation(model, probe.xs, probe.ys);
    const initSignal = {
      activationStd: signal.layers.map((l) => l.postStd),
      gradientStd: signal.layers.map((l) => l.gradPreStd ?? NaN),
      predictedStd: signal.layers.map((l) => l.predictedStd ?? NaN),
      vanishing: signal.vanishing.length,
      exploding: signal.exploding.length,
    };
    const r = await train(model, data.train, data.test, { ...task.train, epochs: job.epochs, seed: job.seed }, onBatch);
    const last = r.epochs[r.epochs.length - 1];
    return {
      task: job.task,
      arm: job.arm,
      seed: job.seed,
      buildSeconds,
      initSignal,
      ...r,
      finalTrainLoss: last?.trainLoss ?? NaN,
      testAccuracy: last?.testAccuracy ?? 0,
      ...(job.keepModel ? { artifacts: await artifactsOf(model) } : {}),
    };
  } finally {
    model?.dispose();
    tf.dispose([probe.xs, probe.ys]);
  }
}
