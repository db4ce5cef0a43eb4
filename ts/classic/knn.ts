/**
 * k-nearest neighbours: the whole training set is the model (non-parametric: its parameter count
 * is the data's size). Distances and the k-smallest selection run in the Rust core
 * (kernels/distance.rs); votes and weighted means are done here. Matches scikit-learn's brute force:
 * vote ties go to the smallest label, and with weights 'distance' a query that coincides with
 * training points takes only those points' targets.
 */
import { KnobsError } from '../errors.js';
import { fmtValue } from '../options.js';
import { kNearest } from './distance.js';
import { accuracy, r2, registerEstimator, type EstimatorJSON, type Matrix, type MatrixInput, type VectorInput } from './estimator.js';
import { argmaxLabels, checkState, classInputs, fitInputs, predictInputs, scorePair } from './supervised-base.js';
import { checkOptions, StateReader } from './validate.js';

export interface KNeighborsOptions {
  /** Number of neighbours. Default 5. */
  k?: number;
  /** 'uniform' (default): every neighbour counts the same; 'distance': weight 1/distance. */
  weights?: 'uniform' | 'distance';
}

abstract class KNeighbors {
  readonly k: number;
  readonly weights: 'uniform' | 'distance';
  protected X: Matrix | null = null;

  constructor(opts: KNeighborsOptions, protected readonly name: string) {
    opts = checkOptions(name, opts, ['k', 'weights']);
    this.k = opts.k ?? 5;
    this.weights = opts.weights ?? 'uniform';
    if (!Number.isInteger(this.k) || this.k < 1) throw new KnobsError(`${name}: k must be a positive integer, got ${fmtValue(this.k)}`);
    if (this.weights !== 'uniform' && this.weights !== 'distance') throw new KnobsError(`${name}: weights must be 'uniform' or 'distance', got ${JSON.stringify(this.weights)}`);
  }

  protected checkK(op: string, rows: number): void {
    if (this.k > rows) throw new KnobsError(`${op}: k = ${this.k} is larger than the ${rows} training samples`);
  }

  /**
   * Neighbour indices [n×k] and their weights. Weights use f64 distances recomputed for the k
   * chosen pairs (the kernel's f32 distances only pick the neighbours).
   */
  protected neighbours(op: string, x: MatrixInput): { n: number; index: Int32Array; w: Float64Array } {
    const Q = predictInputs(op, x, this.X ? this.X.cols : -1);
    const T = this.X!, k = this.k, d = T.cols;
    const { index } = kNearest(Q, T, k);
    const w = new Float64Array(index.length).fill(1);
    if (this.weights === 'distance') {
      for (let i = 0; i < Q.rows; i++) {
        let zeros = false;
        const dist = new Float64Array(k);
        for (let j = 0; j < k; j++) {
          const t = index[i * k + j];
          let s = 0;
          for (let f = 0; f < d; f++) s += (Q.data[i * d + f] - T.data[t * d + f]) ** 2;
          dist[j] = Math.sqrt(s);
          if (dist[j] === 0) zeros = true;
        }
        // An exact match would get infinite weight: it alone (with any other exact matches) decides.
        for (let j = 0; j < k; j++) w[i * k + j] = zeros ? (dist[j] === 0 ? 1 : 0) : 1 / dist[j];
      }
    }
    return { n: Q.rows, index, w };
  }

  /** The stored training rows plus one target each: grows with the data. */
  get nParameters(): number {
    return this.X ? this.X.rows * (this.X.cols + 1) : 0;
  }
}

export class KNeighborsClassifier extends KNeighbors {
  classes: number[] = [];
  private labelIndex = new Int32Array(0);

  constructor(opts: KNeighborsOptions = {}) {
    super(opts, 'KNeighborsClassifier');
  }

  fit(x: MatrixInput, y?: VectorInput): this {
    const { X, classes, index } = classInputs('KNeighborsClassifier.fit', x, y);
    this.checkK('KNeighborsClassifier.fit', X.rows);
    Object.assign(this, { X, classes, labelIndex: index });
    return this;
  }

