/**
 * Standalone metrics with scikit-learn's names, arguments and results (sklearn.metrics, camelCased):
 * accuracyScore, confusionMatrix, precisionScore, recallScore, f1Score, topKAccuracyScore,
 * meanAbsoluteError, meanSquaredError, r2Score. Labels may be numbers or strings; predictions,
 * targets and scores may be arrays, typed arrays, Tensors or { data, shape }. Computed in float64.
 */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { checkOptions, fmtValue } from '../options.js';
import { Tensor } from '../tensor.js';

export type Label = number | string;
export type LabelsInput = ArrayLike<Label> | Tensor;
/** Values (one output) or rows of values (several outputs). */
export type ValuesInput = ArrayLike<number> | readonly (readonly number[])[] | Tensor | { data: ArrayLike<number>; shape: readonly number[] };
export type Average = 'binary' | 'macro' | 'micro' | 'weighted';

function labels(op: string, y: LabelsInput, name: string): ArrayLike<Label> {
  if (y instanceof Tensor) {
    if (y.rank !== 1) throw new ShapeError(`${op}: ${name} must be 1-D labels, got a Tensor of shape ${fmtShape(y.shape)}`);
    return y.toFloat32Array();
  }
  if (!y || typeof y !== 'object' || typeof (y as ArrayLike<Label>).length !== 'number') throw new KnobsError(`${op}: ${name} must be an array of labels, got ${fmtValue(y)}`);
  return y;
}

function pair(op: string, yTrue: LabelsInput, yPred: LabelsInput): [ArrayLike<Label>, ArrayLike<Label>] {
  const t = labels(op, yTrue, 'yTrue'), p = labels(op, yPred, 'yPred');
  if (t.length !== p.length) throw new ShapeError(`${op}: yTrue has ${t.length} labels, yPred ${p.length}`);
  if (t.length === 0) throw new ShapeError(`${op}: no labels`);
  return [t, p];
}

/** sklearn's unique_labels: the sorted union of both label sets. */
function sortedLabels(op: string, ...ys: ArrayLike<Label>[]): Label[] {
  const set = new Set<Label>();
  for (const y of ys) for (let i = 0; i < y.length; i++) set.add(y[i]);
  const list = [...set];
  if (new Set(list.map((v) => typeof v)).size > 1) throw new KnobsError(`${op}: labels mix numbers and strings`);
  return list.sort((a, b) => (typeof a === 'number' ? a - (b as number) : a < b ? -1 : a > b ? 1 : 0));
}

export function accuracyScore(yTrue: LabelsInput, yPred: LabelsInput): number {
  const [t, p] = pair('accuracyScore', yTrue, yPred);
  let ok = 0;
  for (let i = 0; i < t.length; i++) if (t[i] === p[i]) ok++;
  return ok / t.length;
}

/** Counts: row = true label, column = predicted label, labels in sorted order (or as given). */
export function confusionMatrix(yTrue: LabelsInput, yPred: LabelsInput, opts: { labels?: readonly Label[] } = {}): number[][] {
  const op = 'confusionMatrix';
  opts = checkOptions(op, opts, ['labels']);
  const [t, p] = pair(op, yTrue, yPred);
  const ls = opts.labels ? [...opts.labels] : sortedLabels(op, t, p);
  if (ls.length === 0) throw new KnobsError(`${op}: labels is empty`);
  const index = new Map(ls.map((l, i) => [l, i]));
  const cm = ls.map(() => new Array<number>(ls.length).fill(0));
  for (let i = 0; i < t.length; i++) {
    const a = index.get(t[i]), b = index.get(p[i]);
    // sklearn drops samples whose labels are not among `labels`.
    if (a !== undefined && b !== undefined) cm[a][b]++;
  }
  return cm;
}

