/**
 * Fan-in and fan-out of a weight tensor: how many inputs feed one output unit
 * (fanIn) and how many outputs one input unit feeds (fanOut).
 */
import { InitializerConfigError } from '../errors.js';
import { checkShape } from './shape.js';

/**
 * How a kernel's axes are laid out in tfjs.
 * - `auto`: the Keras rule. Rank 0: 1, 1. Rank 1: n, n. Rank 2 `[in, out]`.
 *   Rank >= 3 `[...receptive, in, out]`: fanIn = in * prod(receptive),
 *   fanOut = out * prod(receptive). This covers Dense, Conv1D/2D/3D, the pointwise
 *   kernel of SeparableConv2D and recurrent kernels (`[units, gates * units]`, whose
 *   fanOut counts every gate, as in Keras and PyTorch).
 * - `dense`: rank 2 only, `[in, out]`.
 * - `conv`: rank 3 to 5, channels-last `[...kernel, in, out]` (same numbers as `auto`).
 * - `depthwise`: rank 3 to 5, `[...kernel, inChannels, multiplier]` (DepthwiseConv2D and
 *   the depthwise kernel of SeparableConv2D). Each output sees one channel, so
 *   fanIn = prod(kernel), fanOut = multiplier * prod(kernel) (as PyTorch counts a
 *   grouped conv; Keras's generic rule would give fanIn = inChannels * prod(kernel)).
 * - `convTranspose`: rank 3 to 5, tfjs's Conv2DTranspose layout `[...kernel, out, in]`.
 *   Each output sums in * prod(kernel) terms (stride 1), so fanIn = in * prod(kernel),
 *   fanOut = out * prod(kernel). Keras's generic rule and PyTorch both swap these.
 */
export type FanLayout = 'auto' | 'dense' | 'conv' | 'depthwise' | 'convTranspose';
/** Every FanLayout. */
export const FAN_LAYOUTS: readonly FanLayout[] = ['auto', 'dense', 'conv', 'depthwise', 'convTranspose'];

/** How computeFans reads a shape. */
export interface FanOptions {
  /** Named layout; default `auto`. */
  layout?: FanLayout;
  /**
   * Explicit input axis or axes (negative counts from the end), as JAX's `in_axis`: with
   * `outAxis`, in = prod(shape[inAxis]), out = prod(shape[outAxis]), batch = prod(shape[batchAxis]),
   * receptive = size / (in * out * batch), fanIn = in * receptive, fanOut = out * receptive.
   * Only with layout `auto`. Example: an attention kernel [32, 8, 16] with inAxis 0 and
   * outAxis [1, 2] has fanIn 32 and fanOut 128 (the auto rule would give 256 and 16).
   */
  inAxis?: number | number[] | null;
  /** Explicit output axis or axes; see `inAxis`. */
  outAxis?: number | number[] | null;
  /**
   * Axes of independent kernels stacked in one tensor (JAX's `batch_axis`): they count in
   * neither fan. Alone, it keeps inAxis -2 and outAxis -1.
   */
  batchAxis?: number | number[] | null;
}

/** Fan-in and fan-out of a weight shape. */
export interface Fans {
  /** Inputs feeding one output unit. */
  fanIn: number;
  /** Outputs one input unit feeds. */
  fanOut: number;
}

const OWNER = 'computeFans';

function product(values: readonly number[]): number {
  let p = 1;
  for (const v of values) p *= v;
  return p;
}

function requireRank(layout: FanLayout, shape: readonly number[], low: number, high: number): void {
  if (shape.length < low || shape.length > high) {
    const allowed = low === high ? `rank ${low}` : `rank ${low} to ${high}`;
    throw new InitializerConfigError(OWNER, `shape (layout '${layout}')`, shape, `of ${allowed}`);
  }
}

/** Axes given as one integer or a list, as non-negative indices. */
function resolveAxes(field: string, axes: number | number[], rank: number): number[] {
  const list = Array.isArray(axes) ? axes : [axes];
  const allowed = `an integer in [${-rank}, ${rank - 1}], or a non-empty list of distinct ones, for a rank-${rank} shape`;
  if (list.length === 0 || list.some((a) => !Number.isInteger(a) || a < -rank || a >= rank)) {
    throw new InitializerConfigError(OWNER, field, axes, allowed);
  }
  const resolved = list.map((a) => (a < 0 ? a + rank : a));
  if (new Set(resolved).size !== resolved.length) throw new InitializerConfigError(OWNER, field, axes, allowed);
  return resolved;
}

