/** The tasks `compare` runs: data, model and training budget for each. */
import { Dataset } from './data/dataset';
import { loadMnist } from './data/mnist';
import { loadSpam } from './data/spam';
import { loadSpamSequences, memoryTask } from './data/sequences';
import type { ConvSpec, MlpSpec, ResidualSpec, SequenceSpec } from './models';
import type { TrainConfig } from './train';
import { ARMS, Arm, DEFAULT_ARMS, SEQUENCE_ARMS, SequenceArm } from './arms';

export interface Task {
  /** arms run when --arms is not given */
  arms: string[];
  name: string;
  title: string;
  data: string;
  /**
   * an MLP, Embedding -> LSTM -> Dense over token ids (`sequence`), a residual MLP (`residual`) or a VGG-style conv
   * net (`conv`)
   */
  spec:
    | MlpSpec
    | ({ kind: 'sequence' } & Omit<SequenceSpec, 'vocabulary' | 'length'>)
    | ({ kind: 'residual' } & Omit<ResidualSpec, 'inputDim'>)
    | ({ kind: 'conv' } & ConvSpec);
  train: Omit<TrainConfig, 'seed'>;
  /** seeds `compare` runs when --seeds is not given */
  seeds: number;
  /** examples per class (MNIST) or per group (SpamAssassin) the task uses; absent: all of them */
  limit?: number;
}

const TASK_NAMES = ['image', 'image-leaky', 'text', 'deep', 'residual', 'vgg', 'sequence', 'memory'] as const;
export type TaskName = (typeof TASK_NAMES)[number];
/**
 * What `--task` accepts: a task, `image` also running image-leaky, `all` (the fast set `npm start` runs:
 * image, image-leaky, text, deep), `recurrent` (sequence and memory) or `everything`.
 */
export const TASK_CHOICES = [
  'image',
  'text',
  'deep',
  'residual',
  'vgg',
  'sequence',
  'memory',
  'recurrent',
  'all',
  'everything',
] as const;

const SEQUENCE_ARM_NAMES = SEQUENCE_ARMS.map((a) => a.name);

const IMAGE_TRAIN = { epochs: 1, batchSize: 64, learningRate: 0.05, momentum: 0.9, targetLoss: 0.5 };

export const TASKS: Readonly<Record<TaskName, Task>> = {
  image: {
    arms: DEFAULT_ARMS,
    name: 'image',
    title: 'MNIST, 784-128-64-10 ReLU MLP',
    data: 'mnist',
    spec: { inputDim: 784, hidden: [128, 64], activation: { name: 'relu' }, classes: 10 },
    train: IMAGE_TRAIN,
    seeds: 3,
    limit: 500,
  },
  'image-leaky': {
    arms: DEFAULT_ARMS,
    name: 'image-leaky',
    title: 'MNIST, 784-128-64-10 LeakyReLU(0.3) MLP',
    data: 'mnist',
    spec: { inputDim: 784, hidden: [128, 64], activation: { name: 'leakyRelu', alpha: 0.3 }, classes: 10 },
    train: IMAGE_TRAIN,
    seeds: 3,
    limit: 500,
  },
  text: {
    arms: DEFAULT_ARMS,
    name: 'text',
    title: 'SpamAssassin, bag of words 2000-64-2 tanh MLP',
    data: 'spam',
    spec: { inputDim: 2000, hidden: [64], activation: { name: 'tanh' }, classes: 2 },
    train: { epochs: 1, batchSize: 32, learningRate: 0.05, momentum: 0.9, targetLoss: 0.3 },
    seeds: 3,
  },
  deep: {
    arms: [...DEFAULT_ARMS, 'init-model', 'lsuv'],
    name: 'deep',
    title: 'MNIST, 30-layer width-64 ReLU MLP (SGD momentum)',
    data: 'mnist',
    spec: { inputDim: 784, hidden: new Array<number>(30).fill(64), activation: { name: 'relu' }, classes: 10 },
    train: { epochs: 1, batchSize: 64, learningRate: 0.01, momentum: 0.9, targetLoss: 2.0 },
    seeds: 5,
    limit: 700,
  },
  residual: {
    arms: [
      'stock-default',
      'stock-he',
      'orthogonal',
      'lsuv',
      'init-model',
      'residual-preserve',
      'residual-zero',
      'residual-fixup',
    ],
    name: 'residual',
    title: 'MNIST, residual MLP: 30 blocks of Dense(64, relu) -> Dense(64) -> Add, no normalization',
    data: 'mnist',
    spec: { kind: 'residual', width: 64, blocks: 30, classes: 10 },
    train: { epochs: 1, batchSize: 64, learningRate: 0.01, momentum: 0.9, targetLoss: 1.0 },
    seeds: 3,
  },
  vgg: {
    arms: ['stock-default', 'init-model', 'init-model-predicted', 'lsuv'],
    name: 'vgg',
    title: 'MNIST 28x28, VGG-style: 30 relu 3x3 convs (8/16/32 channels), max pooling, Flatten, no normalization',
    data: 'mnist',
    spec: { kind: 'conv', size: 28, channels: 1, depth: 30, stages: 3, pooling: 'max', head: 'flatten', classes: 10 },
    train: { epochs: 6, batchSize: 32, learningRate: 0.003, momentum: 0.9, targetLoss: 1.5 },
    seeds: 3,
    limit: 150,
  },
  sequence: {
    arms: SEQUENCE_ARM_NAMES,
    name: 'sequence',
    title: 'SpamAssassin as token ids (first 60 of Subject + body), Embedding 32 -> LSTM 32 -> Dense',
    data: 'spam-seq',
    spec: { kind: 'sequence', embedding: 32, units: 32, classes: 2 },
    train: { epochs: 1, batchSize: 32, learningRate: 0.05, momentum: 0.9, targetLoss: 0.5 },
    seeds: 3,
  },
  memory: {
    arms: SEQUENCE_ARM_NAMES,
    name: 'memory',
    title:
      'Long memory: the class is the first of 101 tokens (100 steps of 4 noise tokens after it), Embedding 8 -> LSTM 16',
    data: 'memory',
    spec: { kind: 'sequence', embedding: 8, units: 16, classes: 4 },
    train: { epochs: 3, batchSize: 32, learningRate: 0.3, momentum: 0.9, targetLoss: 0.7 },
    seeds: 3,
  },
};

