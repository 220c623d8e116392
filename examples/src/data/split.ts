/** Deterministic, stratified train/test splits. */
import { Xoshiro128 } from 'tfjs-initializers/internals';

/** Fisher-Yates shuffle of 0..n-1 with a seeded generator. */
export function shuffledIndices(n: number, seed: number): number[] {
  const rng = new Xoshiro128(seed);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextFloat24() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}

/**
 * Splits indices so each class keeps the same test fraction (rounded per class);
 * the same labels and seed always give the same split. Returns shuffled train and test indices.
 */
export function stratifiedSplit(
  labels: readonly number[],
  testFraction: number,
  seed: number,
): { train: number[]; test: number[] } {
  if (!(testFraction > 0 && testFraction < 1))
    throw new RangeError(`testFraction must be in (0, 1); got ${testFraction}`);
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const list = byClass.get(label) ?? [];
    list.push(i);
    byClass.set(label, list);
  });
  const train: number[] = [];
  const test: number[] = [];
  for (const [label, members] of [...byClass.entries()].sort((a, b) => a[0] - b[0])) {
    const order = shuffledIndices(members.length, seed * 1000 + label);
    const nTest = Math.round(members.length * testFraction);
    order.forEach((k, rank) => (rank < nTest ? test : train).push(members[k]));
  }
  const mix = (xs: number[], s: number): number[] => shuffledIndices(xs.length, s).map((k) => xs[k]);
  return { train: mix(train, seed + 1), test: mix(test, seed + 2) };
}
