/**
 * Supervised parametric models with a fixed number of knobs: linear regression (closed form) and
 * multinomial logistic regression (knobs turned by gradient descent with the library's autograd
 * and Adam, the book's predict → compare → learn loop on the whole training set each step).
 */
import { KnobsError } from '../errors.js';
import { fmtValue } from '../options.js';
import { Adam } from '../optim/optimizers.js';
import { add, affine, pow } from '../ops/elementwise.js';
import { linear as linearOp } from '../ops/dense.js';
import { crossEntropy } from '../ops/losses.js';
import { sum } from '../ops/reduce.js';
import { tidy } from '../scope.js';
import { tensor, zeros } from '../tensor.js';
import { accuracy, r2, registerEstimator, type EstimatorJSON, type Matrix, type MatrixInput, type VectorInput } from './estimator.js';
import { argmaxLabels, checkPositive, checkState, classInputs, fitInputs, predictInputs, softmaxRowsInPlace, scorePair } from './supervised-base.js';
import { checkOptions, StateReader } from './validate.js';

/** Solves A x = b for symmetric positive definite A [d×d] (Cholesky, float64); null when A is not. */
function choleskySolve(A: Float64Array, b: Float64Array, d: number): Float64Array | null {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * d + j];
      for (let t = 0; t < j; t++) s -= L[i * d + t] * L[j * d + t];
      if (i === j) {
        if (!(s > 0)) return null;
        L[i * d + i] = Math.sqrt(s);
      } else L[i * d + j] = s / L[j * d + j];
    }
  }
  const z = new Float64Array(d), x = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let t = 0; t < i; t++) s -= L[i * d + t] * z[t];
    z[i] = s / L[i * d + i];
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i];
    for (let t = i + 1; t < d; t++) s -= L[t * d + i] * x[t];
    x[i] = s / L[i * d + i];
  }
  return x;
}

/**
 * Ordinary least squares, solved in closed form: the normal equations on centred data
 * (XcᵀXc) w = Xcᵀyc by Cholesky in float64, intercept = ȳ − x̄·w. Closed form because the problem
 * is convex and small; gradient descent would only approximate the same answer. Collinear features
 * (singular XᵀX) get a ridge of 1e-10·trace/d, which picks a nearby minimum-norm-like solution.
 */
export class LinearRegression {
  /** No options; an options object is still checked so a typo'd option is not silently ignored. */
  constructor(opts: Record<string, never> = {}) {
    checkOptions('LinearRegression', opts, []);
  }

  coef = new Float64Array(0);
  intercept = 0;
  private nFeatures = -1;

  fit(x: MatrixInput, y?: VectorInput): this {
    const { X, y: yv } = fitInputs('LinearRegression.fit', x, y);
    const n = X.rows, d = X.cols;
    const mx = new Float64Array(d);
    let my = 0;
    for (let i = 0; i < n; i++) {
      my += yv[i];
      for (let j = 0; j < d; j++) mx[j] += X.data[i * d + j];
    }
    my /= n;
    for (let j = 0; j < d; j++) mx[j] /= n;
    const A = new Float64Array(d * d), b = new Float64Array(d), row = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) row[j] = X.data[i * d + j] - mx[j];
      const yc = yv[i] - my;
      for (let j = 0; j < d; j++) {
        b[j] += row[j] * yc;
        for (let t = 0; t <= j; t++) A[j * d + t] += row[j] * row[t];
      }
    }
    let trace = 0;
    for (let j = 0; j < d; j++) {
      trace += A[j * d + j];
      for (let t = 0; t < j; t++) A[t * d + j] = A[j * d + t];
    }
    let w = choleskySolve(A, b, d);
    if (!w) {
      const ridge = Math.max(1e-10 * (trace / Math.max(d, 1)), 1e-300);
      for (let j = 0; j < d; j++) A[j * d + j] += ridge;
      w = choleskySolve(A, b, d) ?? new Float64Array(d);
    }
    let c = my;
    for (let j = 0; j < d; j++) c -= w[j] * mx[j];
    Object.assign(this, { coef: w, intercept: c, nFeatures: d });
    return this;
  }

  predict(x: MatrixInput): Float64Array {
    const X = predictInputs('LinearRegression.predict', x, this.nFeatures);
    const d = X.cols, out = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      let s = this.intercept;
      for (let j = 0; j < d; j++) s += X.data[i * d + j] * this.coef[j];
      out[i] = s;
    }
    return out;
  }

  score(x: MatrixInput, y: VectorInput): number {
    return r2(...scorePair('LinearRegression.score', this.predict(x), y));
  }

  /** One weight per feature plus the intercept, however many rows it saw. */
  get nParameters(): number {
    return this.nFeatures < 0 ? 0 : this.nFeatures + 1;
  }

  toJSON(): EstimatorJSON {
    return {
      format: 'knobs.estimator', version: 1, type: 'LinearRegression', params: {},
      state: this.nFeatures < 0 ? null : { nFeatures: this.nFeatures, coef: Array.from(this.coef), intercept: this.intercept },
    };
  }

  static fromJSON(json: EstimatorJSON): LinearRegression {
    const m = new LinearRegression();
    const s = checkState('LinearRegression.fromJSON', json);
    if (s) {
      const r = new StateReader('LinearRegression.fromJSON', s);
      const nFeatures = r.count('nFeatures');
      Object.assign(m, { nFeatures, coef: r.nums('coef', nFeatures), intercept: r.num('intercept') });
    }
    return m;
  }
}

