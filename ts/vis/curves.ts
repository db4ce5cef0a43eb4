/**
 * Live training curves on uPlot: a loss panel and an accuracy panel over the optimizer step, fed
 * from trainInWorker's progress events (`onProgress`) or from fit() (`callback()`). Reports are
 * only stored when they arrive; one drawing pass per animation frame shows the latest of them, so
 * a fast stream of reports costs the page almost nothing.
 *
 * Accuracy has its own panel and axis: next to a loss of 2.3 an accuracy of 0.97 is a flat line at
 * the top. By default that axis zooms to [the recent lowest accuracy, 1] (rounded to 0.05) so the
 * gap between train and test accuracy is readable; `accuracyRange: [0, 1]` fixes it.
 *
 * The legends show numbers all the time: the values under the cursor while it is over a panel,
 * otherwise the latest value of every series (uPlot's default shows '--' without a cursor).
 */
import uPlot from 'uplot';
import type { Callback, Logs } from '../train/callbacks.js';
import type { TrainProgress } from '../worker/protocol.js';

export interface TrainingCurvesOptions {
  /** Height of each panel in CSS pixels. Default 220 (loss) and the same for accuracy. */
  height?: number;
  /** 'auto' (default): [recent lowest accuracy rounded down to 0.05, 1]; or a fixed range. */
  accuracyRange?: 'auto' | [number, number];
  /** Shown in place of the panels until the first report arrives. */
  placeholder?: string;
}

type Row = (number | null)[];

/** Series of each panel: [key in the logs, label, colour, drawn as dots]. */
const LOSS_SERIES: [string, string, string, boolean][] = [['loss', 'train loss', '#c4320a', false], ['val_loss', 'test loss', '#7c3aed', true]];
const ACC_SERIES: [string, string, string, boolean][] = [['accuracy', 'train accuracy', '#2563eb', false], ['val_accuracy', 'test accuracy', '#12805c', true]];

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(4));

export class TrainingCurves {
  readonly element: HTMLElement;
  private readonly placeholder: HTMLElement;
  private readonly panels: HTMLElement;
  private readonly x: number[] = [];
  private readonly rows = new Map<string, Row>();
  private readonly loss: uPlot;
  private readonly acc: uPlot;
  private frame = 0;
  private readonly resize: ResizeObserver | null;
  private readonly height: number;
  private readonly accuracyRange: 'auto' | [number, number];
  /** Panels whose data changed since they were last drawn, whose turn is next, and whether any accuracy arrived. */
  private readonly stale = { loss: false, acc: false };
  private turn = 0;
  private hasAcc = false;

