/**
 * A training report as one self-contained HTML file: the curves as inline SVG (no scripts, no
 * fonts, no network), so it opens anywhere, is diffable text, and can be attached to a run.
 * Platform-neutral string building; fit's `report` option writes it in Node (train/report.ts).
 *
 * Losses and accuracy-like metrics get separate panels: on one axis an accuracy of 0.97 against a
 * loss of 2.3 is a flat line at the top, and the train/test gap is invisible.
 */

/** One curve: points [x, y] in order of x. */
export interface ReportSeries {
  name: string;
  points: [number, number][];
  /** Drawn as dots (one value per epoch) rather than a line. */
  dots?: boolean;
}

export interface ReportPanel {
  title: string;
  /** Fixed y range; default: from the data (losses start at 0). */
  yRange?: [number, number];
  series: ReportSeries[];
}

export interface ReportData {
  title: string;
  /** Label of the x axis shared by the panels ('epoch', 'step'). */
  xLabel: string;
  panels: ReportPanel[];
  /** Rows of a table under the panels: epoch logs. */
  table?: { columns: string[]; rows: (string | number)[][] };
  /** Free text lines (stop reason, time). */
  notes?: string[];
}

const COLORS = ['#c4320a', '#2563eb', '#12805c', '#7c3aed', '#b54708', '#0e7490', '#be185d', '#4d7c0f'];
const W = 720, H = 260, PAD = { l: 56, r: 16, t: 28, b: 36 };

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Short, round tick values for [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const fmt = (v: number): string => (Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(Number(v.toPrecision(4))));

/**
 * Keeps a long curve drawable: at most `max` points, every bucket's mean (a per-batch loss curve of
 * 100 000 steps would be megabytes of SVG and unreadable noise).
 */
export function downsample(points: [number, number][], max = 1000): [number, number][] {
  if (points.length <= max) return points;
  const out: [number, number][] = [];
  const per = points.length / max;
  for (let b = 0; b < max; b++) {
    const from = Math.floor(b * per), to = Math.floor((b + 1) * per);
    let sx = 0, sy = 0;
    for (let i = from; i < to; i++) (sx += points[i][0]), (sy += points[i][1]);
    out.push([sx / (to - from), sy / (to - from)]);
  }
  return out;
}

function panelSvg(panel: ReportPanel, xLabel: string, xRange: [number, number]): string {
  const finite = panel.series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  let [y0, y1] = panel.yRange ?? [Math.min(0, ...finite.map((p) => p[1])), Math.max(...finite.map((p) => p[1]))];
  if (!Number.isFinite(y1)) y1 = 1;
  if (!(y1 > y0)) y1 = y0 + 1;
  const [x0, x1] = xRange[1] > xRange[0] ? xRange : [xRange[0], xRange[0] + 1];
  const px = (x: number) => PAD.l + ((x - x0) / (x1 - x0)) * (W - PAD.l - PAD.r);
  const py = (y: number) => H - PAD.b - ((y - y0) / (y1 - y0)) * (H - PAD.t - PAD.b);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(panel.title)}">`];
  parts.push(`<text x="${PAD.l}" y="18" font-weight="600">${esc(panel.title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#eaecf0"/>`);
    parts.push(`<text x="${PAD.l - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end" fill="#667085">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 8)) parts.push(`<text x="${px(t).toFixed(1)}" y="${H - PAD.b + 16}" text-anchor="middle" fill="#667085">${fmt(t)}</text>`);
  parts.push(`<text x="${(W + PAD.l) / 2}" y="${H - 4}" text-anchor="middle" fill="#667085">${esc(xLabel)}</text>`);
  parts.push(`<rect x="${PAD.l}" y="${PAD.t}" width="${W - PAD.l - PAD.r}" height="${H - PAD.t - PAD.b}" fill="none" stroke="#d0d5dd"/>`);
  let legendX = PAD.l + 8 + panel.title.length * 8;
  panel.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = downsample(s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
    const last = pts.at(-1);
    const label = `${s.name}${last ? ` ${fmt(last[1])}` : ''}`;
    parts.push(`<g class="series" data-name="${esc(s.name)}" data-points="${pts.length}">`);
    if (s.dots || pts.length === 1) for (const [x, y] of pts) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${color}"/>`);
    if (!s.dots && pts.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    if (s.dots && pts.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1" stroke-dasharray="3 3" points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    parts.push(`<rect x="${legendX}" y="10" width="10" height="10" fill="${color}"/><text x="${legendX + 14}" y="19">${esc(label)}</text></g>`);
    legendX += 24 + label.length * 7;
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The whole HTML document. */
export function renderReport(data: ReportData): string {
  const xs = data.panels.flatMap((p) => p.series.flatMap((s) => s.points.map((q) => q[0]))).filter(Number.isFinite);
  const xRange: [number, number] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const table = data.table
    ? `<table><thead><tr>${data.table.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${data.table.rows
        .map((r) => `<tr>${r.map((v) => `<td>${typeof v === 'number' ? fmt(v) : esc(v)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(data.title)}</title>
<style>body{font:13px/1.4 system-ui,sans-serif;color:#1d2433;margin:20px}svg{max-width:100%;height:auto;display:block;margin:12px 0;font:12px system-ui,sans-serif}table{border-collapse:collapse;font-variant-numeric:tabular-nums}td,th{border:1px solid #d0d5dd;padding:2px 8px;text-align:right}p{color:#667085;margin:4px 0}</style>
</head><body><h1 style="font-size:18px">${esc(data.title)}</h1>
${(data.notes ?? []).map((n) => `<p>${esc(n)}</p>`).join('\n')}
${data.panels.map((p) => panelSvg(p, data.xLabel, xRange)).join('\n')}
${table}
</body></html>
`;
}
