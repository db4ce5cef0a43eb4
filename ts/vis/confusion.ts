/**
 * A confusion matrix as a heatmap on a canvas: rows are true classes, columns predicted ones,
 * each cell shaded by its share of its row (so a rare class's errors are as visible as a common
 * one's) and labelled with its count. Drawing only: the counts come from elsewhere.
 */
import { KnobsError } from '../errors.js';

export interface ConfusionMatrixOptions {
  /** Class names along both axes (default 0, 1, …). */
  labels?: readonly string[];
  /** CSS pixels per cell. Default 30. */
  cellSize?: number;
}

/** counts[t][p]: how many samples of true class t were predicted p. Accepts nested arrays or { data, shape: [k, k] }. */
export function drawConfusionMatrix(canvas: HTMLCanvasElement, counts: readonly (readonly number[])[] | { data: ArrayLike<number>; shape: readonly number[] }, opts: ConfusionMatrixOptions = {}): void {
  const op = 'drawConfusionMatrix';
  let k: number;
  let at: (t: number, p: number) => number;
  if (Array.isArray(counts)) {
    k = counts.length;
    if (!counts.every((r) => Array.isArray(r) && r.length === k)) throw new KnobsError(`${op}: counts must be a square matrix (${k} rows, row lengths ${counts.map((r) => (r as unknown[]).length).join(', ')})`);
    at = (t, p) => counts[t][p];
  } else {
    const c = counts as { data: ArrayLike<number>; shape: readonly number[] };
    if (c.shape.length !== 2 || c.shape[0] !== c.shape[1] || c.data.length !== c.shape[0] * c.shape[1]) throw new KnobsError(`${op}: counts must have shape [k, k] and k·k values, got shape [${c.shape.join(', ')}] with ${c.data.length} values`);
    k = c.shape[0];
    at = (t, p) => c.data[t * k + p];
  }
  const labels = opts.labels ?? Array.from({ length: k }, (_, i) => String(i));
  if (labels.length !== k) throw new KnobsError(`${op}: ${labels.length} labels for ${k} classes`);
  const cell = opts.cellSize ?? 30;
  const margin = 34;
  const dpr = (globalThis as { devicePixelRatio?: number }).devicePixelRatio ?? 1;
  const cssW = margin + k * cell, cssH = margin + k * cell;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  canvas.style.width = `${cssW}px`;
  canvas.style.maxWidth = '100%';
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.font = `${Math.max(9, Math.round(cell * 0.36))}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = '#667085';
  ctx.fillText('predicted →', margin + (k * cell) / 2, 8);
  ctx.save();
  ctx.translate(8, margin + (k * cell) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('true →', 0, 0);
  ctx.restore();
  for (let i = 0; i < k; i++) {
    ctx.fillText(labels[i], margin + i * cell + cell / 2, margin - 10);
    ctx.fillText(labels[i], margin - 10, margin + i * cell + cell / 2);
  }
  for (let t = 0; t < k; t++) {
    let row = 0;
    for (let p = 0; p < k; p++) row += at(t, p);
    for (let p = 0; p < k; p++) {
      const n = at(t, p);
      const share = row > 0 ? n / row : 0;
      // Diagonal in green, errors in red: the two are different questions.
      const [r, g, b] = t === p ? [18, 128, 92] : [196, 50, 10];
      ctx.fillStyle = `rgba(${r}, ${g}, ${b}, ${n === 0 ? 0.03 : 0.12 + 0.88 * share})`;
      ctx.fillRect(margin + p * cell, margin + t * cell, cell - 1, cell - 1);
      if (n > 0) {
        ctx.fillStyle = share > 0.5 ? '#fff' : '#1d2433';
        ctx.fillText(String(n), margin + p * cell + cell / 2, margin + t * cell + cell / 2);
      }
    }
  }
}
