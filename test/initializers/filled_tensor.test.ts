/**
 * Variance-scaling draws go straight into the tensor's memory (wasm's heap): the same values as `sample`, on wasm
 * and cpu, and nothing left allocated when a fill throws.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { glorotUniform, heNormal, varianceScaling } from '../../src';
import { filledTensor } from '../../src/initializers/filled_tensor';

const dataIds = (): number => tf.engine().backend.numDataIds();

afterAll(async () => {
  await tf.setBackend('wasm');
});

describe.each(['wasm', 'cpu'])('filledTensor on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it.each([
    ['heNormal', () => heNormal({ seed: 1 })],
    ['glorotUniform', () => glorotUniform({ seed: 2 })],
    ['varianceScaling normal', () => varianceScaling({ scale: 3, distribution: 'normal', seed: 3 })],
  ])('%s: apply holds exactly the values sample draws', (_, make) => {
    const init = make();
    const [tensors, ids] = [tf.memory().numTensors, dataIds()];
    const t = init.apply([300, 7, 20]);
    expect(t.shape).toEqual([300, 7, 20]);
    expect(Array.from(t.dataSync())).toEqual(Array.from(init.sample([300, 7, 20])));
    t.dispose();
    expect([tf.memory().numTensors, dataIds()]).toEqual([tensors, ids]);
  });

  it('a fill that throws leaves nothing allocated', () => {
    const [tensors, ids] = [tf.memory().numTensors, dataIds()];
    expect(() =>
      filledTensor([4, 4], 16, (out) => {
        out[0] = 1;
        throw new Error('fill failed');
      }),
    ).toThrow('fill failed');
    expect([tf.memory().numTensors, dataIds()]).toEqual([tensors, ids]);
  });
});
