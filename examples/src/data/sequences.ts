/**
 * Token-id sequences for recurrent models: SpamAssassin as ids (vocabulary fitted on the training split
 * only), and a synthetic long-memory task. Ids: 0 padding, 1 out of vocabulary, 2.. the vocabulary.
 */
import { Dataset } from './dataset';
import { Xoshiro128 } from 'tfjs-initializers/internals';
import { buildVocabulary, loadMessages } from './spam';
import { stratifiedSplit } from './split';

const PAD = 0;
const OOV = 1;

/** The first `length` token ids of `tokens`, padded in front (so the last steps hold text, as Keras pads 'pre'). */
export function toIds(tokens: readonly string[], index: ReadonlyMap<string, number>, length: number): Float32Array {
  const ids = new Float32Array(length).fill(PAD);
  const kept = tokens.slice(0, length);
  const offset = length - kept.length;
  kept.forEach((t, i) => (ids[offset + i] = index.get(t) ?? OOV));
  return ids;
}

export interface SpamSequenceOptions {
  seed?: number;
  /** tokens kept per message (Subject, then body) */
  length?: number;
  vocabularySize?: number;
  limitPerGroup?: number;
}

/** SpamAssassin (Subject + body) as fixed-length token-id rows; vocabulary from the training split. */
export function loadSpamSequences(options: SpamSequenceOptions = {}): {
  train: Dataset;
  test: Dataset;
  vocabulary: number;
} {
  const length = options.length ?? 60;
  const { tokens, labels } = loadMessages(options.limitPerGroup);
  const { train, test } = stratifiedSplit(labels, 0.2, options.seed ?? 1);
  const vocabulary = buildVocabulary(
    train.map((i) => tokens[i]),
    options.vocabularySize ?? 4000,
  );
  const index = new Map(vocabulary.map((t, i) => [t, i + 2]));
  const make = (idx: number[], name: string): Dataset => {
    const x = new Float32Array(idx.length * length);
    idx.forEach((i, row) => x.set(toIds(tokens[i], index, length), row * length));
    return {
      name,
      features: length,
      classes: 2,
      n: idx.length,
      classNames: ['ham', 'spam'],
      x,
      y: Int32Array.from(idx.map((i) => labels[i])),
    };
  };
  return { train: make(train, 'spam-seq-train'), test: make(test, 'spam-seq-test'), vocabulary: vocabulary.length + 2 };
}

export interface MemoryTaskOptions {
  seed?: number;
  /** noise steps after the signal token (T) */
  steps?: number;
  classes?: number;
  /** distinct noise tokens */
  noiseTokens?: number;
  train?: number;
  test?: number;
}

/**
 * "Remember the first token": the first id is the class (1..classes), then T noise ids drawn uniformly
 * from classes+1 .. classes+noiseTokens; the label is the first id. Chance is 1 / classes. A recurrent net
 * must carry one token over T steps: with forget gates near sigma(0) = 1/2 its memory decays like 2^-T.
 */
export function memoryTask(options: MemoryTaskOptions = {}): { train: Dataset; test: Dataset; vocabulary: number } {
  const steps = options.steps ?? 100;
  const classes = options.classes ?? 4;
  const noise = options.noiseTokens ?? 8;
  const rng = new Xoshiro128(options.seed ?? 1);
  const make = (n: number, name: string): Dataset => {
    const features = steps + 1;
    const x = new Float32Array(n * features);
    const y = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const label = Math.floor(rng.nextFloat24() * classes);
      y[r] = label;
      x[r * features] = 1 + label;
      for (let t = 1; t < features; t++) x[r * features + t] = 1 + classes + Math.floor(rng.nextFloat24() * noise);
    }
    return {
      name,
      features,
      classes,
      n,
      classNames: Array.from({ length: classes }, (_, c) => `first ${c + 1}`),
      x,
      y,
    };
  };
  return {
    train: make(options.train ?? 2048, 'memory-train'),
    test: make(options.test ?? 512, 'memory-test'),
    vocabulary: 1 + classes + noise,
  };
}
