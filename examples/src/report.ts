/** The report of a comparison: report.md, results.json and one SVG chart per task, over every seed. */
import type { InitSignal, JobResult } from './jobs';
import { ALPHA, Comparison, Interval, MetricName, REFERENCES, TaskSummary, interval } from './stats';
import { lineChart } from './svg';

/** One job's figures as results.json keeps them (without the model). */
type RunRecord = Omit<JobResult, 'artifacts'>;

export interface TaskResult {
  task: string;
  title: string;
  trainSize: number;
  testSize: number;
  batchesPerEpoch: number;
  epochs: number;
  classes: number;
  targetLoss: number;
  seeds: number[];
  /** what each arm does */
  descriptions: Record<string, string>;
  /** the arms with a model-level step (initializeModel, lsuv, ...): the report pits them against every reference */
  tools: string[];
  /** every (arm, seed) job's raw figures, so anyone can redo the statistics */
  runs: RunRecord[];
  summary: TaskSummary;
  /** the arm with the highest mean test accuracy */
  best: string;
  savedModel: { path: string; reloadedPredictionsIdentical: boolean; maxAbsDifference: number } | null;
  chart: string;
  initChart: string;
}

export interface CompareResults {
  command: string;
  backend: string;
  /** worker threads the jobs ran on */
  workers: number;
  /** the seed of the data split; job seeds are seed, seed + 1, ... */
  seed: number;
  startedAt: string;
  seconds: number;
  tasks: TaskResult[];
}

/** Each arm's runs in seed order. */
function runsByArm(task: TaskResult): Map<string, RunRecord[]> {
  const map = new Map<string, RunRecord[]>();
  for (const r of task.runs) map.set(r.arm, [...(map.get(r.arm) ?? []), r]);
  for (const runs of map.values()) runs.sort((a, b) => a.seed - b.seed);
  return map;
}

/** The loss curve (mean over seeds, 95% band) and each arm's test accuracy with its interval. */
export function taskChart(task: TaskResult): Promise<string> {
  const window = task.runs[0]?.lossWindow ?? 1;
  const series = [...runsByArm(task)].map(([name, runs]) => {
    const points = Math.max(...runs.map((r) => r.lossCurve.length));
    const at = Array.from({ length: points }, (_, k) => interval(runs.map((r) => r.lossCurve[k] ?? NaN)));
    return {
      name,
      values: at.map((i) => i.mean),
      band: at.map((i): [number, number] | null => (Number.isFinite(i.lower) ? [i.lower, i.upper] : null)),
    };
  });
  const accuracy = task.summary.arms.map((a) => ({ name: a.arm, ...a.metrics.testAccuracy }));
  const seeds = `${task.seeds.length} seed${task.seeds.length === 1 ? '' : 's'}`;
  return lineChart(`${task.title} (${seeds}; mean and 95% interval)`, `training step (x${window})`, [
    { title: 'train loss', yLabel: 'cross-entropy', series, logY: true },
    { kind: 'intervals', title: 'test accuracy after training', yLabel: 'accuracy', rows: accuracy },
  ]);
}

/** The first seed's run of every arm (the init-time chart shows one draw per arm). */
function firstSeed(task: TaskResult): Array<{ arm: string; initSignal: InitSignal }> {
  return [...runsByArm(task)].map(([arm, runs]) => ({ arm, initSignal: runs[0].initSignal }));
}

/** Std of activations and gradients against depth at initialization, one line per arm (the first seed). */
export function initChart(task: TaskResult): Promise<string> {
  const arms = firstSeed(task);
  const panels = [
    {
      title: 'activation std (forward)',
      yLabel: 'std',
      series: arms.map((a) => ({ name: a.arm, values: a.initSignal.activationStd })),
      logY: true,
    },
    {
      title: 'activation std, predicted (predictSignal, no data)',
      yLabel: 'std',
      series: arms.map((a) => ({ name: a.arm, values: a.initSignal.predictedStd })),
      logY: true,
    },
    {
      title: 'gradient std w.r.t. pre-activation (backward)',
      yLabel: 'std',
      series: arms.map((a) => ({ name: a.arm, values: a.initSignal.gradientStd })),
      logY: true,
    },
  ];
  // leave out a panel with nothing to draw (e.g. no gradients without labels)
  const drawable = panels.filter((p) => p.series.some((s) => s.values.some((v) => Number.isFinite(v) && v > 0)));
  return lineChart(`${task.title}: signal at initialization (seed ${task.seeds[0]})`, 'kernel layer (depth)', drawable);
}

