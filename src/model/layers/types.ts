/**
 * What a layer rule says about one layer class: the roles of its weights, how a signal's nonlinearity passes it,
 * its forward moment rule, how signalPropagation probes it, what kind of merge it is, or why it is unsupported.
 * The model tools ask only these rules about layers (registry.ts); nothing else switches on class names.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ActivationName } from '../../math/activations.js';
import type { FanLayout } from '../../math/fans.js';

type Layer = tf.layers.Layer;

/** Recurrent cells and their gate counts (tfjs gate order: LSTM i, f, c, o; GRU z, r, h). */
export type CellKind = 'simpleRnn' | 'lstm' | 'gru';

/** Fan axes of a kernel (computeFans's `inAxis`/`outAxis`/`batchAxis`), for kernels that are not [...taps, in, out]. */
export interface KernelAxes {
  /** Input axis or axes, e.g. 0 for an attention kernel [d, heads, headDim]. */
  inAxis?: number | number[];
  /** Output axis or axes, e.g. [1, 2] for an attention kernel [d, heads, headDim]. */
  outAxis?: number | number[];
  /** Axes of independent kernels stacked in one tensor. */
  batchAxis?: number | number[];
}

/**
 * A feed-forward kernel in its fan layout (`dense` [in, out], `conv` [...taps, in, out], `depthwise`,
 * `convTranspose`, or `auto` with explicit axes).
 */
export interface KernelWeight extends KernelAxes {
  /** A kernel. */
  role: 'kernel';
  /** How computeFans reads its shape. */
  layout: FanLayout;
  /**
   * Whether its input is the layer's input (its gain comes from the nonlinearity before the layer; the default for
   * the first kernel) or a value inside the layer (linear).
   */
  reads?: 'input' | 'inner';
  /**
   * Whether its output leaves the layer (the nonlinearity after the layer consumes it; the default for the last
   * kernel; LSUV scales it) or stays inside.
   */
  writes?: 'output' | 'inner';
}

/** A recurrent layer's input kernel [...taps, in, gates * units]. */
export interface InputKernelWeight {
  /** An input kernel. */
  role: 'inputKernel';
  /** Its cell. */
  cell: CellKind;
  /** Gate blocks along its last axis. */
  gates: number;
  /** Units per gate. */
  units: number;
  /** The first cell of a stack (its input is the layer's input). */
  first: boolean;
}

/** A recurrent layer's recurrent kernel [...taps, units, gates * units]. */
export interface RecurrentKernelWeight {
  /** A recurrent kernel. */
  role: 'recurrentKernel';
  /** Its cell. */
  cell: CellKind;
  /** Gate blocks along its last axis. */
  gates: number;
  /** Units per gate. */
  units: number;
}

/** A bias; `cell` for a recurrent one ([gates * units], one block per gate). */
export interface BiasWeight {
  /** A bias. */
  role: 'bias';
  /** The recurrent cell it belongs to. */
  cell?: CellKind;
}

/**
 * A weight whose role says all: an embedding table [vocabulary, dim]; a normalization layer's scale, offset and
 * (BatchNorm) moving statistics; a learned activation slope (PReLU's alpha, reset from the layer's alphaInitializer).
 */
export interface PlainWeight {
  /** The role. */
  role: 'embedding' | 'gamma' | 'beta' | 'movingMean' | 'movingVariance' | 'slope';
}

/** The role of one weight of a layer. */
export type WeightRole = KernelWeight | InputKernelWeight | RecurrentKernelWeight | BiasWeight | PlainWeight;

/** Every weight role's name. */
export type RoleName = WeightRole['role'];

/** A nonlinearity: an activation name and its alpha (leakyRelu, prelu, elu). */
export interface Nonlinearity {
  /** The activation. */
  name: ActivationName;
  /** Its slope or scale, for leakyRelu, prelu and elu. */
  alpha?: number;
  /** Why it is what it is, where the layer alone does not say (e.g. "softmax counted as linear"). */
  note?: string;
  /** A softmax (or its log): the output's spread is that of probabilities, not a signal's (no vanishing flag). */
  probabilities?: boolean;
}

/** A weight's current values and shape. */
export interface WeightValues {
  /** Row-major values. */
  values: Float32Array;
  /** Its shape. */
  shape: number[];
}

/** A layer's (or a cell's) weights by short name (`kernel`, `bias`, `gamma`, `recurrent_kernel`, ...). */
export type WeightMap = ReadonlyMap<string, WeightValues>;

/**
 * Per-channel moments of a channels-last tensor: E[x] and E[x^2] for each channel, positions exchangeable. A
 * tensor whose last axis is longer than `mean` (a Flatten of [h, w, c] into h w c units) is described by these
 * channels tiled: element j has the moments of channel j mod channels.
 */
export interface ChannelMoments {
  /** E[x] per channel. */
  mean: Float64Array;
  /** E[x^2] per channel. */
  m2: Float64Array;
}

