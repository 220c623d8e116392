/**
 * The conv gradient kernels composed for the wasm backend (tfjs 4.22's wasm has no Conv2DBackpropFilter nor
 * DepthwiseConv2dNativeBackprop{Filter,Input}) against the cpu backend's own kernels, on the same inputs: the
 * gradients of sum(conv(x, w) * dy) with respect to x and w, float32, to 1e-4 relative.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { ensureGradientKernels } from '../../src/model/gradient_kernels';

type Case = { name: string; depthwise: boolean; x: number[]; w: number[]; strides: number; pad: 'same' | 'valid' };

const CASES: Case[] = [
  { name: 'conv 3x3 same stride 1', depthwise: false, x: [2, 7, 6, 3], w: [3, 3, 3, 5], strides: 1, pad: 'same' },
  { name: 'conv 3x3 valid stride 2', depthwise: false, x: [2, 9, 8, 4], w: [3, 3, 4, 6], strides: 2, pad: 'valid' },
  {
    name: 'conv 5x5 same stride 2 (odd sizes)',
    depthwise: false,
    x: [1, 11, 9, 2],
    w: [5, 5, 2, 3],
    strides: 2,
    pad: 'same',
  },
  { name: 'conv 1x1', depthwise: false, x: [3, 4, 4, 8], w: [1, 1, 8, 4], strides: 1, pad: 'valid' },
  { name: 'depthwise 3x3 same stride 1', depthwise: true, x: [2, 6, 7, 4], w: [3, 3, 4, 1], strides: 1, pad: 'same' },
  {
    name: 'depthwise 3x3 valid stride 2, multiplier 2',
    depthwise: true,
    x: [2, 9, 9, 3],
    w: [3, 3, 3, 2],
    strides: 2,
    pad: 'valid',
  },
  {
    name: 'depthwise 3x3 same stride 2, multiplier 3',
    depthwise: true,
    x: [1, 8, 6, 2],
    w: [3, 3, 2, 3],
    strides: 2,
    pad: 'same',
  },
];

function gradients(c: Case): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 1).reshape(c.x) as tf.Tensor4D;
    const w = tf.randomNormal(c.w, 0, 1, 'float32', 2).reshape(c.w) as tf.Tensor4D;
    const f = (a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D =>
      c.depthwise ? tf.depthwiseConv2d(a, b, c.strides, c.pad) : tf.conv2d(a, b, c.strides, c.pad);
    const dy = tf.randomNormal(f(x, w).shape, 0, 1, 'float32', 3);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), dy)),
    )([x, w]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  }) as unknown as { dx: Float32Array; dw: Float32Array };
}

describe('composed conv gradient kernels on wasm', () => {
  let reference: Array<{ dx: Float32Array; dw: Float32Array }>;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    reference = CASES.map((c) => {
      const g = tf.tidy(() => {
        const r = gradients(c);
        return { dx: r.dx.slice(), dw: r.dw.slice() };
      });
      return g;
    });
    await tf.setBackend('wasm');
  });

  it('registers the three kernels wasm lacks, once, and nothing for a backend that has them', () => {
    const first = ensureGradientKernels('wasm');
    expect(first.sort()).toEqual([
      'Conv2DBackpropFilter',
      'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
    ]);
    expect(ensureGradientKernels('wasm')).toEqual([]);
    expect(ensureGradientKernels('cpu')).toEqual([]);
  });

  CASES.forEach((c, i) => {
    it(`${c.name}: dx and dw equal the cpu kernels' to 1e-4 relative, no tensor left`, () => {
      ensureGradientKernels('wasm');
      const before = tf.memory().numTensors;
      const { dx, dw } = gradients(c);
      expect(tf.memory().numTensors).toBe(before);
      for (const [got, want] of [
        [dx, reference[i].dx],
        [dw, reference[i].dw],
      ]) {
        expect(got.length).toBe(want.length);
        const scale = Math.max(...Array.from(want, Math.abs));
        let worst = 0;
        for (let k = 0; k < got.length; k++) worst = Math.max(worst, Math.abs(got[k] - want[k]) / scale);
        expect(worst).toBeLessThan(1e-4);
      }
    });
  });
});
