/**
 * Loss resolution and the metrics of fit/evaluate. A metric accumulates over the batches of an
 * epoch (a confusion matrix, sums of errors) and gives the epoch's value at the end, so precision,
 * F1 or R² are those of the whole epoch, not an average of per-batch values.
 */
import { K } from '../backend/wasm.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { crossEntropy, mseLoss } from '../ops/losses.js';
import { checkOptions, fmtValue } from '../options.js';
import type { Tensor } from '../tensor.js';
import { countsFromConfusion, prfFromCounts, r2FromSums, topKHit } from './scores.js';

export type LossFn = (pred: Tensor, target: Tensor) => Tensor;
/** 'crossEntropy' (softmax + CE on logits), 'mse', a function, or a loss module ({ forward }). */
export type LossLike = 'crossEntropy' | 'mse' | LossFn | { forward(pred: Tensor, target: Tensor): Tensor };
/** Metric names fit and evaluate accept (the log key is the name; 'val_' + name for validation). */
export type MetricName = 'accuracy' | 'precision' | 'recall' | 'f1' | 'mae' | 'mse' | 'r2';
export const METRIC_NAMES: readonly MetricName[] = ['accuracy', 'precision', 'recall', 'f1', 'mae', 'mse', 'r2'];

/** An epoch accumulator: reset, update per batch (inside the batch's tidy), read the result. */
export interface Metric {
  /** Log key (e.g. 'f1', 'precision_weighted', 'top5_accuracy'). */
  readonly name: string;
  reset(): void;
  update(pred: Tensor, target: Tensor): void;
  result(): number;
}
export type MetricLike = MetricName | Metric;

export function resolveLoss(op: string, loss: LossLike | undefined): LossFn {
  if (loss === undefined || loss === 'crossEntropy') return (p, t) => crossEntropy(p, t);
  if (loss === 'mse') return (p, t) => mseLoss(p, t);
  if (typeof loss === 'function') return loss;
  if (loss && typeof (loss as { forward?: unknown }).forward === 'function') return (p, t) => loss.forward(p, t);
  throw new KnobsError(`${op}: loss must be 'crossEntropy', 'mse', a function (pred, target) => Tensor or a loss module, got ${JSON.stringify(loss)}`);
}

/** Metric objects for the names and objects given; duplicates (by log key) are refused. */
export function checkMetrics(op: string, metrics: readonly MetricLike[] | undefined): Metric[] {
  if (metrics !== undefined && !Array.isArray(metrics)) throw new KnobsError(`${op}: metrics must be an array, e.g. ['accuracy', 'f1']`);
  const out: Metric[] = [];
  for (const m of metrics ?? []) {
    const metric = typeof m === 'string' ? byName(op, m) : m;
    if (!metric || typeof metric !== 'object' || typeof metric.update !== 'function' || typeof metric.result !== 'function' || typeof metric.name !== 'string') {
      throw new KnobsError(`${op}: a metric must be one of ${METRIC_NAMES.join(', ')} or a Metric object (e.g. metrics.f1({ average: 'weighted' })), got ${fmtValue(m)}`);
    }
    if (metric.name === 'loss' || metric.name === 'size') throw new KnobsError(`${op}: a metric may not be named '${metric.name}'`);
    if (out.some((o) => o.name === metric.name)) {
      if (typeof m === 'string') continue;
      throw new KnobsError(`${op}: two metrics are named '${metric.name}'`);
    }
    out.push(metric);
  }
  return out;
}

function byName(op: string, name: string): Metric {
  switch (name) {
    case 'accuracy': return accuracy();
    case 'precision': return precision();
    case 'recall': return recall();
    case 'f1': return f1();
    case 'mae': return mae();
    case 'mse': return mse();
    case 'r2': return r2();
    default: throw new KnobsError(`${op}: unknown metric ${fmtValue(name)} (supported: ${METRIC_NAMES.join(', ')}, or a Metric object)`);
  }
}