/** What a task builds: an MLP, a residual MLP, a conv net or a sequence model. */
function taskKind(task: Task): 'mlp' | 'residual' | 'conv' | 'sequence' {
  return 'kind' in task.spec ? task.spec.kind : 'mlp';
}

/** The arms a task can run: the sequence tasks have their own. */
export function armListFor(task: Task): readonly (Arm | SequenceArm)[] {
  return taskKind(task) === 'sequence' ? SEQUENCE_ARMS : ARMS;
}

/** Expands a --task choice into the tasks it runs. */
export function tasksFor(choice: string): TaskName[] {
  switch (choice) {
    case 'image':
      return ['image', 'image-leaky'];
    case 'text':
    case 'deep':
    case 'sequence':
    case 'memory':
    case 'residual':
    case 'vgg':
      return [choice];
    case 'recurrent':
      return ['sequence', 'memory'];
    case 'all':
      return ['image', 'image-leaky', 'text', 'deep'];
    case 'everything':
      return [...TASK_NAMES];
    default:
      throw new RangeError(`unknown task '${choice}'; choose one of ${TASK_CHOICES.join(', ')}`);
  }
}

/** Loads (and caches) the data of a task; `limit` shrinks it for quick runs and tests. */
export function dataLoader(
  seed: number,
  limit?: number,
): (data: string) => { train: Dataset; test: Dataset; vocabulary?: number } {
  const cache = new Map<string, { train: Dataset; test: Dataset; vocabulary?: number }>();
  return (data) => {
    const hit = cache.get(data);
    if (hit) return hit;
    const loaded =
      data === 'mnist'
        ? loadMnist({ seed, perClass: limit })
        : data === 'spam-seq'
          ? loadSpamSequences({ seed, limitPerGroup: limit, length: 60, vocabularySize: 4000 })
          : data === 'memory'
            ? memoryTask({
                seed,
                steps: 100,
                train: limit ? Math.min(limit * 4, 2048) : 2048,
                test: limit ? Math.min(limit * 4, 512) : 512,
              })
            : loadSpam({ seed, limitPerGroup: limit, vocabularySize: 2000 });
    const vocabulary = 'vocabulary' in loaded && typeof loaded.vocabulary === 'number' ? loaded.vocabulary : undefined;
    const result = { train: loaded.train, test: loaded.test, vocabulary };
    cache.set(data, result);
    return result;
  };
}
