/**
 * The coordinate check (microsoft/mup `mup/coord_check.py`; Tensor Programs V, Yang et al. 2022, Figure 5): build a
 * model at each of several widths, train each a few steps on one batch, and record every layer's mean |activation|
 * (the size of a coordinate) at each step. Under μP these curves are flat in width; under the standard
 * parametrization some grow with it (with Adam, a hidden layer's change after one step is proportional to width).
 */
import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError } from '../errors.js';
import { OptionsOf, choice, defineOptions, integerIn, numbers, parseOptions } from '../options.js';

const OWNER = 'coordCheck';

const SPEC = defineOptions({
  /** The widths to build (at least two, each a positive integer). */
  widths: numbers(64, true),
  /** Training steps; the activations are recorded before each (step 0: at initialization). */
  steps: integerIn(4, 1, 1000),
  /** The loss: `softmaxCrossEntropy` (the model outputs logits; default) or `meanSquaredError`. */
  loss: choice(['softmaxCrossEntropy', 'meanSquaredError'], 'softmaxCrossEntropy'),
});

/** What coordCheck's `build` returns. */
export interface BuiltModel {
  /** The model at the width asked for. */
  model: tf.LayersModel;
  /** Its optimizer. */
  optimizer: tf.Optimizer;
}

/** Options of coordCheck. */
export interface CoordCheckOptions extends OptionsOf<typeof SPEC> {
  /** The model at `width` and its optimizer (coordCheck disposes both). */
  build: (width: number) => BuiltModel;
  /** One batch of inputs, used for every step and every width. */
  x: tf.Tensor;
  /** Its targets (one-hot for softmaxCrossEntropy). */
  y: tf.Tensor;
}

/** What coordCheck measured. */
export interface CoordCheckResult {
  /** The widths, in order. */
  widths: number[];
  /** One label per top-level layer (class and its rank among layers of that class: `Dense 2`). */
  layers: string[];
  /** meanAbs[layer][width][step]: the mean |activation| of that layer's output. */
  meanAbs: number[][][];
  /** slopes[layer][step]: d log meanAbs / d log width (least squares over the widths); near 0 is flat. */
  slopes: number[][];
}

/** Least-squares slope of log y against log x. */
function logSlope(xs: readonly number[], ys: readonly number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map((y) => Math.log(Math.max(y, 1e-30)));
  const [mx, my] = [lx, ly].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
  let [sxy, sxx] = [0, 0];
  lx.forEach((x, i) => {
    sxy += (x - mx) * (ly[i] - my);
    sxx += (x - mx) ** 2;
  });
  return sxy / sxx;
}

/** Labels for the layers: class name and its rank among the layers of that class. */
function labels(layers: tf.layers.Layer[]): string[] {
  const seen = new Map<string, number>();
  return layers.map((l) => {
    const cls = l.getClassName().replace(/^.*>/, '');
    const k = (seen.get(cls) ?? 0) + 1;
    seen.set(cls, k);
    return `${cls} ${k}`;
  });
}

/**
 * Runs the coordinate check: for each width, `build(width)`, then `steps` training steps on (x, y), recording
 * each top-level layer's mean |output| on x before every step. Leaves no tensor behind.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { coordCheck, mup, muReadout } from 'tfjs-initializers';
 *
 * const mlp = (w: number) =>
 *   tf.sequential({
 *     layers: [
 *       tf.layers.dense({ units: w, activation: 'relu', inputShape: [16] }),
 *       tf.layers.dense({ units: w, activation: 'relu' }),
 *       muReadout({ units: 4 }),
 *     ],
 *   });
 * const x = tf.randomNormal([64, 16], 0, 1, 'float32', 1);
 * const y = tf.oneHot(tf.range(0, 64, 1, 'int32').mod(4).toInt(), 4).toFloat();
 * const result = coordCheck({
 *   widths: [64, 128, 256],
 *   build: (w) => {
 *     const [model, base, delta] = [mlp(w), mlp(64), mlp(128)];
 *     const plan = mup(model, { base, delta, seed: 2 });
 *     base.dispose();
 *     delta.dispose();
 *     return { model, optimizer: plan.optimizer({ learningRate: 0.01 }) };
 *   },
 *   x,
 *   y,
 * });
 * console.log(result.layers.join(', '), result.slopes.every((s) => Math.abs(s[3]) < 0.2));
 * ```
 * ```text output
 * Dense 1, Dense 2, MuReadout 1 true
 * ```
 */
export function coordCheck(options: CoordCheckOptions): CoordCheckResult {
  const { build, x, y, ...rest } = (options ?? {}) as CoordCheckOptions;
  if (typeof build !== 'function') {
    throw new InitializerConfigError(OWNER, 'build', build, 'a function (width) => {model, optimizer}');
  }
  for (const [field, t] of [
    ['x', x],
    ['y', y],
  ] as const) {
    if (!(t instanceof tf.Tensor)) throw new InitializerConfigError(OWNER, field, t, 'a tf.Tensor');
  }
  const o = parseOptions(OWNER, SPEC, rest);
  const widths = o.widths as number[];
  if (
    widths.length < 2 ||
    widths.some((w) => !Number.isInteger(w) || w < 1) ||
    new Set(widths).size !== widths.length
  ) {
    throw new InitializerConfigError(OWNER, 'widths', widths, 'at least two distinct positive integers');
  }
  const lossFn = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
    o.loss === 'meanSquaredError'
      ? tf.losses.meanSquaredError(yTrue, yPred)
      : tf.losses.softmaxCrossEntropy(yTrue, yPred);
  let names: string[] | null = null;
  const meanAbs: number[][][] = [];
  widths.forEach((width, wi) => {
    const { model, optimizer } = build(width);
    try {
      const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer' && l.inboundNodes.length === 1);
      const here = labels(layers);
      if (names && here.join('|') !== names.join('|')) {
        const allowed = `a model with the layers of width ${widths[0]} (${names.join(', ')})`;
        throw new InitializerConfigError(OWNER, 'build', `width ${width}: ${here.join(', ')}`, allowed);
      }
      names = here;
      const features = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.output as tf.SymbolicTensor) });
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      here.forEach((_, li) => ((meanAbs[li] ??= [])[wi] = []));
      for (let step = 0; step < o.steps; step++) {
        const sizes = tf.tidy(() => {
          const outs = features.predict(x) as tf.Tensor | tf.Tensor[];
          return (Array.isArray(outs) ? outs : [outs]).map((t) => t.abs().mean().dataSync()[0]);
        });
        sizes.forEach((v, li) => meanAbs[li][wi].push(v));
        optimizer.minimize(() => lossFn(y, model.apply(x, { training: true }) as tf.Tensor), false, variables);
      }
    } finally {
      optimizer.dispose();
      model.dispose();
    }
  });
  const slopes = meanAbs.map((perWidth) =>
    Array.from({ length: o.steps }, (_, s) =>
      logSlope(
        widths,
        perWidth.map((steps) => steps[s]),
      ),
    ),
  );
  return { widths: [...widths], layers: names ?? [], meanAbs, slopes };
}