/** Predicted and true class per row: argmax of the rows, a label target, or 0.5 thresholds for one output column. */
function classesOf(op: string, pred: Tensor, target: Tensor): { p: Uint32Array; t: Uint32Array; classes: number } {
  if (pred.rank !== 2) throw new ShapeError(`${op}: predictions must be 2-D [batch, classes], got ${fmtShape(pred.shape)}`);
  const [rows, cols] = pred.shape;
  const labelTarget = target.rank === 1 || (target.rank === 2 && target.shape[1] === 1 && cols > 1);
  if (target.shape[0] !== rows || (!labelTarget && (target.rank !== 2 || target.shape[1] !== cols))) {
    throw new ShapeError(`${op}: predictions ${fmtShape(pred.shape)} and targets ${fmtShape(target.shape)} do not match`);
  }
  const p = new Uint32Array(rows), t = new Uint32Array(rows);
  if (rows === 0) return { p, t, classes: Math.max(cols, 2) };
  if (cols === 1) {
    const pd = pred.data, td = target.data;
    for (let i = 0; i < rows; i++) {
      p[i] = pd[i] > 0.5 ? 1 : 0;
      t[i] = td[i] > 0.5 ? 1 : 0;
    }
    return { p, t, classes: 2 };
  }
  const k = K();
  k.argmax_rows(pred.ptr, p, rows, cols);
  if (labelTarget) {
    const td = target.data;
    for (let i = 0; i < rows; i++) {
      const c = td[i];
      if (!Number.isInteger(c) || c < 0 || c >= cols) throw new KnobsError(`${op}: target label ${c} at row ${i} is not a class index in [0, ${cols})`);
      t[i] = c;
    }
  } else {
    k.argmax_rows(target.ptr, t, rows, cols);
  }
  return { p, t, classes: cols };
}

/** Accumulates a confusion matrix (rows: true class, columns: predicted) over an epoch. */
class ConfusionAccumulator {
  classes = 0;
  cm: Float64Array = new Float64Array(0);
  reset(): void {
    this.classes = 0;
    this.cm = new Float64Array(0);
  }
  add(op: string, pred: Tensor, target: Tensor): void {
    const { p, t, classes } = classesOf(op, pred, target);
    if (this.classes === 0) {
      this.classes = classes;
      this.cm = new Float64Array(classes * classes);
    } else if (classes !== this.classes) {
      throw new ShapeError(`${op}: the number of classes changed from ${this.classes} to ${classes} within an epoch`);
    }
    for (let i = 0; i < p.length; i++) this.cm[t[i] * classes + p[i]]++;
  }
  rows(): number[][] {
    const k = this.classes;
    return Array.from({ length: k }, (_, i) => Array.from(this.cm.subarray(i * k, (i + 1) * k)));
  }
}

export function accuracy(): Metric {
  const acc = new ConfusionAccumulator();
  return {
    name: 'accuracy',
    reset: () => acc.reset(),
    update: (p, t) => acc.add('accuracy', p, t),
    result() {
      let ok = 0, n = 0;
      for (let i = 0; i < acc.classes; i++) for (let j = 0; j < acc.classes; j++) {
        n += acc.cm[i * acc.classes + j];
        if (i === j) ok += acc.cm[i * acc.classes + j];
      }
      return n ? ok / n : NaN;
    },
  };
}

export interface AveragedMetricOptions {
  /**
   * 'macro' (default: the unweighted mean over classes), 'micro', 'weighted' (by support), or
   * 'binary' (the positive class 1 of a two-class problem, as sklearn's default and Keras' Precision).
   */
  average?: 'macro' | 'micro' | 'weighted' | 'binary';
  /** Log key; default the metric's name, suffixed with the average unless it is 'macro'. */
  name?: string;
}

