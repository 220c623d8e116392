/** The tasks `compare` runs: data, model and training budget for each. */
import { Dataset } from './data/dataset';
import { loadMnist } from './data/mnist';
import { loadSpam } from './data/spam';
import type { MlpSpec } from './models';
import type { TrainConfig } from './train';
import { ARMS, DEFAULT_ARMS } from './arms';

export interface Task {
  /** arms run when --arms is not given */
  arms: string[];
  name: string;
  title: string;
  data: string;
  spec: MlpSpec;
  train: Omit<TrainConfig, 'seed'>;
}

export const TASK_NAMES = ['image', 'image-leaky', 'text', 'deep'] as const;
export type TaskName = (typeof TASK_NAMES)[number];
/** What `--task` accepts: a task, `image` also running image-leaky, or `all`. */
export const TASK_CHOICES = ['image', 'text', 'deep', 'all'] as const;

const IMAGE_TRAIN = { epochs: 4, batchSize: 64, learningRate: 0.05, momentum: 0.9, targetLoss: 0.3 };

export const TASKS: Readonly<Record<TaskName, Task>> = {
  image: {
    arms: DEFAULT_ARMS,
    name: 'image',
    title: 'MNIST, 784-128-64-10 ReLU MLP',
    data: 'mnist',
    spec: { inputDim: 784, hidden: [128, 64], activation: { name: 'relu' }, classes: 10 },
    train: IMAGE_TRAIN,
  },
  'image-leaky': {
    arms: DEFAULT_ARMS,
    name: 'image-leaky',
    title: 'MNIST, 784-128-64-10 LeakyReLU(0.3) MLP',
    data: 'mnist',
    spec: { inputDim: 784, hidden: [128, 64], activation: { name: 'leakyRelu', alpha: 0.3 }, classes: 10 },
    train: IMAGE_TRAIN,
  },
  text: {
    arms: DEFAULT_ARMS,
    name: 'text',
    title: 'SpamAssassin, bag of words 2000-64-2 tanh MLP',
    data: 'spam',
    spec: { inputDim: 2000, hidden: [64], activation: { name: 'tanh' }, classes: 2 },
    train: { epochs: 5, batchSize: 32, learningRate: 0.05, momentum: 0.9, targetLoss: 0.15 },
  },
  deep: {
    arms: ARMS.map((a) => a.name),
    name: 'deep',
    title: 'MNIST, 30-layer width-64 ReLU MLP (SGD momentum)',
    data: 'mnist',
    spec: { inputDim: 784, hidden: new Array<number>(30).fill(64), activation: { name: 'relu' }, classes: 10 },
    train: { epochs: 3, batchSize: 64, learningRate: 0.01, momentum: 0.9, targetLoss: 1.0 },
  },
};

/** Expands a --task choice into the tasks it runs. */
export function tasksFor(choice: string): TaskName[] {
  switch (choice) {
    case 'image':
      return ['image', 'image-leaky'];
    case 'text':
    case 'deep':
      return [choice];
    case 'all':
      return ['image', 'image-leaky', 'text', 'deep'];
    default:
      throw new RangeError(`unknown task '${choice}'; choose one of ${TASK_CHOICES.join(', ')}`);
  }
}

/** Loads (and caches) the data of a task; `limit` shrinks it for quick runs and tests. */
export function dataLoader(seed: number, limit?: number): (data: string) => { train: Dataset; test: Dataset } {
  const cache = new Map<string, { train: Dataset; test: Dataset }>();
  return (data) => {
    const hit = cache.get(data);
    if (hit) return hit;
    const loaded =
      data === 'mnist'
        ? loadMnist({ seed, perClass: limit })
        : loadSpam({ seed, limitPerGroup: limit, vocabularySize: 2000 });
    const result = { train: loaded.train, test: loaded.test };
    cache.set(data, result);
    return result;
  };
}
