/**
 * One estimator API for the four families (supervised/unsupervised × parametric/non-parametric),
 * with scikit-learn's names: fit(x, y?) → this, predict(x), predictProba(x), score(x, y?), and
 * `nParameters`, so a user can see that a non-parametric model's knob count grows with the data
 * while a parametric one's does not. Inputs are rows of features: number[][], a 2-D Tensor, or
 * { data: Float32Array, shape: [n, d] }. Heavy math runs in the Rust core (kernels/distance.rs).
 */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';

export type MatrixInput = readonly (readonly number[])[] | Tensor | { data: ArrayLike<number>; shape: readonly number[] };
export type VectorInput = ArrayLike<number> | Tensor;

/** A dense row-major float64 matrix on the JS side (classical models are small; precision matters more than bytes). */
export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

export interface Estimator {
  /** Learns from x (and targets y for supervised models). Returns this. */
  fit(x: MatrixInput, y?: VectorInput): this;
  /** Class labels, cluster ids or regression values, one per row. */
  predict(x: MatrixInput): Float64Array | Int32Array;
  /** Number of learned values: fixed for parametric models, growing with the data for non-parametric ones. */
  readonly nParameters: number;
  /** Everything needed to rebuild the fitted model (JSON-able; arrays as plain number arrays). */
  toJSON(): EstimatorJSON;
}

export interface EstimatorJSON {
  format: 'knobs.estimator';
  version: 1;
  type: string;
  params: Record<string, unknown>;
  state: Record<string, unknown> | null;
}

/** Converts any MatrixInput to a float64 Matrix, refusing ragged rows and non-finite values. */
export function toMatrix(op: string, x: MatrixInput, name = 'x'): Matrix {
  let data: Float64Array, rows: number, cols: number;
  if (x instanceof Tensor) {
    if (x.rank !== 2) throw new ShapeError(`${op}: ${name} must be 2-D [samples, features], got ${fmtShape(x.shape)}`);
    [rows, cols] = x.shape;
    data = Float64Array.from(x.toFloat32Array());
  } else if (Array.isArray(x)) {
    rows = x.length;
    cols = rows > 0 ? (x[0] as readonly number[]).length : 0;
    data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const r = x[i] as readonly number[];
      if (!Array.isArray(r) || r.length !== cols) throw new ShapeError(`${op}: ${name} row ${i} has ${Array.isArray(r) ? r.length : 'no'} values, row 0 has ${cols}`);
      for (let j = 0; j < cols; j++) data[i * cols + j] = r[j];
    }
  } else if (x && typeof x === 'object' && 'shape' in x && 'data' in x) {
    const s = (x as { shape: readonly number[] }).shape;
    if (!Array.isArray(s) || s.length !== 2) throw new ShapeError(`${op}: ${name} must be 2-D [samples, features], got ${Array.isArray(s) ? fmtShape(s) : typeof s}`);
    if (!s.every((v) => Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1)) throw new ShapeError(`${op}: ${name}.shape must be non-negative integers, got ${fmtShape(s)}`);
    [rows, cols] = s;
    const d = (x as { data: ArrayLike<number> }).data;
    if (d.length !== rows * cols) throw new ShapeError(`${op}: ${name} has ${d.length} values for shape ${fmtShape(s)}`);
    data = Float64Array.from(d);
  } else {
    throw new KnobsError(`${op}: ${name} must be rows of numbers, a 2-D Tensor or { data, shape }`);
  }
  // Rows without a single feature have no distances, means or votes: every model here needs one.
  if (rows > 0 && cols === 0) throw new ShapeError(`${op}: ${name} has ${rows} rows but no features`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new KnobsError(`${op}: ${name} contains ${data[i]} at row ${Math.floor(i / cols)}, column ${i % cols}`);
  }
  return { data, rows, cols };
}

export function toVector(op: string, y: VectorInput, name = 'y'): Float64Array {
  if (!(y instanceof Tensor) && (y === null || typeof y !== 'object' || typeof (y as ArrayLike<number>).length !== 'number')) {
    throw new KnobsError(`${op}: ${name} must be an array of numbers or a Tensor, got ${y === null ? 'null' : typeof y}`);
  }
  const v = y instanceof Tensor ? Float64Array.from(y.toFloat32Array()) : Float64Array.from(y as ArrayLike<number>);
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new KnobsError(`${op}: ${name} contains ${v[i]} at index ${i}`);
  return v;
}

