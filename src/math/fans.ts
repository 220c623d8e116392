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
   * Explicit input axis (negative counts from the end), as JAX's `in_axis`: with
   * `outAxis`, fanIn = shape[inAxis] * receptive and fanOut = shape[outAxis] * receptive,
   * receptive = size / (shape[inAxis] * shape[outAxis]). Only with layout `auto`.
   */
  inAxis?: number | null;
  /** Explicit output axis; see `inAxis`. */
  outAxis?: number | null;
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

function resolveAxis(field: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new InitializerConfigError(
      OWNER,
      field,
      axis,
      `an integer in [${-rank}, ${rank - 1}] for a rank-${rank} shape`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** Fans of `shape` under `options`; see FanLayout for the rules. */
export function computeFans(shape: readonly number[], options: FanOptions = {}): Fans {
  const size = checkShape(OWNER, shape);
  const layout = options.layout ?? 'auto';
  if (!FAN_LAYOUTS.includes(layout)) {
    throw new InitializerConfigError(OWNER, 'layout', layout, `one of ${FAN_LAYOUTS.join(', ')}`);
  }
  const rank = shape.length;
  const hasIn = options.inAxis !== undefined && options.inAxis !== null;
  const hasOut = options.outAxis !== undefined && options.outAxis !== null;
  if (hasIn || hasOut) {
    if (!(hasIn && hasOut)) {
      throw new InitializerConfigError(OWNER, hasIn ? 'outAxis' : 'inAxis', null, 'given together with the other axis');
    }
    if (layout !== 'auto')
      throw new InitializerConfigError(OWNER, 'layout', layout, "'auto' when inAxis/outAxis are given");
    const inAxis = resolveAxis('inAxis', options.inAxis as number, rank);
    const outAxis = resolveAxis('outAxis', options.outAxis as number, rank);
    if (inAxis === outAxis)
      throw new InitializerConfigError(OWNER, 'outAxis', options.outAxis, 'a different axis from inAxis');
    const receptive = size / (shape[inAxis] * shape[outAxis]);
    return { fanIn: shape[inAxis] * receptive, fanOut: shape[outAxis] * receptive };
  }
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
