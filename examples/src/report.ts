/** The report of a comparison: report.md, results.json and one SVG chart per task. */
import type { TrainResult } from './train';
import { lineChart } from './svg';

interface InitSignal {
  /** std of each kernel layer's activation at initialization, on 256 training inputs */
  activationStd: number[];
  /** std of the loss gradient w.r.t. each kernel layer's pre-activation (per example) */
  gradientStd: number[];
  /** the root mean square predictSignal predicts for each layer's activation (data-free) */
  predictedStd: number[];
  vanishing: number;
  exploding: number;
}

export interface ArmResult extends TrainResult {
  arm: string;
  /** seconds to build the model and run the arm's model-level step */
  buildSeconds: number;
  initSignal: InitSignal;
  description: string;
  finalTrainLoss: number;
  testAccuracy: number;
}

export interface TaskResult {
  task: string;
  title: string;
  trainSize: number;
  testSize: number;
  batchesPerEpoch: number;
  arms: ArmResult[];
  best: string;
  savedModel: { path: string; reloadedPredictionsIdentical: boolean; maxAbsDifference: number } | null;
  chart: string;
  initChart: string;
}

export interface CompareResults {
  command: string;
  backend: string;
  seed: number;
  startedAt: string;
  seconds: number;
  tasks: TaskResult[];
}

export function taskChart(task: TaskResult): Promise<string> {
  const series = (pick: (e: ArmResult['epochs'][number]) => number): Array<{ name: string; values: number[] }> =>
    task.arms.map((a) => ({ name: a.arm, values: a.epochs.map(pick) }));
  return lineChart(task.title, 'epoch', [
    { title: 'train loss', yLabel: 'cross-entropy', series: series((e) => e.trainLoss), logY: true },
    { title: 'test accuracy', yLabel: 'accuracy', series: series((e) => e.testAccuracy) },
  ]);
}

function fmt(v: number | null, digits = 4): string {
  return v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

/** Std of activations and gradients against depth, at initialization, one line per arm. */
export function initChart(task: TaskResult): Promise<string> {
  const panels = [
    {
      title: 'activation std (forward)',
      yLabel: 'std',
      series: task.arms.map((a) => ({ name: a.arm, values: a.initSignal.activationStd })),
      logY: true,
    },
    {
      title: 'activation std, predicted (predictSignal, no data)',
      yLabel: 'std',
      series: task.arms.map((a) => ({ name: a.arm, values: a.initSignal.predictedStd })),
      logY: true,
    },
    {
      title: 'gradient std w.r.t. pre-activation (backward)',
      yLabel: 'std',
      series: task.arms.map((a) => ({ name: a.arm, values: a.initSignal.gradientStd })),
      logY: true,
    },
  ];
  // leave out a panel with nothing to draw (e.g. no gradients without labels)
  const drawable = panels.filter((p) => p.series.some((s) => s.values.some((v) => Number.isFinite(v) && v > 0)));
  return lineChart(`${task.title}: signal at initialization`, 'kernel layer (depth)', drawable);
}

/** A markdown summary table for one task. */
export function summaryTable(task: TaskResult): string {
  const rows = task.arms.map(
    (a) =>
      `| ${a.arm}${a.arm === task.best ? ' (best)' : ''}${a.diverged ? ' (NaN)' : ''} | ${fmt(a.finalTrainLoss)} | ${(a.testAccuracy * 100).toFixed(2)}% | ${a.stepsToTarget ?? 'not reached'} | ${a.buildSeconds.toFixed(2)} | ${a.seconds.toFixed(1)} |`,
  );
  return [
    '| arm | final train loss | test accuracy | steps to target loss | build seconds | train seconds |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

export function markdownReport(results: CompareResults): string {
  const lines = [
    '# Initializer comparison',
    '',
    `Command: \`${results.command}\`  `,
    `Backend: ${results.backend}; seed ${results.seed}; ${results.seconds.toFixed(0)} s in all; started ${results.startedAt}.`,
    '',
  ];
  for (const t of results.tasks) {
    lines.push(
      `## ${t.title}`,
      '',
      `${t.trainSize} training / ${t.testSize} test examples, ${t.batchesPerEpoch} steps per epoch. Target loss: see results.json.`,
      '',
    );
    lines.push(
      summaryTable(t),
      '',
      `![${t.task}](${t.chart})`,
      '',
      `Signal at initialization (std per layer, forward and backward): ![${t.task} at init](${t.initChart})`,
      '',
    );
    const flagged = t.arms.filter((a) => a.initSignal.vanishing + a.initSignal.exploding > 0);
    if (flagged.length)
      lines.push(
        `Flagged at init (a layer's std beyond 1e-3 / 1e3 of the first layer's): ${flagged.map((a) => `${a.arm} (${a.initSignal.vanishing} vanishing, ${a.initSignal.exploding} exploding)`).join(', ')}.`,
        '',
      );
    if (t.savedModel) {
      lines.push(
        `Best arm (${t.best}) saved to \`${t.savedModel.path}\` with \`model.save('file://...')\`, loaded back with \`tf.loadLayersModel\`: predictions on the test set ${t.savedModel.reloadedPredictionsIdentical ? 'identical' : `differ (max |diff| ${t.savedModel.maxAbsDifference})`}.`,
        '',
      );
    }
    lines.push('Arms:', '', ...t.arms.map((a) => `- \`${a.arm}\`: ${a.description}`), '');
  }
  return lines.join('\n');
}
