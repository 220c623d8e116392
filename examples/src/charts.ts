/**
 * Chart definitions, as Vega-Lite specs: one function per figure, shared by the CLI report (rendered to SVG in
 * Node by svg.ts) and the Init Lab page (rendered in the browser). Pure data in, spec out; no rendering here.
 */
import type { TopLevelSpec } from 'vega-lite';

/** One line of a panel. */
interface Series {
  /** Legend entry. */
  name: string;
  /** y per x = 1, 2, ... (null or non-finite: a missing point). */
  values: Array<number | null>;
  /** Drawn dashed (e.g. a prediction next to a measurement; give it the measurement's name to share its colour). */
  dashed?: boolean;
  /** A shaded band around the line, [lower, upper] per x (e.g. a 95% interval over seeds; null: none there). */
  band?: Array<[number, number] | null>;
}

/** One panel: a titled plot of several series against x = 1, 2, ... */
export interface Panel {
  title: string;
  yLabel: string;
  series: Series[];
  /** Log-scale y (non-positive values are left out). */
  logY?: boolean;
  /** Shaded bands: below `below` (vanishing) and above `above` (exploding). */
  bands?: { below: number; above: number };
  /** The x of each index (default 1, 2, ...); the legend then keeps the series' order. */
  x?: readonly number[];
}

/** One point per entry with its interval as an error bar (e.g. each arm's mean accuracy over seeds). */
export interface IntervalPanel {
  kind: 'intervals';
  title: string;
  yLabel: string;
  rows: Array<{ name: string; mean: number; lower: number; upper: number }>;
}

const PANEL_WIDTH = 340;
const PANEL_HEIGHT = 220;

type Layer = Record<string, unknown>;

function panelLayers(
  panel: Panel,
  xLabel: string,
): { layer: Layer[]; title: string | { text: string; subtitle: string } } {
  const rows = panel.series.flatMap((s) =>
    s.values.flatMap((v, i) =>
      v !== null && Number.isFinite(v) && (!panel.logY || v > 0)
        ? [{ series: s.name, x: panel.x?.[i] ?? i + 1, y: v, style: s.dashed ? 'predicted' : 'measured' }]
        : [],
    ),
  );
  const ys = rows.map((r) => r.y);
  const xs = rows.map((r) => r.x);
  // the x axis ends at the data (vega-lite's nice rounding would run a 30-layer net's axis to 35)
  const xScale = xs.length > 1 ? { domain: [Math.min(...xs), Math.max(...xs)], nice: false, zero: false } : {};
  const scale: Record<string, unknown> = panel.logY ? { type: 'log' } : { zero: false };
  const bandRows = panel.series.flatMap((s) =>
    (s.band ?? []).flatMap((b, i) =>
      b !== null && b.every(Number.isFinite) && (!panel.logY || b[0] > 0)
        ? [{ series: s.name, x: panel.x?.[i] ?? i + 1, lo: b[0], hi: b[1] }]
        : [],
    ),
  );
  if (panel.logY && !panel.bands && ys.length) {
    // a log axis spans the data (and its bands), not whole decades: a loss from 2.3 to 1.7 fills the panel
    const all = [...ys, ...bandRows.flatMap((b) => [b.lo, b.hi])];
    Object.assign(scale, { domain: [Math.min(...all) / 1.05, Math.max(...all) * 1.05], nice: false });
  }

  // series in the order given (widths 64, 128, ..., not sorted as text), where the panel places its own x
  const order = panel.x ? { scale: { domain: panel.series.map((s) => s.name) } } : {};
  const layer: Layer[] = [];
  if (panel.bands && panel.logY && ys.length) {
    // the visible y range, widened to show the band edges; bands are clipped to it
    const lo = Math.min(...ys, panel.bands.below) / 3;
    const hi = Math.max(...ys, panel.bands.above) * 3;
    scale.domain = [lo, hi];
    const bands = [
      { from: lo, to: panel.bands.below, label: 'vanishing' },
      { from: panel.bands.above, to: hi, label: 'exploding' },
    ];
    layer.push({
      data: { values: bands },
      mark: { type: 'rect', color: '#d62728', opacity: 0.08 },
      encoding: { y: { field: 'from', type: 'quantitative', scale }, y2: { field: 'to' } },
    });
    layer.push({
      data: { values: bands },
      mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, color: '#a33', fontSize: 10 },
      encoding: {
        x: { value: 0 },
        y: { field: 'mid', type: 'quantitative', scale },
        text: { field: 'label' },
      },
      transform: [{ calculate: 'sqrt(datum.from * datum.to)', as: 'mid' }],
    });
  }
  if (bandRows.length)
    layer.push({
      data: { values: bandRows },
      mark: { type: 'area', opacity: 0.15 },
      encoding: {
        x: { field: 'x', type: 'quantitative', scale: xScale },
        y: { field: 'lo', type: 'quantitative', scale },
        y2: { field: 'hi' },
        color: { field: 'series', type: 'nominal', title: null, ...order },
      },
    });
  layer.push({
    data: { values: rows },
    mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.6 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xLabel, axis: { tickMinStep: 1 }, scale: xScale },
      y: { field: 'y', type: 'quantitative', title: panel.yLabel, scale },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2 }, ...order },
      detail: { field: 'style', type: 'nominal' },
      strokeDash: {
        field: 'style',
        type: 'nominal',
        title: null,
        scale: {
          domain: ['measured', 'predicted'],
          range: [
            [1, 0],
            [5, 3],
          ],
        },
        legend: null, // the title says which lines are dashed
      },
      tooltip: [
        { field: 'series', type: 'nominal' },
        { field: 'x', type: 'quantitative', title: xLabel },
        { field: 'y', type: 'quantitative', format: '.4~g', title: panel.yLabel },
      ],
    },
  });
  const dashed = panel.series.find((x) => x.dashed);
  return { layer, title: dashed ? { text: panel.title, subtitle: 'dashed: predicted' } : panel.title };
}

