export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Text after the value (e.g. "12.3× N"). */
  readonly note?: string;
  readonly color?: string;
}

export interface BarGroup {
  /** Group heading (e.g. a rate); bars of a group are drawn together. */
  readonly title?: string;
  readonly bars: readonly Bar[];
}

export interface BarChart {
  readonly title: string;
  readonly subtitle?: string;
  /** Unit written after each value. */
  readonly unit: string;
  readonly groups: readonly BarGroup[];
  readonly width?: number;
  /** `log`: bar length by log10 of the value, with a grid line at each power of ten (for ranges like 1k…300k). */
  readonly scale?: 'linear' | 'log';
}

export const PALETTE = {
  spr: '#2f6fbf',
  ceiling: '#8aa9c9',
  naive: '#c0504d',
  sweep: '#6fa8dc',
  neutral: '#9e9e9e',
  p50: '#7fb77e',
  p99: '#f0a04b',
  p999: '#c0504d',
} as const;

const BAR_HEIGHT = 22;
const BAR_GAP = 6;
const GROUP_GAP = 14;
const LABEL_WIDTH = 190;
const VALUE_ROOM = 210;

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

const format = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : n < 100 ? 1 : 0 });

/**
 * A horizontal bar chart as a standalone SVG (no external tool, no script): one row per bar, a linear scale from
 * zero (or a log scale), the value written after each bar. Deterministic for the same input.
 */
export function renderBarChart(chart: BarChart): string {
  const width = chart.width ?? 760;
  const plot = width - LABEL_WIDTH - VALUE_ROOM;
  const values = chart.groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => Number.isFinite(v) && v > 0);
  const max = Math.max(1e-9, ...values);
  const log = chart.scale === 'log' && values.length > 0;
  const lo = log ? 10 ** Math.floor(Math.log10(Math.min(...values))) : 0;
  const hi = log ? 10 ** Math.ceil(Math.log10(max)) : max;
  const length = (value: number) =>
    value <= 0
      ? 0
      : log
        ? Math.max(
            1,
            Math.round(((Math.log10(value) - Math.log10(lo)) / Math.max(1e-9, Math.log10(hi) - Math.log10(lo))) * plot),
          )
        : Math.max(1, Math.round((value / max) * plot));
  const top = (chart.subtitle ? 58 : 42) + (log ? 14 : 0);
  const rows: string[] = [];
  let y = top;
  for (const group of chart.groups) {
    if (group.title) {
      rows.push(`<text x="12" y="${y + 13}" class="group">${escapeXml(group.title)}</text>`);
      y += 20;
    }
    for (const bar of group.bars) {
      const w = length(Number.isFinite(bar.value) ? bar.value : 0);
      const text = Number.isFinite(bar.value)
        ? `${format(bar.value)} ${chart.unit}${bar.note ? ` · ${bar.note}` : ''}`
        : 'not measured';
      rows.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" class="label" text-anchor="end">${escapeXml(bar.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${w}" height="${BAR_HEIGHT}" rx="2" fill="${bar.color ?? PALETTE.spr}"/>`,
        `<text x="${LABEL_WIDTH + w + 6}" y="${y + 15}" class="value">${escapeXml(text)}</text>`,
      );
      y += BAR_HEIGHT + BAR_GAP;
    }
    y += GROUP_GAP - BAR_GAP;
  }
  const height = y + 10;
  const grid: string[] = [];
  if (log) {
    for (let tick = lo; tick <= hi * 1.0001; tick *= 10) {
      const x = LABEL_WIDTH + length(tick) - (tick === lo ? 1 : 0);
      grid.push(
        `<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${y - GROUP_GAP + BAR_GAP}" stroke="#e3e3e3"/>`,
        `<text x="${x}" y="${top - 8}" class="tick" text-anchor="middle">${escapeXml(format(tick))}</text>`,
      );
    }
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(chart.title)}">`,
    '<style>text{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;fill:#222}.title{font-size:16px;font-weight:600}.subtitle{font-size:12px;fill:#555}.label{font-size:13px}.value{font-size:12px;fill:#333}.group{font-size:13px;font-weight:600}.tick{font-size:10px;fill:#777}</style>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="24" class="title">${escapeXml(chart.title)}</text>`,
    ...(chart.subtitle ? [`<text x="12" y="42" class="subtitle">${escapeXml(chart.subtitle)}</text>`] : []),
    ...grid,
    `<line x1="${LABEL_WIDTH}" y1="${top - 4}" x2="${LABEL_WIDTH}" y2="${y - GROUP_GAP + BAR_GAP}" stroke="#bbb"/>`,
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}
