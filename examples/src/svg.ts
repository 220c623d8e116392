/** Charts as SVG files in Node: the Vega-Lite specs of charts.ts, rendered by Vega's headless view. */
import * as vega from 'vega';
import { compile, TopLevelSpec } from 'vega-lite';
import { IntervalPanel, Panel, lineChartSpec } from './charts';

export type { IntervalPanel, Panel } from './charts';

/** Renders a Vega-Lite spec to an SVG document (no browser, no canvas). */
async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One panel per metric (lines per series, or points with intervals), as an SVG document. */
export function lineChart(title: string, xLabel: string, panels: Array<Panel | IntervalPanel>): Promise<string> {
  return renderSvg(lineChartSpec(title, xLabel, panels));
}
