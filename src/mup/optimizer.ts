/**
 * An optimizer with one learning-rate multiplier per variable, for μP (Tensor Programs V, Yang et al. 2022, Table
 * 3; microsoft/mup `mup/optim.py`, MuSGD and MuAdam, which do the same with PyTorch parameter groups). Variables
 * that share a multiplier form a group stepped by one built-in tfjs optimizer at `learningRate x multiplier`, so
 * with every multiplier 1 it is the built-in optimizer, step for step and bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { InitializerConfigError } from '../errors.js';
import { CLASS_PREFIX } from '../initializers/base.js';
import {
  ConfigOf,
  OptionsOf,
  choice,
  defineOptions,
  flag,
  numberIn,
  numbers,
  parseOptions,
  positive,
} from '../options.js';

const OWNER = `${CLASS_PREFIX}MupOptimizer`;

const SPEC = defineOptions({
  /** The update rule: `sgd`, `momentum` (SGD with momentum) or `adam`. */
  optimizer: choice(['sgd', 'momentum', 'adam'], 'adam'),
  /** The base learning rate (each variable's is this times its multiplier). */
  learningRate: positive(0.001),
  /** Momentum (`momentum` only). */
  momentum: numberIn(0.9, 0, 1),
  /** Nesterov momentum (`momentum` only). */
  useNesterov: flag(false),
  /** Adam's beta1. */
  beta1: numberIn(0.9, 0, 1, { max: true }),
  /** Adam's beta2. */
  beta2: numberIn(0.999, 0, 1, { max: true }),
  /** Adam's epsilon. */
  epsilon: positive(1e-7),
  /**
   * One learning-rate multiplier per variable, in the order the gradients come (`model.fit` and `trainOnBatch`:
   * `model.trainableWeights`); `mup(...).learningRateMultipliers(...)` gives them. null: every multiplier 1.
   */
  multipliers: numbers(2 ** 20),
});

/** Options of MupOptimizer. */
export interface MupOptimizerOptions extends OptionsOf<typeof SPEC> {}

/** A named tensor, as optimizers take and return them (tfjs does not export the type). */
type NamedTensor = { name: string; tensor: tf.Tensor };
type Gradients = tf.NamedTensorMap | NamedTensor[];

/**
 * SGD, SGD with momentum or Adam with a learning rate per variable: variable i steps at `learningRate x
 * multipliers[i]`. Registered with tf.serialization; its state (`getWeights`/`setWeights`, saved with
 * `model.save(..., {includeOptimizer: true})`) round-trips.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { MupOptimizer } from 'tfjs-initializers';
 *
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
 * // the kernel at 0.01 x 0.5, the bias at 0.01 x 1
 * const optimizer = new MupOptimizer({ optimizer: 'adam', learningRate: 0.01, multipliers: [0.5, 1] });
 * model.compile({ optimizer, loss: 'meanSquaredError' });
 * console.log(optimizer.getClassName(), optimizer.getConfig().multipliers);
 * ```
 * ```text output
 * TfjsInit>MupOptimizer [ 0.5, 1 ]
 * ```
 */
export class MupOptimizer extends tf.Optimizer {
  /** Registered name. */
  static readonly className = OWNER;
  /** The parsed options. */
  readonly options: Readonly<ConfigOf<typeof SPEC>>;
  /** One built-in optimizer per distinct multiplier, in order of first appearance. */
  private readonly groups = new Map<number, tf.Optimizer>();
  /** The distinct multipliers in order of first appearance (the groups' order in the saved state). */
  private readonly order: number[];

  constructor(options: MupOptimizerOptions = {}) {
    super();
    this.options = parseOptions(OWNER, SPEC, options);
    for (const m of this.options.multipliers ?? []) {
      if (!(m > 0)) throw new InitializerConfigError(OWNER, 'multipliers', m, 'numbers > 0');
    }
    this.order = [...new Set(this.options.multipliers ?? [1])];
  }

  /** The built-in optimizer stepping the variables of multiplier `m`. */
  private group(m: number): tf.Optimizer {
    let g = this.groups.get(m);
    if (!g) {
      const o = this.options;
      const lr = o.learningRate * m;
      g =
        o.optimizer === 'adam'
          ? tf.train.adam(lr, o.beta1, o.beta2, o.epsilon)
          : o.optimizer === 'momentum'
            ? tf.train.momentum(lr, o.momentum, o.useNesterov)
            : tf.train.sgd(lr);
      this.groups.set(m, g);
    }
    return g;
  }

  override applyGradients(variableGradients: Gradients): void {
    const list: NamedTensor[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    const multipliers = this.options.multipliers;
    if (multipliers && list.length !== multipliers.length) {
      throw new InitializerConfigError(
        OWNER,
        'variableGradients',
        `${list.length} gradients`,
        `${multipliers.length} gradients, one per multiplier (the model's trainable weights, in order)`,
      );
    }
    const byGroup = new Map<number, NamedTensor[]>();
    list.forEach((g, i) => {
      const m = multipliers ? multipliers[i] : 1;
      const part = byGroup.get(m);
      if (part) part.push(g);
      else byGroup.set(m, [g]);
    });
    for (const m of this.order) {
      const part = byGroup.get(m);
      if (part) this.group(m).applyGradients(part);
    }
    this.incrementIterations();
  }

  /** The iterations, then each group's state, named `group{k}/...` (k: the multiplier's order of appearance). */
  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    const order = this.order;
    for (let k = 0; k < order.length; k++) {
      const g = this.groups.get(order[k]);
      if (!g) continue;
      const [iter, ...state] = await g.getWeights();
      iter.tensor.dispose();
      for (const w of state) out.push({ name: `group${k}/${w.name}`, tensor: w.tensor });
    }
    return out;
  }

  /** Restores what getWeights returned. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const state = await this.extractIterations(weightValues);
    const order = this.order;
    const iterations = tf.scalar(this.iterations, 'int32');
    try {
      for (let k = 0; k < order.length; k++) {
        const prefix = `group${k}/`;
        const mine = state
          .filter((w) => w.name.startsWith(prefix))
          .map((w) => ({ name: w.name.slice(prefix.length), tensor: w.tensor }));
        if (mine.length > 0 || this.groups.has(order[k])) {
          await this.group(order[k]).setWeights([{ name: 'iter', tensor: iterations }, ...mine]);
        }
      }
    } finally {
      iterations.dispose();
    }
  }

  override dispose(): void {
    for (const g of this.groups.values()) g.dispose();
    this.groups.clear();
    super.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.options, multipliers: this.options.multipliers ? [...this.options.multipliers] : null };
  }

  /** tfjs's deserializer: `new cls(config)`. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config);
  }
}
tf.serialization.registerClass(MupOptimizer);
