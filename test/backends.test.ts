import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { activationAware, glorotUniform, heNormal, orthogonal } from '../src';

/** Values of one draw on the given backend. */
async function drawOn(
  backend: string,
  make: () => { apply(shape: number[]): tf.Tensor },
  shape: number[],
): Promise<Float32Array> {
  await tf.setBackend(backend);
  await tf.ready();
  expect(tf.getBackend()).toBe(backend);
  const t = make().apply(shape);
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

describe('generation is backend-independent', () => {
  const cases: Array<[string, () => { apply(shape: number[]): tf.Tensor }, number[]]> = [
    ['heNormal', () => heNormal({ seed: 11 }), [3, 3, 8, 16]],
    ['glorotUniform', () => glorotUniform({ seed: 0, gain: 2 }), [64, 32]],
    ['orthogonal', () => orthogonal({ seed: 5 }), [40, 30]],
    ['activationAware', () => activationAware({ activation: 'tanh', seed: 2 }), [20, 10]],
  ];
  for (const [name, make, shape] of cases) {
    it(`${name}: same seed, bitwise-identical weights on cpu and wasm`, async () => {
      const onCpu = await drawOn('cpu', make, shape);
      const onWasm = await drawOn('wasm', make, shape);
      expect(onWasm.length).toBe(onCpu.length);
      expect(Buffer.from(onWasm.buffer).equals(Buffer.from(onCpu.buffer))).toBe(true);
    });
  }
});