  constructor(parent: HTMLElement, opts: TrainingCurvesOptions = {}) {
    this.height = opts.height ?? 220;
    this.accuracyRange = opts.accuracyRange ?? 'auto';
    for (const [k] of [...LOSS_SERIES, ...ACC_SERIES]) this.rows.set(k, []);
    this.element = document.createElement('div');
    this.element.className = 'knobs-curves';
    this.placeholder = document.createElement('p');
    this.placeholder.className = 'knobs-curves-placeholder';
    this.placeholder.textContent = opts.placeholder ?? 'The loss and accuracy curves appear here once training starts.';
    this.panels = document.createElement('div');
    this.panels.hidden = true;
    this.element.append(this.placeholder, this.panels);
    parent.append(this.element);
    this.resize = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => this.fit());
    this.resize?.observe(this.element);
    // Built now, hidden, so the first report of a training only fills them in: creating two
    // plots is the costliest thing this class does (tens of ms), and it should not happen while
    // a page is watching its frame budget.
    this.loss = this.makePanel('loss', LOSS_SERIES, (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1]);
    this.acc = this.makePanel('accuracy', ACC_SERIES, () => this.accRange());
  }

  /** A trainInWorker progress handler: `trainInWorker(spec, data, opts, (p) => curves.onProgress(p))`. */
  onProgress(p: Pick<TrainProgress, 'type' | 'step' | 'logs'>): void {
    if (p.type === 'batch') this.push(p.step, { loss: p.logs.loss, accuracy: p.logs.accuracy });
    else this.push(p.step, { val_loss: p.logs.val_loss, val_accuracy: p.logs.val_accuracy });
  }

  /** A fit() callback: every batch's loss and accuracy, and the validation scores after each epoch. */
  callback(): Callback {
    let step = 0;
    return {
      onBatchEnd: (_b: number, logs: Logs) => this.push(++step, { loss: logs.loss, accuracy: logs.accuracy }),
      onEpochEnd: (_e: number, logs: Logs) => this.push(step, { val_loss: logs.val_loss, val_accuracy: logs.val_accuracy }),
    };
  }

  /** Adds one point at `step`: any of loss, accuracy, val_loss, val_accuracy (others are ignored). */
  push(step: number, values: Partial<Record<string, number>>): void {
    if (!Object.values(values).some((v) => v !== undefined && Number.isFinite(v))) return;
    this.x.push(step);
    for (const [k, row] of this.rows) {
      const v = values[k];
      row.push(v === undefined || !Number.isFinite(v) ? null : v);
    }
    if (Number.isFinite(values.accuracy) || Number.isFinite(values.val_accuracy)) this.hasAcc = true;
    this.stale.loss = this.stale.acc = true;
    this.schedule();
  }

  /** The latest value of every series that has one (what the legends show without a cursor). */
  latest(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, row] of this.rows) {
      const i = lastIndex(row, row.length - 1);
      if (i >= 0) out[k] = row[i]!;
    }
    return out;
  }

  /** Forgets every point (a new training) and shows the placeholder again. */
  clear(): void {
    this.x.length = 0;
    for (const row of this.rows.values()) row.length = 0;
    this.hasAcc = false;
    this.stale.loss = this.stale.acc = true;
    this.panels.hidden = true;
    this.placeholder.hidden = false;
    this.schedule();
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    this.resize?.disconnect();
    this.loss.destroy();
    this.acc.destroy();
    this.element.remove();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private width(): number {
    return Math.max(240, this.element.clientWidth);
  }

  private fit(): void {
    if (this.panels.hidden) return;
    for (const u of [this.loss, this.acc]) u?.setSize({ width: this.width(), height: this.height });
  }

  private draw(): void {
    if (this.x.length === 0) return;
    if (this.panels.hidden) {
      this.placeholder.hidden = true;
      this.panels.hidden = false;
      this.fit();
    }
    // One panel per frame (the other on the next): each redraw is a few ms, and a frame that does
    // both, on a busy page, is the kind of task that makes a page stutter.
    const turn = this.stale.loss && (this.turn === 0 || !this.stale.acc) ? 'loss' : this.stale.acc ? 'acc' : null;
    if (turn === null) return;
    this.turn = turn === 'loss' ? 1 : 0;
    this.stale[turn] = false;
    if (turn === 'acc') this.acc.root.hidden = !this.hasAcc;
    const [u, series] = turn === 'loss' ? [this.loss, LOSS_SERIES] : [this.acc, ACC_SERIES];
    u.setData([this.x, ...series.map(([k]) => this.rows.get(k)!)] as uPlot.AlignedData);
    // Recomputes the legend: with no cursor, value() below falls back to the latest values.
    u.setLegend({ idx: u.cursor.idx ?? undefined } as { idx: number });
    if (this.stale.loss || this.stale.acc) this.schedule();
  }

  private accRange(): [number, number] {
    if (this.accuracyRange !== 'auto') return this.accuracyRange;
    // The lowest accuracy of the most recent three quarters: the first steps' 0.1 would
    // otherwise keep the axis at [0, 1] forever.
    let lo = 1;
    for (const k of ['accuracy', 'val_accuracy']) {
      const row = this.rows.get(k)!;
      for (let i = Math.floor(row.length / 4); i < row.length; i++) if (row[i] !== null && row[i]! < lo) lo = row[i]!;
    }
    return [Math.max(0, Math.min(0.9, Math.floor(lo * 20) / 20)), 1];
  }

  private makePanel(label: string, series: [string, string, string, boolean][], range: uPlot.Range.Function): uPlot {
    const value = (u: uPlot, _v: number | null, sidx: number, idx: number | null): string => {
      const row = u.data[sidx] as Row;
      const i = lastIndex(row, idx ?? row.length - 1);
      return i < 0 ? '–' : sidx === 0 ? String(row[i]) : fmt(row[i]!);
    };
    const opts: uPlot.Options = {
      width: this.width(),
      height: this.height,
      scales: { x: { time: false }, y: { range } },
      axes: [{ label: 'step' }, { label, size: 56 }],
      legend: { live: true },
      cursor: { sync: { key: 'knobs-curves' } },
      series: [
        { label: 'step', value },
        ...series.map(([, name, stroke, dots]): uPlot.Series => ({
          label: name, stroke, width: dots ? 1 : 1.5, spanGaps: true, value,
          points: { show: dots, size: 7, fill: stroke },
          ...(dots ? { dash: [4, 4] } : {}),
        })),
      ],
    };
    const u = new uPlot(opts, [this.x, ...series.map(([k]) => this.rows.get(k)!)] as uPlot.AlignedData, this.panels);
    u.root.dataset.panel = label;
    return u;
  }
}

/** The last index ≤ from whose value is not null, or -1. */
function lastIndex(row: Row, from: number): number {
  for (let i = Math.min(from, row.length - 1); i >= 0; i--) if (row[i] !== null && row[i] !== undefined) return i;
  return -1;
}
