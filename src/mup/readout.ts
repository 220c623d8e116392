/**
 * μP's readout: a Dense layer whose input is multiplied by `outputMultiplier / widthMultiplier` (mup's
 * `MuReadout`, microsoft/mup `mup/layer.py`; Tensor Programs V, Yang et al. 2022, Section 4 and Table 9's
 * formulation with an output multiplier). `mup()` sets `widthMultiplier` (the readout's fan-in over the base
 * model's); both factors are config keys, so a μP model saves and loads like any other.
 */
import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError } from '../errors.js';
import { CLASS_PREFIX } from '../initializers/base.js';
import { leCunNormal } from '../initializers/presets.js';
import {
  ConfigOf,
  OptionsOf,
  SEED_FIELD,
  choice,
  defineOptions,
  flag,
  integerIn,
  parseOptions,
  positive,
} from '../options.js';

const OWNER = `${CLASS_PREFIX}MuReadout`;
const ACTIVATIONS = ['linear', 'softmax', 'sigmoid'] as const;

const SPEC = defineOptions({
  /** Output units (classes). */
  units: integerIn(null, 1, 2 ** 31 - 1),
  /** Whether to add a bias. */
  useBias: flag(true),
  /** The output's activation: `linear` (logits, default), `softmax` or `sigmoid`. */
  activation: choice(ACTIVATIONS, 'linear'),
  /** mup's `output_mult`: a width-independent constant to tune (default 1). */
  outputMultiplier: positive(1),
  /** The readout's fan-in over the base model's (set by `mup()`; 1 at the base width). */
  widthMultiplier: positive(1),
  /** Seed of the kernel's default draw (LeCun normal; `mup()` redraws it anyway). */
  seed: SEED_FIELD,
});

/** Options of MuReadout (and, with the Layer's own `name`, `trainable`, `inputShape`, its config). */
export interface MuReadoutOptions extends OptionsOf<typeof SPEC> {
  /** Layer name. */
  name?: string;
  /** Whether its weights train (default true). */
  trainable?: boolean;
  /** Input shape without the batch axis, when it is the first layer. */
  inputShape?: number[];
}

/** The parsed options' units, known after the check. */
interface ReadoutUnits {
  /** Output units. */
  units: number;
}

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];
let count = 0;
const LAYER_KEYS = ['name', 'trainable', 'inputShape', 'batchInputShape', 'batchSize', 'dtype'];

/**
 * y = act(x (outputMultiplier / widthMultiplier) W + b), W [in, units]: a Dense readout with μP's forward
 * multiplier. At `widthMultiplier` 1 and `outputMultiplier` 1 it is a Dense layer.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { muReadout } from 'tfjs-initializers';
 *
 * const model = tf.sequential({
 *   layers: [tf.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }), muReadout({ units: 10 })],
 * });
 * console.log(model.layers[1].getClassName(), model.outputs[0].shape);
 * ```
 * ```text output
 * TfjsInit>MuReadout [ null, 10 ]
 * ```
 */
export class MuReadout extends tf.layers.Layer {
  /** Registered name. */
  static readonly className = OWNER;
  /** The parsed options. */
  readonly options: Readonly<ConfigOf<typeof SPEC> & ReadoutUnits>;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(options: MuReadoutOptions) {
    const own: Record<string, unknown> = { ...(options ?? {}) };
    const layerArgs: Record<string, unknown> = {};
    // the Layer's own keys (and those the loader passes back) go to the base class
    for (const key of LAYER_KEYS) {
      if (key in own) layerArgs[key] = own[key];
      delete own[key];
    }
    // tfjs derives a default name from the class name, and '>' is not allowed in a weight's name
    layerArgs.name ??= `mu_readout_${++count}`;
    super(layerArgs as LayerArgs);
    const parsed = parseOptions(OWNER, SPEC, own);
    if (parsed.units === null) throw new InitializerConfigError(OWNER, 'units', undefined, 'an integer >= 1');
    this.options = { ...parsed, units: parsed.units };
  }

  /** The factor the input is multiplied by: outputMultiplier / widthMultiplier. */
  get forwardMultiplier(): number {
    return this.options.outputMultiplier / this.options.widthMultiplier;
  }

  /** Sets the width multiplier (`mup()` does). */
  setWidthMultiplier(value: number): void {
    const { widthMultiplier } = parseOptions(OWNER, SPEC, { ...this.options, widthMultiplier: value });
    (this.options as { widthMultiplier: number }).widthMultiplier = widthMultiplier;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const features = shape[shape.length - 1];
    if (typeof features !== 'number') {
      throw new InitializerConfigError(OWNER, 'inputShape', shape, 'a shape whose last axis is known');
    }
    const init = leCunNormal(this.options.seed === null ? {} : { seed: this.options.seed });
    this.kernel = this.addWeight('kernel', [features, this.options.units], 'float32', init);
    if (this.options.useBias) {
      this.bias = this.addWeight('bias', [this.options.units], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.options.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const kernel = (this.kernel as tf.LayerVariable).read();
      const flat = x.reshape([-1, x.shape[x.shape.length - 1]]);
      let y = tf.matMul(tf.mul(flat, this.forwardMultiplier), kernel);
      if (this.bias) y = tf.add(y, this.bias.read());
      if (this.options.activation === 'softmax') y = tf.softmax(y);
      if (this.options.activation === 'sigmoid') y = tf.sigmoid(y);
      return y.reshape([...x.shape.slice(0, -1), this.options.units]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.options };
  }
}
tf.serialization.registerClass(MuReadout);

/**
 * A MuReadout layer: see MuReadout.
 *
 * @example
 * ```ts
 * import { muReadout } from 'tfjs-initializers';
 *
 * const readout = muReadout({ units: 10, outputMultiplier: 2 });
 * console.log(readout.forwardMultiplier);
 * ```
 * ```text output
 * 2
 * ```
 */
export function muReadout(options: MuReadoutOptions): MuReadout {
  return new MuReadout(options);
}