const given = (v: unknown): boolean => v !== undefined && v !== null;

/** Fans from explicit axes (JAX's `_compute_fans`). */
function axisFans(shape: readonly number[], size: number, options: FanOptions): Fans {
  const rank = shape.length;
  const hasIn = given(options.inAxis);
  const hasOut = given(options.outAxis);
  if (hasIn !== hasOut) {
    throw new InitializerConfigError(OWNER, hasIn ? 'outAxis' : 'inAxis', null, 'given together with the other axis');
  }
  if (!hasIn && rank < 2) {
    const allowed = 'of rank 2 or more with batchAxis alone (inAxis -2, outAxis -1)';
    throw new InitializerConfigError(OWNER, 'shape', shape, allowed);
  }
  const inAxes = resolveAxes('inAxis', hasIn ? (options.inAxis as number | number[]) : -2, rank);
  const outAxes = resolveAxes('outAxis', hasOut ? (options.outAxis as number | number[]) : -1, rank);
  const batch = options.batchAxis as number | number[] | null | undefined;
  const batchAxes = given(batch) ? resolveAxes('batchAxis', batch as number | number[], rank) : [];
  const all = [...inAxes, ...outAxes, ...batchAxes];
  if (new Set(all).size !== all.length) {
    throw new InitializerConfigError(OWNER, 'outAxis', options.outAxis, 'axes different from inAxis and batchAxis');
  }
  const prod = (list: number[]): number => list.reduce((p, a) => p * shape[a], 1);
  const inSize = prod(inAxes);
  const outSize = prod(outAxes);
  const receptive = size / (inSize * outSize * prod(batchAxes));
  return { fanIn: inSize * receptive, fanOut: outSize * receptive };
}

/**
 * Fans of `shape` under `options`; see FanLayout for the rules.
 *
 * @example
 * ```ts
 * import { computeFans } from 'tfjs-initializers';
 *
 * console.log(computeFans([784, 256])); // Dense [in, out]
 * console.log(computeFans([3, 3, 16, 32])); // Conv2D [kh, kw, in, out]: receptive field 9
 * console.log(computeFans([32, 8, 16], { inAxis: 0, outAxis: [1, 2] })); // attention kernel [d, heads, headDim]
 * ```
 * ```text output
 * { fanIn: 784, fanOut: 256 }
 * { fanIn: 144, fanOut: 288 }
 * { fanIn: 32, fanOut: 128 }
 * ```
 */
export function computeFans(shape: readonly number[], options: FanOptions = {}): Fans {
  const size = checkShape(OWNER, shape);
  const layout = options.layout ?? 'auto';
  if (!FAN_LAYOUTS.includes(layout)) {
    throw new InitializerConfigError(OWNER, 'layout', layout, `one of ${FAN_LAYOUTS.join(', ')}`);
  }
  if (given(options.inAxis) || given(options.outAxis) || given(options.batchAxis)) {
    if (layout !== 'auto') {
      throw new InitializerConfigError(OWNER, 'layout', layout, "'auto' when inAxis, outAxis or batchAxis is given");
    }
    return axisFans(shape, size, options);
  }
  const rank = shape.length;
  switch (layout) {
    case 'dense':
      requireRank(layout, shape, 2, 2);
      break;
    case 'conv':
      requireRank(layout, shape, 3, 5);
      break;
    case 'depthwise': {
      requireRank(layout, shape, 3, 5);
      const kernel = product(shape.slice(0, -2));
      return { fanIn: kernel, fanOut: kernel * shape[rank - 1] };
    }
    case 'convTranspose': {
      requireRank(layout, shape, 3, 5);
      const kernel = product(shape.slice(0, -2));
      return { fanIn: kernel * shape[rank - 1], fanOut: kernel * shape[rank - 2] };
    }
    default:
      break;
  }
  if (rank === 0) return { fanIn: 1, fanOut: 1 };
  if (rank === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = product(shape.slice(0, -2));
  return { fanIn: shape[rank - 2] * receptive, fanOut: shape[rank - 1] * receptive };
}
