/**
 * Arms of a comparison: how each Dense kernel is initialized. Adding an arm is one entry.
 * Every arm gets the activation that follows the layer and a per-layer seed.
 */
import * as tf from '@tensorflow/tfjs';
import { activationAware, calculateGain, glorotUniform, heNormal, orthogonal } from 'tfjs-initializers';

/** The nonlinearity after a layer, as the model has it. */
export interface LayerActivation {
  name: 'relu' | 'leakyRelu' | 'tanh' | 'linear';
  alpha?: number;
}

export type KernelInitializer = ReturnType<typeof tf.initializers.heNormal> | string;

export interface Arm {
  name: string;
  description: string;
  kernel(next: LayerActivation, seed: number): KernelInitializer;
}

function pytorchGain(next: LayerActivation): number {
  return next.name === 'leakyRelu' ? calculateGain('leaky_relu', next.alpha) : calculateGain(next.name);
}

export const ARMS: readonly Arm[] = [
  { name: 'stock-default', description: 'stock tfjs Dense default (glorotNormal, truncated, no variance correction)', kernel: (_n, seed) => tf.initializers.glorotNormal({ seed }) },
  { name: 'stock-he', description: 'stock tf.initializers.heNormal (truncated, no variance correction)', kernel: (_n, seed) => tf.initializers.heNormal({ seed }) },
  { name: 'he', description: 'ours heNormal, negativeSlope = the LeakyReLU alpha', kernel: (n, seed) => heNormal({ negativeSlope: n.name === 'leakyRelu' ? n.alpha : 0, seed }) },
  { name: 'glorot-gain', description: "ours glorotUniform with gain = calculateGain(next activation)", kernel: (n, seed) => glorotUniform({ gain: pytorchGain(n), seed }) },
  { name: 'activation-aware', description: 'ours activationAware (exact variance gain of the next activation)', kernel: (n, seed) => activationAware({ activation: n.name, alpha: n.name === 'leakyRelu' ? n.alpha : null, seed }) },
  { name: 'orthogonal', description: 'ours orthogonal with gain = calculateGain(next activation)', kernel: (n, seed) => orthogonal({ gain: pytorchGain(n), seed }) },
];

/** Looks arms up by name; throws with the list of known arms. */
export function findArms(names: readonly string[]): Arm[] {
  return names.map((name) => {
    const arm = ARMS.find((a) => a.name === name);
    if (!arm) throw new RangeError(`unknown arm '${name}'; known arms: ${ARMS.map((a) => a.name).join(', ')}`);
    return arm;
  });
}