export interface LogisticRegressionOptions {
  /** Inverse L2 strength, as scikit-learn: objective = Σ cross-entropy + ‖W‖²/(2C) (intercept not penalised). Default 1. */
  C?: number;
  /** Full-batch gradient steps at most. Default 5000. */
  maxIter?: number;
  /** Stop when the objective's relative change over 20 steps is below tol. Default 1e-7. */
  tol?: number;
  /** Adam's learning rate. Default 0.05 (standardised features). */
  lr?: number;
}

/**
 * Multinomial (softmax) logistic regression with scikit-learn's L2 objective. Two classes use the
 * same model as sklearn's binary one: a two-column softmax with both columns penalised equals the
 * sigmoid model with C doubled, so the penalty is doubled there and the result stored as one weight
 * vector (coef [1×d]). Training: full-batch Adam with autograd (the whole set is small), f32.
 */
export class LogisticRegression {
  readonly C: number;
  readonly maxIter: number;
  readonly tol: number;
  readonly lr: number;
  classes: number[] = [];
  /** Weights [rows×d] (rows = 1 for two classes, else one per class) and intercepts. */
  coef = new Float64Array(0);
  intercept = new Float64Array(0);
  /** Steps taken and the final mean training objective (cross-entropy + ‖W‖²/(2Cn)). */
  nIter = 0;
  trainObjective = NaN;
  private nFeatures = -1;

  constructor(opts: LogisticRegressionOptions = {}) {
    opts = checkOptions('LogisticRegression', opts, ['C', 'maxIter', 'tol', 'lr']);
    this.C = opts.C ?? 1;
    this.maxIter = opts.maxIter ?? 5000;
    this.tol = opts.tol ?? 1e-7;
    this.lr = opts.lr ?? 0.05;
    checkPositive('LogisticRegression', 'C', this.C);
    checkPositive('LogisticRegression', 'lr', this.lr);
    checkPositive('LogisticRegression', 'tol', this.tol, true);
    if (!Number.isInteger(this.maxIter) || this.maxIter < 1) throw new KnobsError(`LogisticRegression: maxIter must be a positive integer, got ${fmtValue(this.maxIter)}`);
  }

  fit(x: MatrixInput, y?: VectorInput): this {
    const { X, classes, index } = classInputs('LogisticRegression.fit', x, y);
    const n = X.rows, d = X.cols, k = classes.length;
    if (k < 2) throw new KnobsError(`LogisticRegression.fit: needs at least 2 classes, y has only ${classes[0]}`);
    const lam = (k === 2 ? 1 : 0.5) / (this.C * n);
    const xt = tensor(Float32Array.from(X.data), [n, d]);
    const W = zeros([d, k], { requiresGrad: true }), b = zeros([k], { requiresGrad: true });
    const opt = new Adam([W, b], { lr: this.lr });
    const history: number[] = [];
    let it = 0;
    try {
      for (; it < this.maxIter; it++) {
        const obj = tidy(() => {
          const loss = add(crossEntropy(linearOp(xt, W, b), index), affine(sum(pow(W, 2)), lam, 0));
          opt.zeroGrad();
          loss.backward();
          opt.step();
          return loss.item();
        });
        if (!Number.isFinite(obj)) throw new KnobsError(`LogisticRegression.fit: the objective became ${obj} at step ${it}; lower lr or standardise the features`);
        history.push(obj);
        const past = history[history.length - 21];
        if (past !== undefined && Math.abs(past - obj) <= this.tol * Math.max(1, Math.abs(obj))) {
          it++;
          break;
        }
      }
      const w = W.toFloat32Array(), bb = b.toFloat32Array();
      // Stored as [rows×d]; binary keeps only the difference of the two columns (sklearn's form).
      if (k === 2) {
        this.coef = Float64Array.from({ length: d }, (_, j) => w[j * 2 + 1] - w[j * 2]);
        this.intercept = Float64Array.of(bb[1] - bb[0]);
      } else {
        this.coef = Float64Array.from({ length: k * d }, (_, t) => w[(t % d) * k + Math.floor(t / d)]);
        this.intercept = Float64Array.from(bb);
      }
    } finally {
      opt.dispose();
      xt.dispose();
      W.dispose();
      b.dispose();
    }
    Object.assign(this, { classes, nFeatures: d, nIter: it });
    this.trainObjective = this.objective(X, index);
    return this;
  }