/** Points with error bars, one per row, coloured and labelled by name. */
function intervalLayers(panel: IntervalPanel): { layer: Layer[]; title: string } {
  const rows = panel.rows.filter((r) => Number.isFinite(r.mean));
  const x = { field: 'name', type: 'nominal', title: null, sort: null, axis: { labelAngle: -40 } };
  const color = { field: 'name', type: 'nominal', title: null, legend: null };
  return {
    title: panel.title,
    layer: [
      {
        data: { values: rows.filter((r) => Number.isFinite(r.lower) && Number.isFinite(r.upper)) },
        mark: { type: 'errorbar', ticks: true },
        encoding: {
          x,
          y: { field: 'lower', type: 'quantitative', scale: { zero: false }, title: panel.yLabel },
          y2: { field: 'upper' },
          color,
        },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, size: 50 },
        encoding: {
          x,
          y: { field: 'mean', type: 'quantitative', scale: { zero: false }, title: panel.yLabel },
          color,
          tooltip: [
            { field: 'name', type: 'nominal' },
            { field: 'mean', type: 'quantitative', format: '.4~g' },
            { field: 'lower', type: 'quantitative', format: '.4~g' },
            { field: 'upper', type: 'quantitative', format: '.4~g' },
          ],
        },
      },
    ],
  };
}

/**
 * Panels side by side, sharing the x label: line panels (signal against depth, loss against steps, with bands)
 * and interval panels (a mean and its interval per arm).
 */
export function lineChartSpec(
  title: string,
  xLabel: string,
  panels: Array<Panel | IntervalPanel>,
  width = PANEL_WIDTH,
): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, anchor: 'start' },
    background: 'white',
    hconcat: panels.map((p) => ({
      ...('kind' in p ? intervalLayers(p) : panelLayers(p, xLabel)),
      width,
      height: PANEL_HEIGHT,
    })),
    resolve: { scale: { color: 'independent', strokeDash: 'independent' } },
    config: { font: 'sans-serif', view: { stroke: '#ccc' } },
  } as unknown as TopLevelSpec; // built from plain objects; vega-lite's compile checks it, and the tests render it
}

/** Binned weights of one or more samples (density scale), with a target density drawn over them. */
export interface Histogram {
  title: string;
  /** Each sample's values (e.g. one layer's kernel under two arms). */
  samples: Array<{ name: string; values: ArrayLike<number> }>;
  /** The target density, sampled on a grid. */
  target: { name: string; x: number[]; density: number[] };
  /** Bin edges span [-range, range]. */
  range: number;
  bins?: number;
}

/** Counts per bin, as a density (count / (n * bin width)): pure, so the page and tests can read it. */
export function binDensity(values: ArrayLike<number>, range: number, bins: number): number[] {
  const width = (2 * range) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const b = Math.floor((values[i] + range) / width);
    if (b >= 0 && b < bins) counts[b]++;
  }
  return counts.map((c) => c / (values.length * width));
}

/** A histogram of weights against the density they should follow. */
export function histogramSpec(h: Histogram, width = PANEL_WIDTH): TopLevelSpec {
  const bins = h.bins ?? 40;
  const step = (2 * h.range) / bins;
  const bars = h.samples.flatMap((s) =>
    binDensity(s.values, h.range, bins).map((d, b) => ({
      sample: s.name,
      x0: -h.range + b * step,
      x1: -h.range + (b + 1) * step,
      density: d,
    })),
  );
  const curve = h.target.x.map((x, i) => ({ x, density: h.target.density[i], name: h.target.name }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: h.title, anchor: 'start' },
    background: 'white',
    width,
    height: PANEL_HEIGHT,
    layer: [
      {
        data: { values: bars },
        mark: { type: 'rect', opacity: 0.45 },
        encoding: {
          x: { field: 'x0', type: 'quantitative', title: 'weight' },
          x2: { field: 'x1' },
          y: { field: 'density', type: 'quantitative', title: 'density' },
          color: { field: 'sample', type: 'nominal', title: null, legend: { orient: 'bottom' } },
        },
      },
      {
        data: { values: curve },
        mark: { type: 'line', color: 'black', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'density', type: 'quantitative' },
          strokeDash: {
            field: 'name',
            type: 'nominal',
            title: null,
            legend: { orient: 'bottom', symbolType: 'stroke' },
          },
        },
      },
    ],
    config: { font: 'sans-serif', view: { stroke: '#ccc' } },
  } as TopLevelSpec;
}