export interface PrfOptions {
  /** 'binary' (default, as sklearn: the score of posLabel), 'macro', 'micro', 'weighted', or null for one score per label. */
  average?: Average | null;
  /** The positive class for average 'binary' (default 1). */
  posLabel?: Label;
  /** Labels to score, in this order (default: the sorted labels of yTrue and yPred). */
  labels?: readonly Label[];
  /** Value of a ratio whose denominator is 0 (default 0, sklearn's 'warn' without the warning). */
  zeroDivision?: number;
}

/** Per-label true positives, false positives, false negatives from a confusion matrix. */
export interface Counts {
  tp: number[];
  fp: number[];
  fn: number[];
}

export function countsFromConfusion(cm: readonly (readonly number[])[]): Counts {
  const k = cm.length, tp: number[] = [], fp: number[] = [], fn: number[] = [];
  for (let c = 0; c < k; c++) {
    let col = 0, row = 0;
    for (let j = 0; j < k; j++) {
      col += cm[j][c];
      row += cm[c][j];
    }
    tp.push(cm[c][c]);
    fp.push(col - cm[c][c]);
    fn.push(row - cm[c][c]);
  }
  return { tp, fp, fn };
}

type Which = 'precision' | 'recall' | 'f1';

/** The score of each label and its averages, from counts (shared with the fit metrics). */
export function prfFromCounts(which: Which, c: Counts, average: Exclude<Average, 'binary'> | null, zeroDivision = 0): number | number[] {
  const ratio = (num: number, den: number) => (den === 0 ? zeroDivision : num / den);
  const score = (tp: number, fp: number, fn: number) => (which === 'precision' ? ratio(tp, tp + fp) : which === 'recall' ? ratio(tp, tp + fn) : ratio(2 * tp, 2 * tp + fp + fn));
  if (average === 'micro') {
    const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
    return score(sum(c.tp), sum(c.fp), sum(c.fn));
  }
  const per = c.tp.map((tp, i) => score(tp, c.fp[i], c.fn[i]));
  if (average === null) return per;
  if (average === 'macro') return per.reduce((s, v) => s + v, 0) / per.length;
  const support = c.tp.map((tp, i) => tp + c.fn[i]);
  const total = support.reduce((s, v) => s + v, 0);
  return total === 0 ? zeroDivision : per.reduce((s, v, i) => s + v * support[i], 0) / total;
}

function prf(which: Which, op: string, yTrue: LabelsInput, yPred: LabelsInput, opts: PrfOptions): number | number[] {
  opts = checkOptions(op, opts, ['average', 'posLabel', 'labels', 'zeroDivision']);
  const average = opts.average === undefined ? 'binary' : opts.average;
  if (average !== null && !['binary', 'macro', 'micro', 'weighted'].includes(average)) throw new KnobsError(`${op}: average must be 'binary', 'macro', 'micro', 'weighted' or null, got ${fmtValue(average)}`);
  const zeroDivision = opts.zeroDivision ?? 0;
  if (!Number.isFinite(zeroDivision)) throw new KnobsError(`${op}: zeroDivision must be a number, got ${fmtValue(opts.zeroDivision)}`);
  const [t, p] = pair(op, yTrue, yPred);
  const present = sortedLabels(op, t, p);
  if (average === 'binary') {
    const pos = opts.posLabel ?? 1;
    if (present.length > 2) throw new KnobsError(`${op}: the targets have ${present.length} labels but average is 'binary'; choose average 'macro', 'micro', 'weighted' or null`);
    if (present.length === 2 && !present.includes(pos)) throw new KnobsError(`${op}: posLabel ${fmtValue(pos)} is not one of the labels [${present.map((l) => fmtValue(l)).join(', ')}]`);
    let tp = 0, fp = 0, fn = 0;
    for (let i = 0; i < t.length; i++) {
      if (p[i] === pos) t[i] === pos ? tp++ : fp++;
      else if (t[i] === pos) fn++;
    }
    return (prfFromCounts(which, { tp: [tp], fp: [fp], fn: [fn] }, null, zeroDivision) as number[])[0];
  }
  const ls = opts.labels ? [...opts.labels] : present;
  const cm = confusionMatrix(t, p, { labels: ls });
  const c = countsFromConfusion(cm);
  if (opts.labels) {
    // Samples whose labels are outside `labels` still count as misses/false alarms of the listed ones.
    const idx = new Map(ls.map((l, i) => [l, i]));
    for (let i = 0; i < t.length; i++) {
      const a = idx.get(t[i]), b = idx.get(p[i]);
      if (a !== undefined && b === undefined) c.fn[a]++;
      if (b !== undefined && a === undefined) c.fp[b]++;
    }
  }
  return prfFromCounts(which, c, average, zeroDivision);
}

