/** Validation of weight shapes, shared by fans and initializers. */
import { InitializerConfigError } from '../errors.js';

/** Most elements one initializer may produce: tfjs and its backends index with int32. */
export const MAX_ELEMENTS = 2147483647;

/**
 * Checks that `shape` is an array of positive integers whose product fits
 * MAX_ELEMENTS (checked before anything is allocated) and returns that product.
 */
export function checkShape(owner: string, shape: unknown): number {
  if (!Array.isArray(shape)) throw new InitializerConfigError(owner, 'shape', shape, 'an array of positive integers');
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) {
      throw new InitializerConfigError(owner, `shape[${i}]`, d, 'a positive integer');
    }
    size *= d;
  }
  if (size > MAX_ELEMENTS) {
    throw new InitializerConfigError(
      owner,
      'shape',
      shape,
      `at most ${MAX_ELEMENTS} elements in all (this one has ${size})`,
    );
  }
  return size;
}

/**
 * For a channels-last conv kernel [...kernel, in, out] (rank 3 to 5): the row-major offset of its centre
 * tap (floor(k / 2) on every spatial axis, as PyTorch's `dirac_`), in elements. Throws for other ranks.
 */
export function centreTapOffset(owner: string, shape: readonly number[]): number {
  const rank = shape.length;
  if (rank < 3 || rank > 5) {
    throw new InitializerConfigError(owner, 'shape', shape, 'of rank 3 to 5 ([...kernel, in, out], channels last)');
  }
  let centre = 0;
  for (let i = 0; i < rank - 2; i++) centre = centre * shape[i] + Math.floor(shape[i] / 2);
  return centre * shape[rank - 2] * shape[rank - 1];
}
