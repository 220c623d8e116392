/**
 * Statistics over seeds, from @stdlib: each arm's mean with a 95% t interval, and paired differences between arms
 * (the same seed gives both arms the same data order), with a paired t-test, a Wilcoxon signed-rank test, and
 * Holm's adjustment for the number of comparisons in a task.
 */
import padjust from '@stdlib/stats-padjust';
import ttest from '@stdlib/stats-ttest';
import wilcoxon from '@stdlib/stats-wilcoxon';
import type { JobResult } from './jobs';

/** The level of every interval and test. */
export const ALPHA = 0.05;

/** A figure of one job that the report compares across arms; adding one is an entry here. */
interface Metric {
  label: string;
  better: 'higher' | 'lower';
  /** its value for one job (NaN where it has none, e.g. the loss of a diverged run) */
  of(result: JobResult): number;
}

const METRICS = {
  testAccuracy: { label: 'test accuracy', better: 'higher', of: (r) => r.testAccuracy },
  finalTrainLoss: { label: 'final train loss', better: 'lower', of: (r) => r.finalTrainLoss },
  // a run that never reached the target counts as the whole budget: a lower bound, so the mean is one too
  stepsToTarget: { label: 'steps to the target loss', better: 'lower', of: (r) => r.stepsToTarget ?? r.steps },
} as const satisfies Record<string, Metric>;

export type MetricName = keyof typeof METRICS;
const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** A mean over seeds with its 95% t interval (NaN bounds with fewer than two seeds). */
export interface Interval {
  mean: number;
  lower: number;
  upper: number;
}

/** One arm against a reference arm on one metric: the paired difference (arm - reference) over seeds. */
export interface Comparison {
  arm: string;
  reference: string;
  metric: MetricName;
  difference: Interval;
  /** two-sided paired t-test */
  pValue: number;
  /** pValue after Holm's adjustment over every comparison of the task on this metric */
  pAdjusted: number;
  /** two-sided Wilcoxon signed-rank test on the same pairs (zero differences dropped) */
  wilcoxonP: number;
  /** `better`/`worse` only where the adjusted test rejects at ALPHA (so the 95% interval excludes 0) */
  verdict: 'better' | 'worse' | 'not distinguishable';
}

interface ArmSummary {
  arm: string;
  seeds: number;
  metrics: Record<MetricName, Interval>;
  /** seeds whose running loss reached the target */
  reached: number;
  /** seeds whose final train loss is within 1% of ln(classes): the net learned nothing */
  stalled: number;
  diverged: number;
}

export interface TaskSummary {
  arms: ArmSummary[];
  comparisons: Comparison[];
}

/** The arms every other arm is compared with, where the task runs them: the stock default first. */
export const REFERENCES = ['stock-default', 'stock-he', 'orthogonal'] as const;

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** The mean of `xs` with its 95% t interval; a constant sample has a zero-width interval. */
export function interval(xs: readonly number[]): Interval {
  const m = mean(xs);
  if (xs.length < 2 || !xs.every(Number.isFinite)) return { mean: m, lower: NaN, upper: NaN };
  if (xs.every((x) => x === xs[0])) return { mean: m, lower: m, upper: m };
  const [lower, upper] = ttest(xs as number[], { alpha: ALPHA }).ci;
  return { mean: m, lower, upper };
}

/** Paired t and Wilcoxon tests of `xs - ys` (same seeds, same order). */
function pairedTests(xs: readonly number[], ys: readonly number[]): { difference: Interval; p: number; w: number } {
  const d = xs.map((x, i) => x - ys[i]);
  const difference = interval(d);
  if (d.length < 2 || !d.every(Number.isFinite)) return { difference, p: NaN, w: NaN };
  // a constant difference: no spread to test against (0: no difference at all; else every seed agrees)
  if (d.every((x) => x === d[0])) return { difference, p: d[0] === 0 ? 1 : 0, w: d[0] === 0 ? 1 : NaN };
  const p = ttest(xs as number[], ys as number[], { alpha: ALPHA }).pValue;
  let w = NaN;
  try {
    w = wilcoxon(xs as number[], ys as number[], { alpha: ALPHA }).pValue;
  } catch {
    // every difference zero after ties: the test has nothing to rank
  }
  return { difference, p, w };
}

/**
 * Summarizes one task's jobs: every arm's intervals and counts; every arm against the first reference arm the
 * task runs (`REFERENCES`), and the arms that are not references against the other references too.
 */
export function summarize(results: readonly JobResult[], classes: number): TaskSummary {
  const arms = [...new Set(results.map((r) => r.arm))];
  const seeds = [...new Set(results.map((r) => r.seed))].sort((a, b) => a - b);
  const byArm = new Map(
    arms.map((arm) => [arm, seeds.map((seed) => results.find((r) => r.arm === arm && r.seed === seed)!)]),
  );
  const stallLoss = Math.log(classes);
  const summaries: ArmSummary[] = arms.map((arm) => {
    const runs = byArm.get(arm)!;
    return {
      arm,
      seeds: runs.length,
      metrics: Object.fromEntries(METRIC_NAMES.map((m) => [m, interval(runs.map(METRICS[m].of))])) as Record<
        MetricName,
        Interval
      >,
      reached: runs.filter((r) => r.stepsToTarget !== null).length,
      stalled: runs.filter((r) => Math.abs(r.finalTrainLoss - stallLoss) <= 0.01 * stallLoss).length,
      diverged: runs.filter((r) => r.diverged).length,
    };
  });
  const references: string[] = REFERENCES.filter((r) => arms.includes(r));
  const pairs = references.flatMap((reference, k) =>
    arms
      .filter((arm) => arm !== reference && (k === 0 || !references.includes(arm)))
      .map((arm) => ({ arm, reference })),
  );
  const comparisons = METRIC_NAMES.flatMap((metric) => {
    const tests = pairs.map(({ arm, reference }) => ({
      arm,
      reference,
      ...pairedTests(byArm.get(arm)!.map(METRICS[metric].of), byArm.get(reference)!.map(METRICS[metric].of)),
    }));
    const finite = tests.filter((t) => Number.isFinite(t.p));
    const adjusted = finite.length
      ? padjust(
          finite.map((t) => t.p),
          'holm',
        )
      : [];
    return tests.map((t): Comparison => {
      const k = finite.indexOf(t);
      const pAdjusted = k >= 0 ? adjusted[k] : NaN;
      const gain = METRICS[metric].better === 'higher' ? t.difference.mean : -t.difference.mean;
      return {
        arm: t.arm,
        reference: t.reference,
        metric,
        difference: t.difference,
        pValue: t.p,
        pAdjusted,
        wilcoxonP: t.w,
        verdict: pAdjusted < ALPHA && gain !== 0 ? (gain > 0 ? 'better' : 'worse') : 'not distinguishable',
      };
    });
  });
  return { arms: summaries, comparisons };
}
