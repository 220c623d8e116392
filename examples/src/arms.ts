/**
 * Arms of a comparison: how each Dense kernel is initialized. Adding an arm is one entry.
 * Every arm gets the activation that follows the layer and a per-layer seed.
 */
import * as tf from '@tensorflow/tfjs';
import {
  activationAware,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  initializeModel,
  leCunNormal,
  lsuv,
  orthogonal,
  pytorchDefault,
} from 'tfjs-initializers';
import { PYTORCH_ACTIVATIONS, activationGain, canonicalActivation } from 'tfjs-initializers/internals';

/** The nonlinearity after a layer, as the model has it (any name `varianceGain` knows). */
export interface LayerActivation {
  name: string;
  alpha?: number;
}

type KernelInitializer = ReturnType<typeof tf.initializers.heNormal> | string;

export interface Arm {
  name: string;
  description: string;
  kernel(next: LayerActivation, seed: number): KernelInitializer;
  /** model-level step after the model is built: `batch` is training inputs (the arm may not keep it) */
  prepare?(model: tf.LayersModel, batch: tf.Tensor, seed: number): void;
}

/** calculateGain where PyTorch's table has the nonlinearity (leaky slope = its alpha), else the exact variance gain. */
function pytorchGain(next: LayerActivation): number {
  const name = canonicalActivation(next.name);
  const criterion = PYTORCH_ACTIVATIONS.includes(name) ? 'pytorch' : 'variance';
  return activationGain(name, next.alpha ?? null, 'fanIn', criterion);
}

/** The negative slope of a leaky ReLU, 0 otherwise (the He presets' option). */
const slope = (n: LayerActivation): number => (n.name === 'leakyRelu' || n.name === 'prelu' ? (n.alpha ?? 0) : 0);

export const ARMS: readonly Arm[] = [
  {
    name: 'stock-default',
    description: 'stock tfjs Dense default (glorotNormal, truncated, no variance correction)',
    kernel: (_n, seed) => tf.initializers.glorotNormal({ seed }),
  },
  {
    name: 'stock-he',
    description: 'stock tf.initializers.heNormal (truncated, no variance correction)',
    kernel: (_n, seed) => tf.initializers.heNormal({ seed }),
  },
  {
    name: 'he',
    description: 'ours heNormal, negativeSlope = the LeakyReLU alpha',
    kernel: (n, seed) => heNormal({ negativeSlope: slope(n), seed }),
  },
  {
    name: 'he-uniform',
    description: 'ours heUniform, negativeSlope = the LeakyReLU alpha',
    kernel: (n, seed) => heUniform({ negativeSlope: slope(n), seed }),
  },
  {
    name: 'glorot-normal',
    description: 'ours glorotNormal (std exact after truncation), gain 1',
    kernel: (_n, seed) => glorotNormal({ seed }),
  },
  {
    name: 'lecun-normal',
    description: 'ours leCunNormal (std exact after truncation; SELU networks)',
    kernel: (_n, seed) => leCunNormal({ seed }),
  },
  {
    name: 'pytorch-default',
    description: "ours pytorchDefault: PyTorch's nn.Linear kernel, U[-1/sqrt(fanIn), +)",
    kernel: (_n, seed) => pytorchDefault({ seed }),
  },
  {
    name: 'glorot-gain',
    description: 'ours glorotUniform with gain = calculateGain(next activation)',
    kernel: (n, seed) => glorotUniform({ gain: pytorchGain(n), seed }),
  },
  {
    name: 'activation-aware',
    description: 'ours activationAware (exact variance gain of the next activation)',
    kernel: (n, seed) => activationAware({ activation: n.name, alpha: n.alpha ?? null, seed }),
  },
  {
    name: 'orthogonal',
    description: 'ours orthogonal with gain = calculateGain(next activation)',
    kernel: (n, seed) => orthogonal({ gain: pytorchGain(n), seed }),
  },
  {
    name: 'init-model',
    description:
      "ours initializeModel: gain from the nonlinearity each kernel's input went through (He et al. 2015 eq. 10)",
    kernel: () => 'zeros',
    prepare: (model, _batch, seed) => {
      initializeModel(model, { seed });
    },
  },
  ...(['pytorch', 'pytorchDefault'] as const).map((rule): Arm => ({
    name: `init-model-${rule === 'pytorch' ? 'pytorch' : 'pytorch-default'}`,
    description: `ours initializeModel with rule '${rule}'`,
    kernel: () => 'zeros',
    prepare: (model, _batch, seed) => {
      initializeModel(model, { seed, rule });
    },
  })),
  {
    name: 'init-model-predicted',
    description:
      "ours initializeModel with rule 'predicted': the He draw, each kernel then scaled so predictSignal's pre-activation second moment is 1 (no data)",
    kernel: () => 'zeros',
    prepare: (model, _batch, seed) => {
      initializeModel(model, { seed, rule: 'predicted' });
    },
  },
  ...(['preserve', 'zero', 'fixup', 'depth'] as const).map((residual): Arm => ({
    name: `residual-${residual}`,
    description: `ours initializeModel with residual: '${residual}' (the local rule elsewhere)`,
    kernel: () => 'zeros',
    prepare: (model, _batch, seed) => {
      initializeModel(model, { seed, residual });
    },
  })),
  {
    name: 'lsuv',
    description:
      'ours lsuv: orthonormal, then each layer scaled to unit pre-activation variance on 256 training inputs (Mishkin & Matas 2016)',
    kernel: () => 'zeros',
    prepare: (model, batch, seed) => {
      lsuv(model, batch, { seed });
    },
  },
];