  /** Mean cross-entropy + ‖W‖²/(2Cn) in float64 (sklearn's train objective, for comparison). */
  private objective(X: Matrix, index: Int32Array): number {
    const P = this.proba(X);
    const k = this.classes.length;
    let ce = 0;
    for (let i = 0; i < X.rows; i++) ce -= Math.log(Math.max(P[i * k + index[i]], 1e-300));
    let w2 = 0;
    for (const v of this.coef) w2 += v * v;
    return ce / X.rows + w2 / (2 * this.C * X.rows);
  }

  private proba(X: Matrix): Float64Array {
    const d = X.cols, k = this.classes.length, rows = this.intercept.length, out = new Float64Array(X.rows * k);
    for (let i = 0; i < X.rows; i++) {
      for (let r = 0; r < rows; r++) {
        let s = this.intercept[r];
        for (let j = 0; j < d; j++) s += X.data[i * d + j] * this.coef[r * d + j];
        if (rows === 1) {
          out[i * 2 + 1] = 1 / (1 + Math.exp(-s));
          out[i * 2] = 1 - out[i * 2 + 1];
        } else out[i * k + r] = s;
      }
    }
    return rows === 1 ? out : softmaxRowsInPlace(out, X.rows, k);
  }

  predictProba(x: MatrixInput): Float64Array {
    return this.proba(predictInputs('LogisticRegression.predictProba', x, this.nFeatures));
  }

  predict(x: MatrixInput): Float64Array {
    const P = this.proba(predictInputs('LogisticRegression.predict', x, this.nFeatures));
    return argmaxLabels(P, P.length / this.classes.length, this.classes);
  }

  score(x: MatrixInput, y: VectorInput): number {
    return accuracy(...scorePair('LogisticRegression.score', this.predict(x), y));
  }

  /** A weight per feature and an intercept per output row: independent of the number of samples. */
  get nParameters(): number {
    return this.coef.length + this.intercept.length;
  }

  toJSON(): EstimatorJSON {
    return {
      format: 'knobs.estimator', version: 1, type: 'LogisticRegression',
      params: { C: this.C, maxIter: this.maxIter, tol: this.tol, lr: this.lr },
      state: this.nFeatures < 0 ? null : {
        classes: this.classes, nFeatures: this.nFeatures, coef: Array.from(this.coef), intercept: Array.from(this.intercept),
        nIter: this.nIter, trainObjective: this.trainObjective,
      },
    };
  }

  static fromJSON(json: EstimatorJSON): LogisticRegression {
    const m = new LogisticRegression(json.params as LogisticRegressionOptions);
    const s = checkState('LogisticRegression.fromJSON', json);
    if (s) {
      const r = new StateReader('LogisticRegression.fromJSON', s);
      const classes = r.classes('classes'), nFeatures = r.count('nFeatures');
      if (classes.length < 2) throw new KnobsError('LogisticRegression.fromJSON: saved state field \'classes\' needs at least 2 classes');
      // Two classes share one weight row (the logit of the second); more have one row each.
      const rows = classes.length === 2 ? 1 : classes.length;
      Object.assign(m, {
        classes, nFeatures, coef: r.nums('coef', rows * nFeatures), intercept: r.nums('intercept', rows),
        nIter: r.count('nIter'), trainObjective: r.num('trainObjective', true),
      });
    }
    return m;
  }
}
registerEstimator('LinearRegression', LinearRegression.fromJSON);
registerEstimator('LogisticRegression', LogisticRegression.fromJSON);
