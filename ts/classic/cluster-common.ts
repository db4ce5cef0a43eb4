/**
 * Small helpers shared by the unsupervised estimators (k-means, mixtures, competitive learning,
 * DBSCAN, agglomerative): squared distances in float64 from the Rust kernel, seeded row picks
 * and the common hyperparameter checks.
 */
import { KnobsError } from '../errors.js';
import { pairwiseSqDist } from './distance.js';
import { checkFeatures, registerEstimator, toMatrix, type Estimator, type EstimatorJSON, type Matrix, type MatrixInput, type VectorInput } from './estimator.js';

/**
 * ‖a_i − b_j‖² as float64 [a.rows × b.rows] from the Rust kernel (float32 inside; large inputs via
 * the GEMM). Everything downstream (means, inertia, likelihoods) is float64.
 */
export function sqDist64(a: Matrix, b: Matrix): Float64Array {
  return pairwiseSqDist(a, b);
}

/** Nearest centre (row of `centers`) of every row (first on ties) and its squared distance, from the kernel's distances. */
export function nearestCenters(x: Matrix, centers: Matrix): { labels: Int32Array; minSq: Float64Array } {
  const k = centers.rows;
  const d2 = pairwiseSqDist(x, centers);
  const labels = new Int32Array(x.rows), minSq = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let b = 0;
    for (let j = 1; j < k; j++) if (d2[i * k + j] < d2[i * k + b]) b = j;
    labels[i] = b;
    minSq[i] = d2[i * k + b];
  }
  return { labels, minSq };
}

/** Exact float64 ‖x_i − c_j‖² for one pair of rows (used where a single value decides a result). */
export function sqDistRow(x: Float64Array, i: number, c: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const v = x[i * d + t] - c[j * d + t];
    s += v * v;
  }
  return s;
}

/**
 * ‖a_i − b_j‖² in float64 on the JS side, for models whose result must be smooth to float64
 * precision (a loss descended by gradient steps and checked by finite differences).
 */
export function sqDistExact(a: Matrix, b: Matrix): Float64Array {
  const d = a.cols, out = new Float64Array(a.rows * b.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < b.rows; j++) out[i * b.rows + j] = sqDistRow(a.data, i, b.data, j, d);
  return out;
}

/** Rows `idx` of m as a new matrix. */
export function takeRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const out = new Float64Array(idx.length * m.cols);
  for (let r = 0; r < idx.length; r++) out.set(m.data.subarray(idx[r] * m.cols, (idx[r] + 1) * m.cols), r * m.cols);
  return { data: out, rows: idx.length, cols: m.cols };
}

/** Refuses fitting k groups on fewer than k rows: there would be groups without a single member. */
export function checkKVsRows(op: string, k: number, rows: number): void {
  if (rows === 0) throw new KnobsError(`${op}: cannot fit on 0 samples`);
  if (k > rows) throw new KnobsError(`${op}: k = ${k} groups is larger than the data (${rows} rows); use k <= ${rows}`);
}

/** Per-feature population variance averaged over features (sklearn scales k-means' tol by it). */
export function meanVariance(x: Matrix): number {
  const { rows: n, cols: d, data } = x;
  let total = 0;
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += data[i * d + j];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (data[i * d + j] - m) ** 2;
    total += v / n;
  }
  return d ? total / d : 0;
}

/** Plain nested arrays of a row-major block (for JSON params such as explicit initial centres). */
export function toRows(data: ArrayLike<number>, rows: number, cols: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < rows; i++) out.push(Array.from({ length: cols }, (_, j) => data[i * cols + j]));
  return out;
}

export function checkPosInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new KnobsError(`${op}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

export function checkPositive(op: string, name: string, v: unknown, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new KnobsError(`${op}: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function checkSeed(op: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new KnobsError(`${op}: seed must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

/** log Σ exp(v[start..end)) without overflow. */
export function logSumExp(v: ArrayLike<number>, start = 0, end = v.length): number {
  let m = -Infinity;
  for (let i = start; i < end; i++) if (v[i] > m) m = v[i];
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = start; i < end; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}

/** Rows of log-scores → probabilities in place (softmax per row); returns each row's log normaliser. */
export function softmaxRows(a: Float64Array, rows: number, cols: number): Float64Array {
  const lse = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const z = logSumExp(a, i * cols, (i + 1) * cols);
    lse[i] = z;
    for (let j = 0; j < cols; j++) a[i * cols + j] = Math.exp(a[i * cols + j] - z);
  }
  return lse;
}

/** Fitted values of a clusterer: numbers, strings and typed arrays (saved as tagged plain arrays). */
export type ClusterState = Record<string, number | string | Float64Array | Int32Array | number[] | string[]>;

/**
 * The plumbing every clusterer here shares on top of estimator.ts: hyperparameters, the fitted
 * flag with its "predict before fit" error, and toJSON/loadEstimator through the registry.
 */
export abstract class ClusterBase<P extends object> implements Estimator {
  abstract readonly type: string;
  readonly params: P;
  protected fitted = false;
  /** Columns of the data fit saw. */
  abstract nFeatures: number;
  constructor(params: P) {
    this.params = params;
  }
  abstract fit(x: MatrixInput, y?: VectorInput): this;
  abstract predict(x: MatrixInput): Int32Array;
  abstract get nParameters(): number;
  protected abstract getState(): ClusterState;
  protected abstract setState(s: ClusterState): void;

  get isFitted(): boolean {
    return this.fitted;
  }
  protected requireFitted(method: string): void {
    if (!this.fitted) throw new KnobsError(`${this.type}.${method}: not fitted yet; call fit(x) first`);
  }
  /** The input of `method` on a fitted model: a matrix with the columns fit saw (errors name `type.method`). */
  protected input(method: string, xIn: MatrixInput): Matrix {
    this.requireFitted(method);
    const x = toMatrix(`${this.type}.${method}`, xIn);
    checkFeatures(`${this.type}.${method}`, x, this.nFeatures);
    return x;
  }
  toJSON(): EstimatorJSON {
    let state: Record<string, unknown> | null = null;
    if (this.fitted) {
      state = {};
      for (const [k, v] of Object.entries(this.getState())) {
        state[k] = v instanceof Float64Array ? { f64: Array.from(v) } : v instanceof Int32Array ? { i32: Array.from(v) } : v;
      }
    }
    return { format: 'knobs.estimator', version: 1, type: this.type, params: JSON.parse(JSON.stringify(this.params)), state };
  }
  /** Restores toJSON's state (used by loadEstimator). */
  restore(state: Record<string, unknown> | null): this {
    if (state === null) return this;
    if (typeof state !== 'object' || Array.isArray(state)) throw new KnobsError(`${this.type}: saved state must be an object or null`);
    // No prototype: a '__proto__' key from a file is then just an unknown field, not a prototype swap.
    const s: ClusterState = Object.create(null);
    for (const [k, v] of Object.entries(state)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as { f64?: number[]; i32?: number[] };
        if (Array.isArray(o.f64)) s[k] = Float64Array.from(o.f64);
        else if (Array.isArray(o.i32)) s[k] = Int32Array.from(o.i32);
        else throw new KnobsError(`${this.type}: saved state field '${k}' is not a tagged array`);
      } else {
        s[k] = v as number;
      }
    }
    this.setState(s);
    this.fitted = true;
    return this;
  }
}

/** Makes loadEstimator rebuild `type` from its params and saved state. */
export function registerCluster(type: string, make: (params: Record<string, unknown>) => ClusterBase<object>): void {
  registerEstimator(type, (j) => make(j.params).restore(j.state));
}