/**
 * Arms of the sequence tasks (Embedding -> LSTM -> Dense): how the recurrent layer starts. Every arm
 * uses recurrentActivation 'sigmoid' (Keras 3's default; tfjs's hardSigmoid is flat beyond |x| = 2.5,
 * which would freeze chrono's large forget biases), so only the initialization differs.
 */
export interface SequenceArm {
  name: string;
  description: string;
  /** options for the LSTM layer (stock arms) */
  lstm: { unitForgetBias?: boolean };
  /** whether the layers are built with our orthogonal() (fast) instead of the stock initializers */
  ours: boolean;
  /** model-level step after the model is built */
  prepare?(model: tf.LayersModel, seed: number, maxTimescale: number): void;
}

export const SEQUENCE_ARMS: readonly SequenceArm[] = [
  {
    name: 'stock-default',
    description:
      'stock tfjs LSTM defaults: glorotUniform kernel, orthogonal recurrent kernel, zero biases (forget gate 1/2)',
    lstm: {},
    ours: false,
  },
  {
    name: 'stock-forget-bias',
    description: 'stock tfjs LSTM with unitForgetBias: true (forget bias 1, as Keras defaults)',
    lstm: { unitForgetBias: true },
    ours: false,
  },
  {
    name: 'init-model',
    description:
      'ours initializeModel: embedding std 1, He input kernels, orthogonal recurrent kernel per gate, forget bias 1',
    lstm: {},
    ours: true,
    prepare: (model, seed) => {
      initializeModel(model, { seed });
    },
  },
  {
    name: 'chrono',
    description: "ours initializeModel with forgetBias 'chrono' (Tallec & Ollivier 2018), T_max = the sequence length",
    lstm: {},
    ours: true,
    prepare: (model, seed, maxTimescale) => {
      initializeModel(model, { seed, forgetBias: 'chrono', maxTimescale });
    },
  },
];

/** The arms a task runs when --arms is not given. */
export const DEFAULT_ARMS = ['stock-default', 'stock-he', 'he', 'glorot-gain', 'activation-aware', 'orthogonal'];

/** Looks arms up by name in `list` (the MLP arms by default); throws with the list of known arms. */
export function findArms<A extends { name: string }>(
  names: readonly string[],
  list: readonly A[] = ARMS as never,
): A[] {
  return names.map((name) => {
    const arm = list.find((a) => a.name === name);
    if (!arm) throw new RangeError(`unknown arm '${name}'; known arms: ${list.map((a) => a.name).join(', ')}`);
    return arm;
  });
}

/** Every arm name either kind of task knows. */
export const ALL_ARM_NAMES = [...new Set([...ARMS.map((a) => a.name), ...SEQUENCE_ARMS.map((a) => a.name)])];
