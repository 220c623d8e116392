import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { planJobs } from '../examples/src/compare';
import { JobResult, runJob } from '../examples/src/jobs';
import { interval, summarize } from '../examples/src/stats';
import { formatInterval } from '../examples/src/report';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A job result with the figures the statistics read (the rest is not looked at). */
function result(arm: string, seed: number, accuracy: number, loss: number, stepsToTarget: number | null): JobResult {
  return {
    task: 'image',
    arm,
    seed,
    testAccuracy: accuracy,
    finalTrainLoss: loss,
    stepsToTarget,
    steps: 100,
    diverged: false,
  } as JobResult;
}

describe('statistics over seeds (@stdlib)', () => {
  it("the 95% interval is mean ± t(0.975, n - 1) s / sqrt(n) (Student's t table: 2.7764 for 4 df)", () => {
    const xs = [0.91, 0.93, 0.9, 0.94, 0.92];
    const mean = 0.92;
    const s = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / 4);
    const half = (2.7764451 * s) / Math.sqrt(5);
    const i = interval(xs);
    expect(i.mean).toBeCloseTo(mean, 12);
    expect(i.lower).toBeCloseTo(mean - half, 6);
    expect(i.upper).toBeCloseTo(mean + half, 6);
    // one seed: no interval; a constant sample: zero width
    expect(Number.isNaN(interval([0.5]).lower)).toBe(true);
    expect(interval([0.5, 0.5, 0.5])).toEqual({ mean: 0.5, lower: 0.5, upper: 0.5 });
    expect(formatInterval(i, 'testAccuracy')).toBe(`92.00% ± ${(half * 100).toFixed(2)}`);
  });

  it('paired differences: a consistent gain is told apart, noise and identical arms are not; Holm never lowers p', () => {
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    // per-seed noise shared by the arms (the same data order), so pairing removes it
    const noise = [0.03, -0.02, 0.01, -0.04, 0.02, 0.0, -0.01, 0.035];
    const jitter = [0.002, -0.001, 0.0015, -0.002, 0.001, -0.0005, 0.0, 0.001];
    const runs = seeds.flatMap((seed, k) => [
      result('stock-default', seed, 0.8 + noise[k], 1.0 - noise[k], null),
      result('better', seed, 0.82 + noise[k] + jitter[k], 0.95 - noise[k], 40 + k),
      result('same', seed, 0.8 + noise[k], 1.0 - noise[k], null),
      result('noisy', seed, 0.8 + noise[k] + (k % 2 ? 0.03 : -0.03), 1.0 - noise[k] + (k % 2 ? -0.02 : 0.02), 60),
    ]);
    // the stalled count: a loss within 1% of ln(10) = 2.3026
    runs.push(result('stalled', 1, 0.1, 2.3, null), result('stalled', 2, 0.1, 2.31, null));
    const summary = summarize(
      runs.filter((r) => r.arm !== 'stalled'),
      10,
    );
    const c = (arm: string, metric: string) =>
      summary.comparisons.find((x) => x.arm === arm && x.metric === metric && x.reference === 'stock-default')!;
    expect(c('better', 'testAccuracy').verdict).toBe('better');
    expect(c('better', 'testAccuracy').difference.mean).toBeCloseTo(0.02 + jitter.reduce((a, b) => a + b) / 8, 12);
    expect(c('better', 'testAccuracy').difference.lower).toBeGreaterThan(0);
    expect(c('better', 'finalTrainLoss').verdict).toBe('better'); // lower loss is better
    expect(c('same', 'testAccuracy')).toMatchObject({ verdict: 'not distinguishable', pValue: 1 });
    expect(c('noisy', 'testAccuracy').verdict).toBe('not distinguishable');
    for (const x of summary.comparisons)
      if (Number.isFinite(x.pValue)) expect(x.pAdjusted).toBeGreaterThanOrEqual(x.pValue);
    // a run that never reached the target counts as the whole budget (100 steps)
    const arm = (name: string) => summary.arms.find((a) => a.arm === name)!;
    expect(arm('stock-default').metrics.stepsToTarget.mean).toBe(100);
    expect(arm('stock-default').reached).toBe(0);
    expect(arm('better').reached).toBe(8);
    expect(
      summarize(
        runs.filter((r) => r.arm === 'stalled'),
        10,
      ).arms[0].stalled,
    ).toBe(2);
  });
});

describe('jobs', () => {
  it('a job leaves no tensor behind, and gives the same figures when run again', async () => {
    const job = planJobs({ tasks: ['text'], arms: ['he'], epochs: 1, seeds: 1, seed: 1, limit: 10 })[0];
    const before = tf.memory().numTensors;
    const a = await runJob({ ...job, keepModel: true });
    expect(tf.memory().numTensors).toBe(before);
    const b = await runJob({ ...job, keepModel: false });
    const { seconds: _s1, buildSeconds: _b1, artifacts, ...ra } = a;
    const { seconds: _s2, buildSeconds: _b2, ...rb } = b;
    expect(JSON.stringify(ra)).toBe(JSON.stringify(rb));
    expect(artifacts?.weightData).toBeDefined();
  });

  it('plans every (arm, seed) pair: seeds follow --seed, every task its own count unless --seeds', () => {
    const jobs = planJobs({ tasks: ['image', 'deep'], arms: null, seed: 7 });
    const deep = jobs.filter((j) => j.task === 'deep');
    expect([...new Set(deep.map((j) => j.seed))]).toEqual([7, 8, 9, 10, 11]);
    expect([...new Set(jobs.filter((j) => j.task === 'image').map((j) => j.seed))]).toEqual([7, 8, 9]);
    expect(deep.every((j) => j.dataSeed === 7)).toBe(true);
    // the first seed of each arm keeps its model (for the saved-model check)
    expect(deep.filter((j) => j.keepModel).map((j) => j.seed)).toEqual(new Array(8).fill(7));
    expect(planJobs({ tasks: ['image'], arms: ['he'], seed: 1, seeds: 10 })).toHaveLength(10);
  });
});

describe('the worker pool', () => {
  it('gives figures bitwise identical to a serial run with the same seeds (the built CLI, 2 workers vs 1)', () => {
    const cli = path.join(__dirname, '..', 'examples', 'dist', 'cli.js');
    const runWith = (workers: number) => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), `tfjs-init-pool-${workers}-`));
      const args = ['compare', '--task', 'image', '--epochs', '1', '--limit', '20', '--seeds', '3'];
      execFileSync(
        process.execPath,
        [
          cli,
          ...args,
          '--arms',
          'stock-default,he,lsuv',
          '--backend',
          'wasm',
          '--workers',
          String(workers),
          '--out',
          out,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      return JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    };
    const serial = runWith(1);
    const pooled = runWith(2);
    expect(serial.workers).toBe(1);
    expect(pooled.workers).toBe(2);
    const figures = (r: { tasks: Array<{ runs: Array<Record<string, unknown>> }> }) =>
      r.tasks.map((t) => t.runs.map(({ seconds: _s, buildSeconds: _b, ...rest }) => rest));
    const a = figures(serial);
    expect(a.map((t) => t.length)).toEqual([9, 9]); // image and image-leaky, 3 arms x 3 seeds each
    // JSON keeps every float64 exactly (shortest round-trip form), so equal text is equal bits
    expect(JSON.stringify(figures(pooled))).toBe(JSON.stringify(a));
    expect(pooled.tasks.map((t: { summary: unknown }) => t.summary)).toEqual(
      serial.tasks.map((t: { summary: unknown }) => t.summary),
    );
  });
});