/** What a moment rule is given: the layer, its inputs' moments and shapes, its weights and the mode. */
export interface MomentInput {
  /** The layer. */
  layer: Layer;
  /** Per-channel moments of each input, in order. */
  inputs: readonly ChannelMoments[];
  /** Shapes of the inputs, batch axis first (null). */
  inputShapes: readonly tf.Shape[];
  /** Shapes of the outputs. */
  outputShapes: readonly tf.Shape[];
  /** The layer's weights by short name, read once per prediction. */
  weights: WeightMap;
  /** Weights of another layer or cell (a wrapped layer, a recurrent cell), read once per prediction. */
  weightsOf(layer: Layer): WeightMap;
  /** Training mode (batch statistics, dropout and noise on) or inference. */
  training: boolean;
}

/** A moment rule's answer: the first output's moments, and the approximation it rests on. */
export interface MomentOutput {
  /** Per-channel moments of the (first) output. */
  moments: ChannelMoments;
  /**
   * The approximation the prediction rests on (e.g. "inputs taken as independent"). The rows downstream say they
   * rest on it, until a layer whose output does not depend on its input's moments (`resets`).
   */
  note?: string;
  /** The map from the inputs' moments is exact: `note` is only information (e.g. "training mode: inverted dropout"). */
  exact?: boolean;
  /** The output's moments do not depend on the inputs' (a normalization on batch statistics): upstream approximations end here. */
  resets?: boolean;
  /**
   * The moments before the layer's own activation (a Dense or Conv with `activation`), where it has one:
   * `initializeModel({rule: 'predicted'})` scales the kernel so that their second moment is 1.
   */
  preActivation?: ChannelMoments;
  /**
   * The output had the layer's output kernel been multiplied by `factor`, for a rule whose output is linear in it
   * before the activation (a kernel layer without a bias): `initializeModel({rule: 'predicted'})` reads it instead
   * of running the rule again after it scales the kernel.
   */
  scaled?: (factor: number) => MomentOutput;
}

/** A forward moment rule: the output's per-channel moments, or a sentence saying why there are none. */
export type MomentRule = (input: MomentInput) => MomentOutput | string;

/** What kind of merge a layer is (residual detection reads `sum`: an Add). */
export type MergeKind = 'sum' | 'average' | 'product' | 'max' | 'min' | 'concat' | 'dot';

/**
 * How the gain lookup sees a layer:
 * - `kernel`: kernels, then the layer's own activation (`activation`, or the config's `activation` option);
 * - `activation`: applies `activation` to its input;
 * - `through`: its output carries the nonlinearity its input went through (pooling, reshapes, padding,
 *   concatenation, normalization, dropout);
 * - `opaque`: anything else (its output counts as linear).
 */
export type SignalPassing = 'kernel' | 'activation' | 'through' | 'opaque';

/**
 * How signalPropagation reads the layer's pre-activation: `kernel` (the layer with its fused activation switched
 * off: a linear twin, or the layer itself when its activation is linear), `recurrent` (the input projection
 * x W_in of its first cells, every gate and step), `embedding` or `layer` (its output is its pre-activation).
 */
export type ProbeKind = 'kernel' | 'recurrent' | 'embedding' | 'layer';

/** What the tools know about one layer class. Every field is optional; a class with no rule is unknown. */
export interface LayerRule {
  /**
   * The role of each weight, in `layer.weights` order, or a sentence saying why the layer's weights do not fit
   * (the layer is then left untouched and reported). Omit for a layer without weights.
   */
  weights?: (layer: Layer) => WeightRole[] | string;
  /** How a nonlinearity passes the layer (default `opaque`). */
  passes?: SignalPassing;
  /**
   * The nonlinearity the layer applies (`activation` layers), or its fused activation (`kernel` layers; default
   * the config's `activation` option). `weights` reads its current weights (PReLU's slope).
   */
  activation?: (layer: Layer, weights: WeightMap) => Nonlinearity;
  /** The forward moment rule, for both modes (`input.training`). */
  moments?: MomentRule;
  /** Whether and how signalPropagation reports the layer (default: not reported). */
  probe?: ProbeKind;
  /** The kind of merge, for layers that combine several inputs. */
  merge?: MergeKind;
  /** The layer reads integer ids in [0, n) (an Embedding's vocabulary): a probe batch draws them uniformly. */
  ids?: (layer: Layer) => number;
  /**
   * μP (`mup`): the layer's width-dependent forward multiplier, from the same layer at the base width: its value
   * and a function that sets it on the layer (as a config key, so it saves). `mup` asks every layer first and sets
   * them only once every check has passed. MuReadout: its input x a / m_in; an attention layer: its logits
   * x sqrt(d_base) / d, which is 1 / sqrt(d) at the base and falls as 1 / d (Tensor Programs V, Section 4).
   */
  forwardMultiplier?: (layer: Layer, base: Layer) => WidthMultiplier;
  /** Why the tools cannot handle this class: a layer of it is named, with this reason, wherever it matters. */
  unsupported?: string;
}

/** A layer's μP forward multiplier (LayerRule's `forwardMultiplier`). */
export interface WidthMultiplier {
  /** The multiplier at this width. */
  value: number;
  /** Sets it on the layer. */
  apply(): void;
}
