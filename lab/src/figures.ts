/**
 * The Lab's figures as Vega-Lite specs, from what experiment.ts measured (pure: no DOM, no rendering). Signals are
 * shown relative to the layer signalPropagation compares them with (activations: layer 1; gradients: the last
 * layer), so the shaded bands sit exactly where the table's flags start.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { SignalReport } from 'tfjs-initializers';
import { Panel, histogramSpec, lineChartSpec } from '../../examples/src/charts';
import { ArmRun, FLAG_RATIO } from './experiment';

const BANDS = { below: 1 / FLAG_RATIO, above: FLAG_RATIO };

/** values / ref, null where either is missing. */
export const relative = (values: Array<number | null>, ref: number | null): Array<number | null> =>
  values.map((v) => (v === null || ref === null || !(ref > 0) ? null : v / ref));

/** Activation std relative to layer 1, measured and predicted (dashed), one colour per named report. */
export function activationChart(
  title: string,
  reports: Array<{ name: string; report: SignalReport }>,
  width: number,
): TopLevelSpec {
  const panel: Panel = {
    title: "activation std / layer 1's (forward)",
    yLabel: 'relative std',
    logY: true,
    bands: BANDS,
    series: reports.flatMap(({ name, report }) => {
      const ref = report.layers[0]?.postStd ?? null;
      return [
        {
          name,
          values: relative(
            report.layers.map((l) => l.postStd),
            ref,
          ),
        },
        {
          name,
          values: relative(
            report.layers.map((l) => l.predictedStd),
            ref,
          ),
          dashed: true,
        },
      ];
    }),
  };
  return lineChartSpec(title, 'layer', [panel], width);
}

/** Gradient std w.r.t. each pre-activation relative to the last layer's, one line per arm. */
export function gradientChart(runs: ArmRun[], width: number): TopLevelSpec {
  const panel: Panel = {
    title: "gradient std / last layer's (backward)",
    yLabel: 'relative std',
    logY: true,
    bands: BANDS,
    series: runs.map((r) => {
      const g = r.report.layers.map((l) => l.gradPreStd);
      return { name: r.arm, values: relative(g, g[g.length - 1]) };
    }),
  };
  return lineChartSpec('Gradients at initialization', 'layer', [panel], width);
}

/** N(0, std^2) on 161 points over [-range, range]. */
export function normalDensity(std: number, range: number): { x: number[]; density: number[] } {
  const x = Array.from({ length: 161 }, (_, i) => -range + (2 * range * i) / 160);
  return { x, density: x.map((v) => Math.exp(-0.5 * (v / std) ** 2) / (std * Math.sqrt(2 * Math.PI))) };
}

/** The chosen kernel under every arm, against the variance-preserving density N(0, g^2 / fanIn), over +-4 std. */
export function kernelHistogram(runs: ArmRun[], width: number): TopLevelSpec {
  const h = runs[0].histogram;
  const range = 4 * h.targetStd;
  return histogramSpec(
    {
      title: `Kernel of ${h.layer} (fanIn ${h.fanIn})`,
      samples: runs.map((r) => ({ name: r.arm, values: r.histogram.values })),
      target: { name: `N(0, (g/√fanIn)²), g = ${h.gain.toFixed(4)}`, ...normalDensity(h.targetStd, range) },
      range,
    },
    width,
  );
}

/** A report without its last row (the network's head), for the activation chart of the Lab's own networks. */
export const hiddenLayers = (report: SignalReport): SignalReport => ({ ...report, layers: report.layers.slice(0, -1) });
