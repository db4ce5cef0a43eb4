/**
 * What every supervised classic estimator shares: input checks for fit/predict, label handling,
 * and turning class probabilities into labels. Kept apart so each model file holds only its math.
 */
import { KnobsError, ShapeError } from '../errors.js';
import { fmtValue } from '../options.js';
import { checkFeatures, checkXY, encodeLabels, notFitted, toMatrix, toVector, type Matrix, type MatrixInput, type VectorInput } from './estimator.js';

export function fitInputs(op: string, x: MatrixInput, y: VectorInput | undefined): { X: Matrix; y: Float64Array } {
  if (y === undefined) throw new KnobsError(`${op}: a supervised model needs targets: fit(x, y)`);
  const X = toMatrix(op, x);
  const yv = toVector(op, y);
  checkXY(op, X, yv);
  return { X, y: yv };
}

export function classInputs(op: string, x: MatrixInput, y: VectorInput | undefined): { X: Matrix; classes: number[]; index: Int32Array } {
  const { X, y: yv } = fitInputs(op, x, y);
  return { X, ...encodeLabels(op, yv) };
}

/** Checks a predict-time input against what the model was fitted on (nFeatures < 0: not fitted). */
export function predictInputs(op: string, x: MatrixInput, nFeatures: number): Matrix {
  if (nFeatures < 0) notFitted(op);
  const X = toMatrix(op, x);
  checkFeatures(op, X, nFeatures);
  return X;
}

/** Label of the largest entry in each row of P [n×k]; ties go to the first (smallest) class, as numpy's argmax. */
export function argmaxLabels(P: Float64Array, n: number, classes: readonly number[]): Float64Array {
  const k = classes.length, out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (P[i * k + c] > P[i * k + best]) best = c;
    out[i] = classes[best];
  }
  return out;
}

/** Row-wise softmax of log-scores, in place (subtracting the row max keeps exp() finite). */
export function softmaxRowsInPlace(L: Float64Array, n: number, k: number): Float64Array {
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, L[i * k + c]);
    let s = 0;
    for (let c = 0; c < k; c++) s += L[i * k + c] = Math.exp(L[i * k + c] - max);
    for (let c = 0; c < k; c++) L[i * k + c] /= s;
  }
  return L;
}

/** score()'s targets: finite numbers, one per row that was predicted. */
export function scorePair(op: string, pred: Float64Array, y: VectorInput): [Float64Array, Float64Array] {
  const v = toVector(op, y);
  if (v.length !== pred.length) throw new ShapeError(`${op}: x has ${pred.length} rows but y has ${v.length} values`);
  return [pred, v];
}

export function checkPositive(op: string, name: string, v: number, allowZero = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new KnobsError(`${op}: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${fmtValue(v)}`);
  }
}

export function checkState(op: string, json: { state: Record<string, unknown> | null }): Record<string, unknown> | null {
  if (json.state !== null && (typeof json.state !== 'object' || Array.isArray(json.state))) throw new KnobsError(`${op}: state must be an object or null`);
  return json.state;
}

