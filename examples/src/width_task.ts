/**
 * `tfjs-init compare --task width`: runs the width grid (width.ts) on the job pool and writes width.md,
 * width.json and width.svg (Tensor Programs V's Figure 1: training loss against log2 learning rate, one curve per
 * width, the standard parametrization and μP side by side).
 */
import * as path from 'node:path';
import { Panel } from './charts';
import { runJobs } from './pool';
import { jobProgress } from './progress';
import { lineChart } from './svg';
import { WIDTH_TASK, WidthJob, WidthResult, WidthSummary, planWidthJobs, summarizeWidth } from './width';

type WriteAtomic = (file: string, text: string) => Promise<void>;

export interface WidthOptions {
  seeds?: number;
  seed: number;
  limit?: number;
  workers: number;
  backend: string;
  out: string;
  command: string;
  quiet: boolean;
  /** training steps per run (default WIDTH_TASK.steps) */
  steps?: number;
}

export interface WidthResults {
  command: string;
  backend: string;
  workers: number;
  seeds: number[];
  steps: number;
  startedAt: string;
  seconds: number;
  runs: WidthResult[];
  summary: WidthSummary[];
  chart: string;
}

const NAMES = { sp: 'standard parametrization', mup: 'μP' } as const;

/** The figure's panels: training loss against log2 learning rate, a curve per width, one per parametrization. */
function widthPanels(summary: readonly WidthSummary[], steps: number): Panel[] {
  return summary.map((s) => ({
    title: `${NAMES[s.parametrization]}${s.parametrization === 'mup' ? ` (base width ${WIDTH_TASK.baseWidth})` : ''}`,
    yLabel: `training loss after ${steps} steps`,
    logY: true,
    x: WIDTH_TASK.log2LearningRates,
    series: s.curves.map((c) => ({
      name: `width ${c.width}`,
      values: c.loss.map((l) => (l ? l.mean : null)),
      band: c.loss.map((l): [number, number] | null => (l ? [l.lower, l.upper] : null)),
    })),
  }));
}

const grid = (x: number): string => `2^${x}`;

/** The report: the optimum per width under each parametrization, how far it moves, and the verdict. */
function widthMarkdown(results: WidthResults): string {
  const lines = [
    `# ${WIDTH_TASK.title}`,
    '',
    `\`${results.command}\`; backend ${results.backend}, ${results.workers} worker(s); seeds ${results.seeds.join(', ')}; ` +
      `${results.steps} Adam steps of batch ${WIDTH_TASK.batchSize}; training loss on the first ` +
      `${WIDTH_TASK.evalExamples} training digits; ${results.seconds.toFixed(0)} s.`,
    '',
    '![training loss against learning rate](width.svg)',
    '',
    '| width | SP: best log2 lr | SP: loss there | SP: resolved | SP: at the base optimum | ' +
      'μP: best log2 lr | μP: loss there | μP: resolved | μP: at the base optimum |',
    '|---:|---:|---:|---|---:|---:|---:|---|---:|',
  ];
  const [sp, mu] = ['sp', 'mup'].map((p) => results.summary.find((s) => s.parametrization === p) as WidthSummary);
  sp.curves.forEach((c, i) => {
    const m = mu.curves[i];
    const cell = (x: { mean: number; lower: number; upper: number }): string =>
      `${x.mean.toFixed(4)} [${x.lower.toFixed(4)}, ${x.upper.toFixed(4)}]`;
    const resolved = (x: WidthSummary['curves'][number]): string => (x.resolved ? 'yes' : 'no');
    const penalty = (s: WidthSummary): string => `${s.transferPenalty[i].toFixed(2)}x`;
    lines.push(
      `| ${c.width} | ${c.bestLog2LearningRate} | ${cell(c.best)} | ${resolved(c)} | ${penalty(sp)} | ` +
        `${m.bestLog2LearningRate} | ${cell(m.best)} | ${resolved(m)} | ${penalty(mu)} |`,
    );
  });
  lines.push('');
  for (const s of [sp, mu]) {
    const first = s.curves[0];
    const last = s.curves[s.curves.length - 1];
    lines.push(
      `- ${NAMES[s.parametrization]}: the optimum moves from ${grid(first.bestLog2LearningRate)} (width ${first.width}) ` +
        `to ${grid(last.bestLog2LearningRate)} (width ${last.width}), ${Math.abs(s.shift)} grid step(s); ` +
        `largest spread over widths ${s.spread}; the widest model ${s.widerIsBetter ? 'is' : 'is not'} the best, ` +
        'at its optimum and at the narrowest model’s.',
    );
  }
  lines.push(
    '',
    '95% intervals over seeds (t distribution). At the base optimum: the loss at the narrowest model’s best rate ' +
      'over the loss at this width’s own best (1.00x: the tuned rate transfers). Resolved: both neighbouring grid points are worse than the optimum, ' +
      'paired by seed (the 95% interval of the difference above 0). μP starts its readout at 0, so even at the base ' +
      'width its runs differ from SP’s.',
  );
  return `${lines.join('\n')}\n`;
}

/** Runs the width task and writes its report. */
export async function widthTransfer(options: WidthOptions, writeAtomic: WriteAtomic): Promise<WidthResults> {
  const started = Date.now();
  const seeds = options.seeds ?? WIDTH_TASK.seeds;
  const jobs = planWidthJobs({ seeds, seed: options.seed, limit: options.limit, steps: options.steps });
  const steps = jobs[0].steps;
  const describe = (job: WidthJob): string =>
    `${job.parametrization} / width ${job.width} / lr 2^${job.log2LearningRate} / seed ${job.seed}`;
  const progress = jobProgress(jobs, () => steps, describe, options.quiet);
  const runs = await runJobs(jobs, {
    workers: options.workers,
    backend: options.backend,
    onSteps: progress.onSteps,
    onDone: progress.onDone,
  });
  progress.finish();
  const summary = summarizeWidth(runs);
  const results: WidthResults = {
    command: options.command,
    backend: options.backend,
    workers: options.workers,
    seeds: Array.from({ length: seeds }, (_, i) => options.seed + i),
    steps,
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    runs,
    summary,
    chart: 'width.svg',
  };
  await writeWidthReport(results, options.out, writeAtomic);
  return results;
}

/** Writes width.svg, width.json and width.md for `results` into `out`. */
async function writeWidthReport(results: WidthResults, out: string, writeAtomic: WriteAtomic): Promise<void> {
  await writeAtomic(
    path.join(out, 'width.svg'),
    await lineChart(WIDTH_TASK.title, 'log2 learning rate (Adam)', widthPanels(results.summary, results.steps)),
  );
  await writeAtomic(path.join(out, 'width.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeAtomic(path.join(out, 'width.md'), widthMarkdown(results));
}
