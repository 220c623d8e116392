import { InitializerConfigError, sparse } from '../../src';
import { ksCritical, ksStatistic, stdTolerance, targetCdf } from '../helpers';

const zerosPerColumn = (values: Float32Array, rows: number, cols: number): number[] =>
  Array.from(
    { length: cols },
    (_, c) => Array.from({ length: rows }, (_r, r) => values[r * cols + c]).filter((v) => v === 0).length,
  );

describe('Sparse', () => {
  it('zeroes ceil(s rows) entries of every column, as PyTorch sparse_ (33 x 31, s = 0.15)', () => {
    const values = sparse({ sparsity: 0.15, seed: 1 }).sample([33, 31]);
    expect(zerosPerColumn(values, 33, 31).every((z) => z === Math.ceil(0.15 * 33))).toBe(true);
  });

  it('the non-zero entries are N(0, std^2): std within 6 SE, KS at alpha 0.001 (PyTorch default std 0.01)', () => {
    for (const [options, std] of [
      [{ sparsity: 0.5, seed: 2 }, 0.01],
      [{ sparsity: 0.2, std: 0.3, seed: 3 }, 0.3],
    ] as const) {
      const values = sparse(options)
        .sample([500, 200])
        .filter((v) => v !== 0);
      let ss = 0;
      for (const v of values) ss += v * v;
      expect(Math.abs(Math.sqrt(ss / values.length) / std - 1)).toBeLessThan(stdTolerance(values.length));
      expect(ksStatistic(values, targetCdf('normal', std))).toBeLessThan(ksCritical(values.length));
    }
  });

  it('picks the zero rows uniformly: every row is zeroed in about s of the columns', () => {
    // 100 rows x 4000 columns, s = 0.3: each row is zeroed in Binomial(4000, 0.3) columns (sd 29); 6 sd
    const values = sparse({ sparsity: 0.3, seed: 4 }).sample([100, 4000]);
    for (let r = 0; r < 100; r++) {
      let zeros = 0;
      for (let c = 0; c < 4000; c++) if (values[r * 4000 + c] === 0) zeros++;
      expect(Math.abs(zeros - 1200)).toBeLessThan(6 * Math.sqrt(4000 * 0.3 * 0.7));
    }
  });

  it('sparsity 0 zeroes nothing, sparsity 1 everything', () => {
    expect(
      sparse({ sparsity: 0, seed: 5 })
        .sample([20, 10])
        .every((v) => v !== 0),
    ).toBe(true);
    expect(
      sparse({ sparsity: 1, seed: 5 })
        .sample([20, 10])
        .every((v) => v === 0),
    ).toBe(true);
  });

  it('only works on 2-D shapes, with sparsity in [0, 1]', () => {
    expect(() => sparse().sample([3, 3, 3])).toThrow(/TfjsInit>Sparse: shape must be of rank 2/);
    expect(() => sparse().sample([5])).toThrow(InitializerConfigError);
    expect(() => sparse({ sparsity: 1.5 })).toThrow(/sparsity must be a finite number >= 0 and <= 1; got 1.5/);
  });
});
