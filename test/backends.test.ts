import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { activationAware, glorotUniform, heNormal, orthogonal } from '../src';
import { fillsInPlace } from '../src/sampling/wasm/fill';

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
    // past the WebAssembly fill's 16,384-float chunk: on cpu the chunks are copied out, on wasm written in place
    ['heNormal, 60,000 values', () => heNormal({ seed: 3 }), [300, 200]],
    ['heNormal untruncated, 60,000 values', () => heNormal({ seed: 3, distribution: 'normal' }), [300, 200]],
    ['glorotUniform, 60,000 values', () => glorotUniform({ seed: 3 }), [200, 300]],
    // from 64 columns up: the WY products in WebAssembly, the same code on both backends
    ['orthogonal 300 x 200', () => orthogonal({ seed: 5, gain: 1.3 }), [300, 200]],
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

describe('the wasm backend', () => {
  it('has the WebAssembly fill loops write straight into its heap, leaving no tensor behind', async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    const before = tf.memory().numTensors;
    heNormal({ seed: 1 }).apply([64, 64]).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const memory = (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory;
    expect(fillsInPlace(new Float32Array(memory.buffer, 0, 4))).toBe(true);
    expect(fillsInPlace(new Float32Array(4))).toBe(false);
  });
});
