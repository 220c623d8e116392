/**
 * μP's readout (src/mup/readout.ts): a Dense kernel whose input is first multiplied by its forward multiplier
 * (`outputMultiplier / widthMultiplier`, both config keys), then its own activation.
 */
import type * as tf from '@tensorflow/tfjs';
import { CLASS_PREFIX } from '../../initializers/base.js';
import { Stats, scale } from '../moments.js';
import { throughKernel } from '../moments_conv.js';
import { configOf, fusedActivation, rolesByName, withFusedActivation } from './common.js';
import { RuleFamily } from './registry.js';

/** The readout's forward multiplier, from its config. */
const multiplier = (layer: tf.layers.Layer): number => {
  const c = configOf(layer);
  return Number(c.outputMultiplier ?? 1) / Number(c.widthMultiplier ?? 1);
};

/** The rules of this family. */
export const READOUT_RULES: RuleFamily = {
  [`${CLASS_PREFIX}MuReadout`]: {
    weights: (layer) => rolesByName(layer, { kernel: { role: 'kernel', layout: 'dense' }, bias: { role: 'bias' } }),
    passes: 'kernel',
    activation: fusedActivation,
    moments: ({ layer, inputs, outputShapes, weights }) => {
      const k = weights.get('kernel');
      if (!k) return 'no kernel';
      const f = multiplier(layer);
      const out = throughKernel(
        scale(inputs[0] as Stats, f, f * f),
        k.values,
        k.shape,
        weights.get('bias')?.values ?? null,
      );
      return withFusedActivation(layer, out, outputShapes[0], 'units independent');
    },
    probe: 'kernel',
    // m_in: the kernel's fan-in over the base's (a Dense kernel [in, units])
    forwardMultiplier: (layer, base) => {
      const fanIn = (l: tf.layers.Layer): number => Number(l.weights[0]?.shape[0]);
      const m = fanIn(layer) / fanIn(base);
      const readout = layer as tf.layers.Layer & { setWidthMultiplier(m: number): void };
      return { value: Number(configOf(layer).outputMultiplier ?? 1) / m, apply: () => readout.setWidthMultiplier(m) };
    },
  },
};
