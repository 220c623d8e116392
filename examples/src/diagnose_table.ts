/** The per-layer table `tfjs-init diagnose` prints and the Init Lab shows: one column definition each. */
import type { SignalReport } from 'tfjs-initializers';

type Row = SignalReport['layers'][number];

/** A column: its header and its cell text for one row. */
export interface Column {
  header: string;
  /** Right-aligned (numbers). */
  numeric: boolean;
  cell(row: Row): string;
}

const num = (v: number | null): string => (v === null || !Number.isFinite(v) ? '-' : v.toPrecision(4));

/** The columns, in order. */
export const DIAGNOSE_COLUMNS: readonly Column[] = [
  { header: 'depth', numeric: true, cell: (r) => String(r.depth) },
  { header: 'layer', numeric: false, cell: (r) => r.layer },
  { header: 'activation after', numeric: false, cell: (r) => r.activation },
  { header: 'pre-activation std', numeric: true, cell: (r) => num(r.preStd) },
  { header: 'activation std', numeric: true, cell: (r) => num(r.postStd) },
  { header: 'predicted activation std', numeric: true, cell: (r) => num(r.predictedStd) },
  { header: 'gradient std', numeric: true, cell: (r) => num(r.gradPreStd) },
  { header: 'flags', numeric: false, cell: (r) => r.flags.join(', ') },
];

/** The table as markdown lines. */
export function markdownTable(report: SignalReport): string[] {
  return [
    `| ${DIAGNOSE_COLUMNS.map((c) => c.header).join(' | ')} |`,
    `|${DIAGNOSE_COLUMNS.map((c) => (c.numeric ? '---:' : '---')).join('|')}|`,
    ...report.layers.map((r) => `| ${DIAGNOSE_COLUMNS.map((c) => c.cell(r)).join(' | ')} |`),
  ];
}