  /** Each class's share of the (weighted) neighbour votes. */
  predictProba(x: MatrixInput): Float64Array {
    const { n, index, w } = this.neighbours('KNeighborsClassifier.predict', x);
    const k = this.k, nc = this.classes.length, P = new Float64Array(n * nc);
    for (let i = 0; i < n; i++) {
      let total = 0;
      for (let j = 0; j < k; j++) {
        P[i * nc + this.labelIndex[index[i * k + j]]] += w[i * k + j];
        total += w[i * k + j];
      }
      for (let c = 0; c < nc; c++) P[i * nc + c] /= total;
    }
    return P;
  }

  predict(x: MatrixInput): Float64Array {
    const P = this.predictProba(x);
    return argmaxLabels(P, P.length / this.classes.length, this.classes);
  }

  score(x: MatrixInput, y: VectorInput): number {
    return accuracy(...scorePair('KNeighborsClassifier.score', this.predict(x), y));
  }

  toJSON(): EstimatorJSON {
    return {
      format: 'knobs.estimator', version: 1, type: 'KNeighborsClassifier',
      params: { k: this.k, weights: this.weights },
      state: this.X ? { rows: this.X.rows, cols: this.X.cols, x: Array.from(this.X.data), classes: this.classes, labelIndex: Array.from(this.labelIndex) } : null,
    };
  }

  static fromJSON(json: EstimatorJSON): KNeighborsClassifier {
    const m = new KNeighborsClassifier(json.params as KNeighborsOptions);
    const s = checkState('KNeighborsClassifier.fromJSON', json);
    if (s) {
      const r = new StateReader('KNeighborsClassifier.fromJSON', s);
      const X = trainingRows(r, m.k);
      const classes = r.classes('classes');
      Object.assign(m, { X, classes, labelIndex: r.ints('labelIndex', X.rows, 0, classes.length - 1) });
    }
    return m;
  }
}

export class KNeighborsRegressor extends KNeighbors {
  private y = new Float64Array(0);

  constructor(opts: KNeighborsOptions = {}) {
    super(opts, 'KNeighborsRegressor');
  }

  fit(x: MatrixInput, y?: VectorInput): this {
    const { X, y: yv } = fitInputs('KNeighborsRegressor.fit', x, y);
    this.checkK('KNeighborsRegressor.fit', X.rows);
    Object.assign(this, { X, y: yv });
    return this;
  }

  /** The (weighted) mean target of the k nearest training rows. */
  predict(x: MatrixInput): Float64Array {
    const { n, index, w } = this.neighbours('KNeighborsRegressor.predict', x);
    const k = this.k, out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0, total = 0;
      for (let j = 0; j < k; j++) {
        s += w[i * k + j] * this.y[index[i * k + j]];
        total += w[i * k + j];
      }
      out[i] = s / total;
    }
    return out;
  }

  /** R², as scikit-learn's regressors score. */
  score(x: MatrixInput, y: VectorInput): number {
    return r2(...scorePair('KNeighborsRegressor.score', this.predict(x), y));
  }

  toJSON(): EstimatorJSON {
    return {
      format: 'knobs.estimator', version: 1, type: 'KNeighborsRegressor',
      params: { k: this.k, weights: this.weights },
      state: this.X ? { rows: this.X.rows, cols: this.X.cols, x: Array.from(this.X.data), y: Array.from(this.y) } : null,
    };
  }

  static fromJSON(json: EstimatorJSON): KNeighborsRegressor {
    const m = new KNeighborsRegressor(json.params as KNeighborsOptions);
    const s = checkState('KNeighborsRegressor.fromJSON', json);
    if (s) {
      const r = new StateReader('KNeighborsRegressor.fromJSON', s);
      const X = trainingRows(r, m.k);
      Object.assign(m, { X, y: r.nums('y', X.rows) });
    }
    return m;
  }
}
/** The saved training rows: `x` must hold exactly rows × cols values, and k neighbours must exist. */
function trainingRows(r: StateReader, k: number): Matrix {
  const rows = r.count('rows'), cols = r.count('cols');
  const X = { data: r.nums('x', rows * cols), rows, cols };
  if (k > rows) throw new KnobsError(`${r.op}: k = ${k} is larger than the ${rows} saved training samples`);
  return X;
}

registerEstimator('KNeighborsClassifier', KNeighborsClassifier.fromJSON);
registerEstimator('KNeighborsRegressor', KNeighborsRegressor.fromJSON);
