/**
 * Residual-aware initializeModel on residual MLPs (Dense relu, Dense, Add; width 128; no normalization):
 * the blocks are found from the graph, and each `residual` rule keeps the stream where it says.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initializeModel } from '../../src';
import { runGraph } from '../../src/model/executor';
import { modelGraph } from '../../src/model/graph';
import { residualBlocks } from '../../src/model/residual';
import { residualMlp } from '../helpers';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

/** Measured E[y^2] of every Add's output and of its skip input, in block order (the tools' executor, training mode). */
function streams(model: tf.LayersModel, x: tf.Tensor): Array<{ out: number; skip: number; equal: boolean }> {
  const graph = modelGraph(model);
  const blocks = residualBlocks(graph);
  return tf.tidy(() => {
    const keys = blocks.flatMap((b) => [b.add.outputs[0], b.skip]);
    const values = runGraph(graph, new Map([[graph.inputs[0], x]]), { training: true, keep: keys });
    const valueOf = (key: string): tf.Tensor => (key === graph.inputs[0] ? x : (values.get(key) as tf.Tensor));
    return blocks.map((b) => {
      const out = valueOf(b.add.outputs[0]);
      const skip = valueOf(b.skip);
      return {
        out: out.square().mean().dataSync()[0],
        skip: skip.square().mean().dataSync()[0],
        equal: tf.equal(out, skip).all().dataSync()[0] === 1,
      };
    });
  });
}

describe('residual blocks', () => {
  it('are found from the graph: every Add with an identity skip and a kernel branch', () => {
    const model = residualMlp(5, 16);
    const blocks = residualBlocks(model);
    expect(blocks).toHaveLength(5);
    for (const b of blocks) expect(b.branches[0].map((n) => n.layer.getClassName())).toEqual(['Dense', 'Dense']);
    model.dispose();
  });
});

describe("initializeModel's residual rules on 50 blocks (width 128, batch 256)", () => {
  const x = (): tf.Tensor => tf.randomNormal([256, 128], 0, 1, 'float32', 1);

  it("the local rule ('none') lets the stream explode; 'preserve' and 'depth' keep it within 0.5x-3x of the first block's", () => {
    const growth: Record<string, number> = {};
    for (const residual of ['none', 'preserve', 'depth'] as const) {
      const model = residualMlp(50, 128);
      const rows = initializeModel(model, { seed: 2, residual });
      const input = x();
      const s = streams(model, input);
      growth[residual] = s[s.length - 1].out / s[0].out;
      if (residual !== 'none') {
        for (const b of s) {
          expect(b.out / s[0].out).toBeGreaterThan(0.5);
          expect(b.out / s[0].out).toBeLessThan(3);
        }
        expect(rows.some((r) => r.note?.startsWith(`residual '${residual}'`))).toBe(true);
      } else {
        // the report says what was left alone, and what would scale it
        const notes = rows.filter((r) => r.note?.startsWith("residual 'none'"));
        expect(notes.map((r) => r.note)).toEqual([expect.stringMatching(/50 residual blocks left .* 'preserve'/)]);
      }
      if (residual === 'preserve') {
        // each closing row carries the stream's predicted second moment as a number: it grows by 1 + 1/L per block,
        // the share 'preserve' solves for (under the prediction, so to the prediction's rounding: 0.5%)
        const m = rows.filter((r) => r.factor !== undefined).map((r) => r.predictedInputSecondMoment as number);
        expect(m).toHaveLength(50);
        for (let b = 1; b < m.length; b++) expect(Math.abs(m[b] / m[b - 1] - (1 + 1 / 50))).toBeLessThan(0.005);
      }
      input.dispose();
      model.dispose();
    }
    expect(growth.none).toBeGreaterThan(1e10); // about 2 per block: each branch adds as much as the stream holds
  });

  it("'zero' and 'fixup' make every block start as the identity: each Add's output equals its skip input exactly", () => {
    for (const residual of ['zero', 'fixup'] as const) {
      const model = residualMlp(20, 64);
      initializeModel(model, { seed: 3, residual });
      const input = tf.randomNormal([32, 64], 0, 1, 'float32', 4);
      for (const b of streams(model, input)) expect(b.equal).toBe(true);
      input.dispose();
      model.dispose();
    }
  });

  it("'zero' with a BatchNorm closing the branch sets its gamma to 0 (torchvision's zero_init_residual)", () => {
    const model = residualMlp(3, 16, true);
    const rows = initializeModel(model, { seed: 5, residual: 'zero' });
    const gammas = rows.filter((r) => r.role === 'gamma');
    expect(gammas.every((r) => /residual 'zero': gamma 0/.test(r.note ?? ''))).toBe(true);
    for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
      expect(Array.from(layer.getWeights()[0].dataSync()).every((v) => v === 0)).toBe(true);
    }
    // the branch's last Dense keeps its kernel
    const dense = rows.filter((r) => r.role === 'kernel');
    expect(dense.every((r) => !(r.note ?? '').includes('residual'))).toBe(true);
    model.dispose();
  });
});
