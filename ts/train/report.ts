/**
 * fit's `report` option: a Callback that records the curves and rewrites one self-contained HTML
 * file (vis/report.ts) after every epoch and at the end, so a run that is interrupted still leaves
 * a report of what it did. Node only: it writes a file.
 */
import { KnobsError } from '../errors.js';
import { importHidden, isNode } from '../runtime.js';
import { renderReport, type ReportPanel, type ReportSeries } from '../vis/report.js';
import type { Callback, History, Logs, TrainContext } from './callbacks.js';

/** Log keys read as fractions in [0, 1], drawn on their own 0–1 axis. */
const FRACTION = /(^|_)(accuracy|acc|precision|recall|f1)(_|$)/;
const LOSS = /(^|_)loss$/;

export class ReportCallback implements Callback {
  private readonly batchLoss: [number, number][] = [];
  private readonly batchAcc: [number, number][] = [];
  private readonly epochs: { epoch: number; logs: Logs }[] = [];
  private started = 0;
  private batches = 1;

  constructor(readonly path: string, private readonly op = 'fit') {
    if (typeof path !== 'string' || path.length === 0) throw new KnobsError(`${op}: report must be a file path such as 'runs/x.html', got ${JSON.stringify(path)}`);
    if (!isNode) throw new KnobsError(`${op}: report writes a file, which only works in Node; in a browser draw the curves with knobs/vis (TrainingCurves)`);
  }

  onTrainBegin(ctx: TrainContext): void {
    this.started = Date.now();
    this.batches = Math.max(1, ctx.batchesPerEpoch);
  }

  private epoch = 0;
  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  onBatchEnd(batch: number, logs: Logs): void {
    // x in epochs: batch b of epoch e ends at e + (b + 1) / batches, where the epoch's dots sit at e + 1.
    const x = this.epoch + (batch + 1) / this.batches;
    this.batchLoss.push([x, logs.loss]);
    if (logs.accuracy !== undefined) this.batchAcc.push([x, logs.accuracy]);
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    this.epochs.push({ epoch, logs: { ...logs } });
    await this.write(null);
  }

  async onTrainEnd(history: History): Promise<void> {
    await this.write(history);
  }

  /** The document for what has been recorded so far. */
  html(history: History | null): string {
    const keys = [...new Set(this.epochs.flatMap((e) => Object.keys(e.logs)))];
    const epochSeries = (k: string): ReportSeries => ({ name: `${k} (epoch)`, dots: true, points: this.epochs.map((e) => [e.epoch + 1, e.logs[k] ?? NaN]) });
    const panels: ReportPanel[] = [{ title: 'loss', series: [{ name: 'loss (batch)', points: this.batchLoss }, ...keys.filter((k) => LOSS.test(k)).map(epochSeries)] }];
    const fractions = keys.filter((k) => FRACTION.test(k));
    if (fractions.length) {
      const batch: ReportSeries[] = this.batchAcc.length ? [{ name: 'accuracy (batch)', points: this.batchAcc }] : [];
      panels.push({ title: 'accuracy', yRange: [0, 1], series: [...batch, ...fractions.map(epochSeries)] });
    }
    const others = keys.filter((k) => !LOSS.test(k) && !FRACTION.test(k));
    if (others.length) panels.push({ title: 'other metrics', series: others.map(epochSeries) });
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    const state = history ? (history.stopped ? `stopped (${history.stopped})` : 'finished') : 'running';
    return renderReport({
      title: `knobs training report: ${this.path}`,
      xLabel: 'epoch',
      panels,
      notes: [`${state} after ${this.epochs.length} epoch${this.epochs.length === 1 ? '' : 's'}, ${this.batchLoss.length} steps, ${seconds} s; written ${new Date().toISOString()}`],
      table: { columns: ['epoch', ...keys], rows: this.epochs.map((e) => [e.epoch + 1, ...keys.map((k) => e.logs[k] ?? '')]) },
    });
  }

  private async write(history: History | null): Promise<void> {
    const fs = await importHidden<typeof import('node:fs/promises')>('node:fs/promises');
    const { dirname } = await importHidden<typeof import('node:path')>('node:path');
    try {
      await fs.mkdir(dirname(this.path), { recursive: true });
      await fs.writeFile(this.path, this.html(history));
    } catch (e) {
      throw new KnobsError(`${this.op}: could not write the report to ${this.path}: ${(e as Error).message}`);
    }
  }
}