function averaged(which: 'precision' | 'recall' | 'f1', opts: AveragedMetricOptions): Metric {
  opts = checkOptions(which, opts, ['average', 'name']);
  const average = opts.average ?? 'macro';
  if (!['macro', 'micro', 'weighted', 'binary'].includes(average)) throw new KnobsError(`${which}: average must be 'macro', 'micro', 'weighted' or 'binary', got ${fmtValue(average)}`);
  const acc = new ConfusionAccumulator();
  return {
    name: opts.name ?? (average === 'macro' ? which : `${which}_${average}`),
    reset: () => acc.reset(),
    update(p, t) {
      acc.add(which, p, t);
      // Checked on the first batch rather than at the end of an epoch's work.
      if (average === 'binary' && acc.classes !== 2) throw new KnobsError(`${which}: average 'binary' needs two classes, the model has ${acc.classes} outputs; use average 'macro', 'micro' or 'weighted'`);
    },
    result() {
      if (acc.classes === 0) return NaN;
      const c = countsFromConfusion(acc.rows());
      if (average === 'binary') {
        return (prfFromCounts(which, c, null) as number[])[1];
      }
      // sklearn scores the labels that occur in the targets or the predictions, not every output.
      const seen = acc.rows().map((row, i) => row.some((v) => v > 0) || acc.cm.some((v, j) => j % acc.classes === i && v > 0));
      const keep = (a: number[]) => a.filter((_, i) => seen[i]);
      return prfFromCounts(which, { tp: keep(c.tp), fp: keep(c.fp), fn: keep(c.fn) }, average) as number;
    },
  };
}

/** Precision of an epoch's argmax predictions (sklearn's precision_score; macro by default). */
export const precision = (opts: AveragedMetricOptions = {}): Metric => averaged('precision', opts);
export const recall = (opts: AveragedMetricOptions = {}): Metric => averaged('recall', opts);
export const f1 = (opts: AveragedMetricOptions = {}): Metric => averaged('f1', opts);

/** Share of rows whose target class is among the k highest outputs (default k 2, sklearn's; logged as top{k}_accuracy). */
export function topKAccuracy(opts: { k?: number; name?: string } = {}): Metric {
  opts = checkOptions('topKAccuracy', opts, ['k', 'name']);
  const k = opts.k ?? 2;
  if (!Number.isInteger(k) || k < 1) throw new KnobsError(`topKAccuracy: k must be a positive integer, got ${fmtValue(opts.k)}`);
  let hit = 0, n = 0;
  return {
    name: opts.name ?? `top${k}_accuracy`,
    reset() { hit = n = 0; },
    update(pred, target) {
      if (pred.rank !== 2) throw new ShapeError(`topKAccuracy: predictions must be 2-D [batch, classes], got ${fmtShape(pred.shape)}`);
      const [rows, cols] = pred.shape;
      let labels: Uint32Array;
      if (target.rank === 1 || (target.rank === 2 && target.shape[1] === 1)) {
        if (target.shape[0] !== rows) throw new ShapeError(`topKAccuracy: predictions ${fmtShape(pred.shape)} and targets ${fmtShape(target.shape)} do not match`);
        labels = Uint32Array.from(target.data);
      } else {
        labels = classesOf('topKAccuracy', pred, target).t;
      }
      const pd = pred.data;
      for (let i = 0; i < rows; i++) if (topKHit(pd, i * cols, cols, labels[i], k)) hit++;
      n += rows;
    },
    result: () => (n ? hit / n : NaN),
  };
}

/** Sums for the regression metrics: errors over every element, and per-output target sums for R². */
interface RegressionSums {
  n: number;
  abs: number;
  sq: number;
  cols: number;
  shift: Float64Array;
  sumY: Float64Array;
  sumY2: Float64Array;
  res: Float64Array;
}

