/** Minimal SVG line charts (no dependencies): one panel per metric, one line per series. */

export interface Series {
  name: string;
  /** y per x = 1, 2, ... (null for a missing point) */
  values: Array<number | null>;
}

export interface Panel {
  title: string;
  yLabel: string;
  series: Series[];
  logY?: boolean;
}

const COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (lo === hi) return [lo];
  const step = (hi - lo) / (count - 1);
  return Array.from({ length: count }, (_, i) => lo + i * step);
}

function formatTick(v: number, log: boolean): string {
  const value = log ? 10 ** v : v;
  if (value !== 0 && (Math.abs(value) < 1e-2 || Math.abs(value) >= 1e4)) return value.toExponential(0);
  return Number(value.toPrecision(3)).toString();
}

/** Renders panels side by side with a shared legend; xLabel names the x axis. */
export function lineChart(title: string, xLabel: string, panels: Panel[]): string {
  const pw = 420;
  const ph = 280;
  const m = { l: 74, r: 16, t: 40, b: 44 };
  const legendH = 22 * Math.ceil((panels[0]?.series.length ?? 0) / 3) + 10;
  const width = panels.length * (pw + m.l + m.r);
  const height = ph + m.t + m.b + legendH + 46;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  panels.forEach((panel, p) => {
    const ox = p * (pw + m.l + m.r) + m.l;
    const oy = 30 + m.t;
    const tr = (v: number): number => (panel.logY ? Math.log10(Math.max(v, 1e-30)) : v);
    // On a log axis, zeros and negatives have no place: they are left out like missing points.
    const usable = (v: number | null): v is number => v !== null && Number.isFinite(v) && (!panel.logY || v > 0);
    const ys = panel.series.flatMap((s) => s.values.filter(usable).map(tr));
    const n = Math.max(1, ...panel.series.map((s) => s.values.length));
    let lo = ys.length ? Math.min(...ys) : 0;
    let hi = ys.length ? Math.max(...ys) : 1;
    if (hi - lo < 1e-12) {
      lo -= 0.5;
      hi += 0.5;
    }
    const px = (i: number): number => ox + (n === 1 ? pw / 2 : (i / (n - 1)) * pw);
    const py = (v: number): number => oy + ph - ((tr(v) - lo) / (hi - lo)) * ph;
    parts.push(
      `<text x="${ox + pw / 2}" y="${oy - 10}" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`,
    );
    parts.push(`<rect x="${ox}" y="${oy}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    for (const t of niceTicks(lo, hi)) {
      const y = oy + ph - ((t - lo) / (hi - lo)) * ph;
      parts.push(
        `<line x1="${ox}" x2="${ox + pw}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${ox - 6}" y="${y + 4}" text-anchor="end">${formatTick(t, panel.logY === true)}</text>`,
      );
    }
    for (let i = 0; i < n; i++) {
      if (n > 12 && i % Math.ceil(n / 10) !== 0 && i !== n - 1) continue;
      parts.push(`<text x="${px(i)}" y="${oy + ph + 16}" text-anchor="middle">${i + 1}</text>`);
    }
    parts.push(`<text x="${ox + pw / 2}" y="${oy + ph + 34}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
    parts.push(
      `<text transform="translate(${ox - 62},${oy + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(panel.yLabel)}${panel.logY ? ' (log)' : ''}</text>`,
    );
    panel.series.forEach((s, k) => {
      const pts = s.values
        .map((v, i) => (usable(v) ? `${px(i).toFixed(1)},${py(v).toFixed(1)}` : null))
        .filter((q): q is string => q !== null);
      const color = COLORS[k % COLORS.length];
      if (pts.length > 1)
        parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
      for (const q of pts) {
        const [x, y] = q.split(',');
        parts.push(`<circle cx="${x}" cy="${y}" r="2.5" fill="${color}"/>`);
      }
    });
  });
  const series = panels[0]?.series ?? [];
  series.forEach((s, k) => {
    const x = 20 + (k % 3) * 300;
    const y = height - legendH + 12 + 22 * Math.floor(k / 3);
    parts.push(
      `<rect x="${x}" y="${y - 9}" width="14" height="4" fill="${COLORS[k % COLORS.length]}"/><text x="${x + 20}" y="${y - 3}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
