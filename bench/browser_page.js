/* global WebAssembly */
// The browser bench's page (bundled by bench/browser.js): times this package's initializers on a tfjs backend.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { heNormal, orthogonal } from 'tfjs-initializers';
import { fillsInPlace } from 'tfjs-initializers/internals';

setWasmPaths('./');

const INITIALIZERS = { orthogonal: () => orthogonal({ seed: 1 }), heNormal: () => heNormal({ seed: 1 }) };

/** The WebGL renderer the page sees (SwiftShader: no GPU). */
window.renderer = () => {
  const gl = document.createElement('canvas').getContext('webgl2');
  const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
  return gl ? (info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : 'webgl2') : null;
};

/** Milliseconds of one `apply([n, n])` on `backend`, until its values are readable. */
window.timeCase = async (backend, kind, n) => {
  if (tf.getBackend() !== backend) {
    if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
    await tf.ready();
  }
  const init = INITIALIZERS[kind]();
  const t0 = performance.now();
  const t = init.apply([n, n]);
  await t.data();
  const ms = performance.now() - t0;
  t.dispose();
  return { ms, threads: backend === 'wasm' ? await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') : null };
};

/** The largest |difference| between the values the two backends give for the same seed. */
window.maxDiff = async (kind, n, backends) => {
  const values = [];
  for (const b of backends) {
    await tf.setBackend(b);
    const t = INITIALIZERS[kind]().apply([n, n]);
    values.push(await t.data());
    t.dispose();
  }
  let d = 0;
  for (let i = 0; i < values[0].length; i++) d = Math.max(d, Math.abs(values[0][i] - values[1][i]));
  return d;
};

/** Whether the wasm backend's draws are written straight into its heap (threaded builds: a shared memory). */
window.wasmFillsInPlace = async () => {
  await tf.setBackend('wasm');
  heNormal({ seed: 1 }).apply([8, 8]).dispose();
  const w = tf.backend().wasm;
  const memory = (w.asm && w.asm.memory) || w.wasmMemory;
  return memory instanceof WebAssembly.Memory && fillsInPlace(new Float32Array(memory.buffer, 0, 4));
};