function regression(name: string, result: (s: RegressionSums) => number): Metric {
  const fresh = (): RegressionSums => ({ n: 0, abs: 0, sq: 0, cols: 0, shift: new Float64Array(0), sumY: new Float64Array(0), sumY2: new Float64Array(0), res: new Float64Array(0) });
  const s = fresh();
  return {
    name,
    reset() {
      Object.assign(s, fresh());
    },
    update(pred, target) {
      if (pred.size !== target.size || pred.shape[0] !== target.shape[0]) throw new ShapeError(`${name}: predictions ${fmtShape(pred.shape)} and targets ${fmtShape(target.shape)} do not match`);
      const rows = pred.shape[0] ?? 1;
      const cols = rows ? pred.size / rows : 0;
      if (s.cols === 0) {
        s.cols = cols;
        s.sumY = new Float64Array(cols);
        s.sumY2 = new Float64Array(cols);
        s.res = new Float64Array(cols);
      } else if (cols !== s.cols && rows) {
        throw new ShapeError(`${name}: the number of outputs changed from ${s.cols} to ${cols} within an epoch`);
      }
      const p = pred.data, t = target.data;
      // Target sums are kept relative to the first target of each output, so R²'s
      // Σy² − (Σy)²/n does not cancel catastrophically for targets far from zero.
      if (s.n === 0 && rows > 0) s.shift = Float64Array.from(t.subarray(0, cols));
      for (let i = 0; i < p.length; i++) {
        const e = p[i] - t[i], j = i % cols, y = t[i] - s.shift[j];
        s.abs += Math.abs(e);
        s.sq += e * e;
        s.sumY[j] += y;
        s.sumY2[j] += y * y;
        s.res[j] += e * e;
      }
      s.n += rows;
    },
    result: () => (s.n ? result(s) : NaN),
  };
}

export const mae = (): Metric => regression('mae', (s) => s.abs / (s.n * s.cols));
export const mse = (): Metric => regression('mse', (s) => s.sq / (s.n * s.cols));
/** R² over the epoch, averaged uniformly over outputs (sklearn's r2_score). */
export const r2 = (): Metric => regression('r2', (s) => {
  let sum = 0;
  for (let j = 0; j < s.cols; j++) sum += r2FromSums(s.res[j], Math.max(0, s.sumY2[j] - (s.sumY[j] * s.sumY[j]) / s.n));
  return sum / s.cols;
});

/**
 * Number of rows whose predicted class matches the target. The prediction's class is its argmax
 * (first maximum, as NumPy); the target is a one-hot/probability row (argmax) or a class label.
 * A single output column is a binary classifier thresholded at 0.5 (Keras' binary accuracy).
 */
export function countCorrect(pred: Tensor, target: Tensor): number {
  if (pred.rank !== 2) throw new ShapeError(`accuracy: predictions must be 2-D [batch, classes], got ${fmtShape(pred.shape)}`);
  const [rows, cols] = pred.shape;
  if (rows === 0) return 0;
  const labelTarget = target.rank === 1 || (target.rank === 2 && target.shape[1] === 1 && cols > 1);
  if (target.shape[0] !== rows || (!labelTarget && (target.rank !== 2 || target.shape[1] !== cols))) {
    throw new ShapeError(`accuracy: predictions ${fmtShape(pred.shape)} and targets ${fmtShape(target.shape)} do not match`);
  }
  if (cols === 1) {
    const p = pred.data, t = target.data;
    let c = 0;
    for (let i = 0; i < rows; i++) if (p[i] > 0.5 === t[i] > 0.5) c++;
    return c;
  }
  const k = K();
  const pa = new Uint32Array(rows);
  k.argmax_rows(pred.ptr, pa, rows, cols);
  let c = 0;
  if (labelTarget) {
    const t = target.data;
    for (let i = 0; i < rows; i++) if (pa[i] === t[i]) c++;
  } else {
    const ta = new Uint32Array(rows);
    k.argmax_rows(target.ptr, ta, rows, cols);
    for (let i = 0; i < rows; i++) if (pa[i] === ta[i]) c++;
  }
  return c;
}