export function precisionScore(yTrue: LabelsInput, yPred: LabelsInput, opts?: PrfOptions & { average?: Average }): number;
export function precisionScore(yTrue: LabelsInput, yPred: LabelsInput, opts: PrfOptions & { average: null }): number[];
export function precisionScore(yTrue: LabelsInput, yPred: LabelsInput, opts: PrfOptions = {}): number | number[] {
  return prf('precision', 'precisionScore', yTrue, yPred, opts);
}
export function recallScore(yTrue: LabelsInput, yPred: LabelsInput, opts?: PrfOptions & { average?: Average }): number;
export function recallScore(yTrue: LabelsInput, yPred: LabelsInput, opts: PrfOptions & { average: null }): number[];
export function recallScore(yTrue: LabelsInput, yPred: LabelsInput, opts: PrfOptions = {}): number | number[] {
  return prf('recall', 'recallScore', yTrue, yPred, opts);
}
export function f1Score(yTrue: LabelsInput, yPred: LabelsInput, opts?: PrfOptions & { average?: Average }): number;
export function f1Score(yTrue: LabelsInput, yPred: LabelsInput, opts: PrfOptions & { average: null }): number[];
export function f1Score(yTrue: LabelsInput, yPred: LabelsInput, opts: PrfOptions = {}): number | number[] {
  return prf('f1', 'f1Score', yTrue, yPred, opts);
}

/** A float64 matrix view of any ValuesInput; a 1-D input is one column. */
export function toValues(op: string, v: ValuesInput, name: string): { data: Float64Array; rows: number; cols: number } {
  let data: Float64Array, shape: number[];
  if (v instanceof Tensor) {
    data = Float64Array.from(v.toFloat32Array());
    shape = [...v.shape];
  } else if (Array.isArray(v) && v.length > 0 && Array.isArray(v[0])) {
    const rows = v as readonly (readonly number[])[];
    const cols = rows[0].length;
    if (rows.some((r) => !Array.isArray(r) || r.length !== cols)) throw new ShapeError(`${op}: ${name} has rows of different lengths`);
    data = Float64Array.from(rows.flat());
    shape = [rows.length, cols];
  } else if (v && typeof v === 'object' && 'shape' in v && 'data' in v) {
    data = Float64Array.from(v.data);
    shape = [...v.shape];
    if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new ShapeError(`${op}: ${name} has ${data.length} values for shape ${fmtShape(shape)}`);
  } else if (v && typeof v === 'object' && typeof (v as ArrayLike<number>).length === 'number') {
    data = Float64Array.from(v as ArrayLike<number>);
    shape = [data.length];
  } else {
    throw new KnobsError(`${op}: ${name} must be an array, rows, a Tensor or { data, shape }, got ${fmtValue(v)}`);
  }
  if (shape.length > 2 || shape.length === 0) throw new ShapeError(`${op}: ${name} must be 1-D or 2-D, got ${fmtShape(shape)}`);
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new KnobsError(`${op}: ${name} contains ${data[i]} at index ${i}`);
  return { data, rows: shape[0], cols: shape.length === 2 ? shape[1] : 1 };
}

