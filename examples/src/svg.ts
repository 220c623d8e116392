/** Charts as SVG files in Node: the Vega-Lite specs of charts.ts, rendered by Vega's headless view. */
import * as vega from 'vega';
import { compile, TopLevelSpec } from 'vega-lite';
import { Panel, lineChartSpec } from './charts';

export type { Panel } from './charts';

/** Renders a Vega-Lite spec to an SVG document (no browser, no canvas). */
async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One panel per metric, one line per series, as an SVG document. */
export function lineChart(title: string, xLabel: string, panels: Panel[]): Promise<string> {
  return renderSvg(lineChartSpec(title, xLabel, panels));
}