/** How each metric prints: accuracy in percent, the loss to 4 decimals, steps whole. */
const FORMATS: Record<MetricName, { scale: number; digits: number; unit: string }> = {
  testAccuracy: { scale: 100, digits: 2, unit: '%' },
  finalTrainLoss: { scale: 1, digits: 4, unit: '' },
  stepsToTarget: { scale: 1, digits: 0, unit: '' },
};

/** `mean ± half-width` (the 95% t interval is symmetric), or the mean alone with one seed. */
export function formatInterval(i: Interval, metric: MetricName): string {
  const f = FORMATS[metric];
  if (!Number.isFinite(i.mean)) return '-';
  const mean = `${(i.mean * f.scale).toFixed(f.digits)}${f.unit}`;
  if (!Number.isFinite(i.lower)) return mean;
  return `${mean} ± ${(((i.upper - i.lower) / 2) * f.scale).toFixed(f.digits)}`;
}

const signed = (v: number, f: { scale: number; digits: number }): string =>
  `${v >= 0 ? '+' : '−'}${Math.abs(v * f.scale).toFixed(f.digits)}`;

/** `+0.40 [−0.10, +0.90]`; `marked`: bold where the adjusted test says better, "(worse)" where it says worse. */
function formatDifference(c: Comparison | undefined, marked = true): string {
  if (!c) return '';
  const f = FORMATS[c.metric];
  const d = c.difference;
  if (!Number.isFinite(d.mean)) return '-';
  const text = Number.isFinite(d.lower)
    ? `${signed(d.mean, f)} [${signed(d.lower, f)}, ${signed(d.upper, f)}]`
    : signed(d.mean, f);
  if (!marked) return text;
  return c.verdict === 'better' ? `**${text}**` : c.verdict === 'worse' ? `${text} (worse)` : text;
}

const find = (task: TaskResult, arm: string, reference: string, metric: MetricName): Comparison | undefined =>
  task.summary.comparisons.find((c) => c.arm === arm && c.reference === reference && c.metric === metric);

/** The baseline every arm's paired difference is shown against in the table. */
function baselineOf(task: TaskResult): string | undefined {
  return REFERENCES.find((r) => task.summary.arms.some((a) => a.arm === r));
}