/** x and y must describe the same samples. */
export function checkXY(op: string, x: Matrix, y: ArrayLike<number>): void {
  if (x.rows !== y.length) throw new ShapeError(`${op}: x has ${x.rows} rows but y has ${y.length} values`);
  if (x.rows === 0) throw new ShapeError(`${op}: cannot fit on 0 samples`);
}

/** Class labels must be integers; returns the sorted distinct classes and each label's index. */
export function encodeLabels(op: string, y: ArrayLike<number>): { classes: number[]; index: Int32Array } {
  const classes = [...new Set(Array.from(y))].sort((a, b) => a - b);
  for (const c of classes) if (!Number.isInteger(c)) throw new KnobsError(`${op}: class labels must be integers, got ${c}`);
  const pos = new Map(classes.map((c, i) => [c, i]));
  return { classes, index: Int32Array.from(y, (v) => pos.get(v)!) };
}

export function notFitted(op: string): never {
  throw new KnobsError(`${op}: not fitted yet; call fit(x, y) first`);
}

export function checkFeatures(op: string, x: Matrix, expected: number): void {
  if (x.cols !== expected) throw new ShapeError(`${op}: x has ${x.cols} features, the model was fitted on ${expected}`);
}

export function accuracy(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return y.length ? ok / y.length : NaN;
}

/** Coefficient of determination R², as scikit-learn's regressors score. */
export function r2(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i];
  mean /= y.length;
  let ssRes = 0, ssTot = 0;
  for (let i = 0; i < y.length; i++) {
    ssRes += (y[i] - pred[i]) ** 2;
    ssTot += (y[i] - mean) ** 2;
  }
  return 1 - ssRes / ssTot;
}

/** Adjusted Rand index of two labelings (1.0: the same partition up to renaming). */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (!a || !b || typeof a.length !== 'number' || typeof b.length !== 'number') throw new KnobsError('adjustedRandIndex: expected two arrays of labels');
  if (a.length !== b.length) throw new ShapeError(`adjustedRandIndex: ${a.length} vs ${b.length} labels`);
  const n = a.length;
  const table = new Map<string, number>(), ra = new Map<number, number>(), rb = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = `${a[i]}|${b[i]}`;
    table.set(k, (table.get(k) ?? 0) + 1);
    ra.set(a[i], (ra.get(a[i]) ?? 0) + 1);
    rb.set(b[i], (rb.get(b[i]) ?? 0) + 1);
  }
  const c2 = (x: number) => (x * (x - 1)) / 2;
  let sumIj = 0, sumA = 0, sumB = 0;
  for (const v of table.values()) sumIj += c2(v);
  for (const v of ra.values()) sumA += c2(v);
  for (const v of rb.values()) sumB += c2(v);
  const expected = (sumA * sumB) / c2(n);
  const max = (sumA + sumB) / 2;
  return max === expected ? 1 : (sumIj - expected) / (max - expected);
}

// ---- save/load: every estimator registers a reviver under its type name ----
const registry = new Map<string, (json: EstimatorJSON) => Estimator>();

export function registerEstimator(type: string, revive: (json: EstimatorJSON) => Estimator): void {
  registry.set(type, revive);
}

/** Rebuilds a fitted estimator from `toJSON()` output (or its JSON string). */
export function loadEstimator(json: EstimatorJSON | string): Estimator {
  let j: EstimatorJSON;
  try {
    j = typeof json === 'string' ? (JSON.parse(json) as EstimatorJSON) : json;
  } catch (e) {
    throw new KnobsError(`loadEstimator: not valid JSON (${(e as Error).message})`);
  }
  if (!j || typeof j !== 'object' || j.format !== 'knobs.estimator' || j.version !== 1) throw new KnobsError('loadEstimator: not a knobs.estimator version 1 document');
  const revive = typeof j.type === 'string' ? registry.get(j.type) : undefined;
  if (!revive) throw new KnobsError(`loadEstimator: unknown estimator type ${JSON.stringify(j.type)} (known: ${[...registry.keys()].join(', ')})`);
  // Every reviver reads params and state as objects; anything else is a damaged file.
  const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(j.params)) throw new KnobsError(`loadEstimator: ${j.type} params must be an object`);
  if (j.state !== null && !isObj(j.state)) throw new KnobsError(`loadEstimator: ${j.type} state must be an object or null`);
  return revive(j);
}