function regressionPair(op: string, yTrue: ValuesInput, yPred: ValuesInput) {
  const t = toValues(op, yTrue, 'yTrue'), p = toValues(op, yPred, 'yPred');
  if (t.rows !== p.rows || t.cols !== p.cols) throw new ShapeError(`${op}: yTrue is ${t.rows}×${t.cols}, yPred ${p.rows}×${p.cols}`);
  if (t.rows === 0) throw new ShapeError(`${op}: no samples`);
  return [t, p] as const;
}

/** Mean over all outputs of the per-output mean absolute error (sklearn's 'uniform_average'). */
export function meanAbsoluteError(yTrue: ValuesInput, yPred: ValuesInput): number {
  const [t, p] = regressionPair('meanAbsoluteError', yTrue, yPred);
  let s = 0;
  for (let i = 0; i < t.data.length; i++) s += Math.abs(t.data[i] - p.data[i]);
  return s / t.data.length;
}

export function meanSquaredError(yTrue: ValuesInput, yPred: ValuesInput): number {
  const [t, p] = regressionPair('meanSquaredError', yTrue, yPred);
  let s = 0;
  for (let i = 0; i < t.data.length; i++) s += (t.data[i] - p.data[i]) ** 2;
  return s / t.data.length;
}

/** R² per output from its sums; a constant target gives 1 if predicted exactly, else 0 (sklearn's force_finite). */
export function r2FromSums(ssRes: number, ssTot: number): number {
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/** Coefficient of determination, averaged uniformly over outputs (sklearn's r2_score default). */
export function r2Score(yTrue: ValuesInput, yPred: ValuesInput): number {
  const [t, p] = regressionPair('r2Score', yTrue, yPred);
  const { rows, cols } = t;
  if (rows < 2) throw new ShapeError('r2Score: R² is not defined for fewer than two samples');
  let sum = 0;
  for (let j = 0; j < cols; j++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += t.data[i * cols + j];
    mean /= rows;
    let ssRes = 0, ssTot = 0;
    for (let i = 0; i < rows; i++) {
      ssRes += (t.data[i * cols + j] - p.data[i * cols + j]) ** 2;
      ssTot += (t.data[i * cols + j] - mean) ** 2;
    }
    sum += r2FromSums(ssRes, ssTot);
  }
  return sum / cols;
}

/**
 * Share of samples whose true label is among the k highest scores (sklearn's top_k_accuracy_score;
 * default k 2). yScore: [samples, classes] scores or logits; yTrue: class indices 0..classes−1.
 * Ties rank as sklearn's do (a later column ahead of an earlier one with the same score).
 */
export function topKAccuracyScore(yTrue: LabelsInput, yScore: ValuesInput, opts: { k?: number } = {}): number {
  const op = 'topKAccuracyScore';
  opts = checkOptions(op, opts, ['k']);
  const k = opts.k ?? 2;
  if (!Number.isInteger(k) || k < 1) throw new KnobsError(`${op}: k must be a positive integer, got ${fmtValue(opts.k)}`);
  const t = labels(op, yTrue, 'yTrue');
  const s = toValues(op, yScore, 'yScore');
  if (s.rows !== t.length) throw new ShapeError(`${op}: yTrue has ${t.length} labels, yScore ${s.rows} rows`);
  if (t.length === 0) throw new ShapeError(`${op}: no samples`);
  let ok = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= s.cols) throw new KnobsError(`${op}: label ${fmtValue(c)} at index ${i} is not a column of yScore (0..${s.cols - 1})`);
    if (topKHit(s.data, i * s.cols, s.cols, c, k)) ok++;
  }
  return ok / t.length;
}

/** Whether column `c` of the row at `off` ranks among the k highest (ties: later columns first, as sklearn's reversed stable argsort). */
export function topKHit(row: ArrayLike<number>, off: number, cols: number, c: number, k: number): boolean {
  const v = row[off + c];
  let rank = 0;
  for (let j = 0; j < cols; j++) {
    const w = row[off + j];
    if (w > v || (w === v && j > c)) rank++;
  }
  return rank < k;
}