/** A markdown table for one task: each arm's means with 95% intervals and its paired difference to the baseline. */
export function summaryTable(task: TaskResult): string {
  const base = baselineOf(task);
  const n = task.seeds.length;
  const builds = runsByArm(task);
  const rows = task.summary.arms.map((a) => {
    const vs = (m: MetricName): string =>
      a.arm === base ? 'baseline' : formatDifference(find(task, a.arm, base ?? '', m));
    const steps =
      a.reached === 0
        ? `not reached (≥ ${a.metrics.stepsToTarget.mean.toFixed(0)})`
        : formatInterval(a.metrics.stepsToTarget, 'stepsToTarget');
    const buildSeconds = (builds.get(a.arm) ?? []).reduce((s, r) => s + r.buildSeconds, 0) / a.seeds;
    const flags = [a.arm === task.best ? 'best' : '', a.diverged ? `${a.diverged} NaN` : ''].filter(Boolean);
    return `| ${a.arm}${flags.length ? ` (${flags.join(', ')})` : ''} | ${formatInterval(a.metrics.testAccuracy, 'testAccuracy')} | ${vs('testAccuracy')} | ${formatInterval(a.metrics.finalTrainLoss, 'finalTrainLoss')} | ${vs('finalTrainLoss')} | ${steps} | ${a.reached}/${n} | ${a.stalled}/${n} | ${buildSeconds.toFixed(2)} |`;
  });
  return [
    `| arm | test accuracy | Δ vs ${base ?? '-'} | final train loss | Δ vs ${base ?? '-'} | steps to loss ${task.targetLoss} | reached | stalled | build s |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/**
 * The head-to-head list: one line per model-level arm against each reference that is not the table's baseline;
 * for the other arms, how many of those comparisons the tests can tell apart.
 */
function headToHead(task: TaskResult): string[] {
  const base = baselineOf(task);
  const others = task.summary.comparisons.filter((c) => c.reference !== base && c.metric !== 'stepsToTarget');
  const plain = others.filter((c) => !task.tools.includes(c.arm));
  const told = plain.filter((c) => c.verdict !== 'not distinguishable');
  const summary = plain.length
    ? [
        `- the other arms against ${[...new Set(plain.map((c) => c.reference))].join(' and ')} (accuracy and loss): ${told.length} of ${plain.length} comparisons distinguishable${told.length ? ` (${told.map((c) => `${c.arm} ${c.verdict} than ${c.reference} on ${c.metric}`).join('; ')})` : ''}`,
      ]
    : [];
  return [
    ...others
      .filter((c) => task.tools.includes(c.arm))
      .map((c) => {
        const p = Number.isFinite(c.pAdjusted) ? `, p (Holm) ${c.pAdjusted.toPrecision(2)}` : '';
        const what = c.verdict === 'not distinguishable' ? 'not distinguishable' : `**${c.verdict}**`;
        return `- ${c.arm} vs ${c.reference}, ${c.metric === 'testAccuracy' ? 'test accuracy' : 'final train loss'}: ${formatDifference(c, false)}${p}: ${what}`;
      }),
    ...summary,
  ];
}

export function markdownReport(results: CompareResults): string {
  const lines = [
    '# Initializer comparison',
    '',
    `Command: \`${results.command}\`  `,
    `Backend: ${results.backend}; ${results.workers} worker thread${results.workers === 1 ? '' : 's'}; data split seed ${results.seed}; ${results.seconds.toFixed(0)} s in all; started ${results.startedAt}.`,
    '',
    `Every figure is a mean over seeds with its 95% t interval (mean ± half-width). Δ is the paired difference to the baseline arm over the same seeds (the same data order), with its 95% interval; it is **bold** (better) or marked (worse) only where a paired t-test, Holm-adjusted over every comparison of the task, rejects at ${ALPHA}: elsewhere the arms are not distinguishable at this budget. "Stalled": a final train loss within 1% of ln(classes). Runs that never reach the target loss count as the whole budget (so that mean is a lower bound).`,
    '',
  ];
  for (const t of results.tasks) {
    lines.push(
      `## ${t.title}`,
      '',
      `${t.trainSize} training / ${t.testSize} test examples, ${t.epochs} epoch${t.epochs === 1 ? '' : 's'} of ${t.batchesPerEpoch} steps; seeds ${t.seeds.join(', ')}.`,
      '',
      summaryTable(t),
      '',
    );
    const h2h = headToHead(t);
    if (h2h.length) lines.push('Against the other references:', '', ...h2h, '');
    lines.push(
      `![${t.task}](${t.chart})`,
      '',
      `Signal at initialization (std per layer, forward and backward): ![${t.task} at init](${t.initChart})`,
      '',
    );
    const flagged = firstSeed(t).filter((a) => a.initSignal.vanishing + a.initSignal.exploding > 0);
    if (flagged.length)
      lines.push(
        `Flagged at init (seed ${t.seeds[0]}; a layer's std beyond 1e-3 / 1e3 of the first layer's): ${flagged.map((a) => `${a.arm} (${a.initSignal.vanishing} vanishing, ${a.initSignal.exploding} exploding)`).join(', ')}.`,
        '',
      );
    if (t.savedModel) {
      lines.push(
        `Best arm (${t.best}, seed ${t.seeds[0]}) saved to \`${t.savedModel.path}\` with \`model.save('file://...')\`, loaded back with \`tf.loadLayersModel\`: predictions on the test set ${t.savedModel.reloadedPredictionsIdentical ? 'identical' : `differ (max |diff| ${t.savedModel.maxAbsDifference})`}.`,
        '',
      );
    }
    lines.push('Arms:', '', ...Object.entries(t.descriptions).map(([arm, d]) => `- \`${arm}\`: ${d}`), '');
  }
  return lines.join('\n');
}
