/**
 * Naive Bayes: counting (class frequencies, per-class feature statistics) plus Bayes' rule with
 * features assumed independent given the class. GaussianNB keeps a mean and variance per class
 * and feature; CategoricalNB keeps a smoothed frequency table per class and feature. Both follow
 * scikit-learn's definitions (var_smoothing, alpha, min_categories) so results can be compared.
 */
import { KnobsError } from '../errors.js';
import { fmtValue } from '../options.js';
import { accuracy, registerEstimator, type EstimatorJSON, type Matrix, type MatrixInput, type VectorInput } from './estimator.js';
import { argmaxLabels, checkPositive, checkState, classInputs, predictInputs, softmaxRowsInPlace, scorePair } from './supervised-base.js';
import { checkOptions, StateReader } from './validate.js';

abstract class NaiveBayes {
  classes: number[] = [];
  /** log P(class), from class frequencies in the training data. */
  classLogPrior = new Float64Array(0);
  protected nFeatures = -1;

  protected abstract jointLogLikelihood(X: Matrix): Float64Array;
  protected abstract get name(): string;

  /** log P(class) + Σ_j log P(x_j | class), per row and class. */
  predictLogJoint(x: MatrixInput): Float64Array {
    return this.jointLogLikelihood(predictInputs(`${this.name}.predict`, x, this.nFeatures));
  }

  predictProba(x: MatrixInput): Float64Array {
    const L = this.predictLogJoint(x);
    const k = this.classes.length;
    return softmaxRowsInPlace(L, L.length / k, k);
  }

  predict(x: MatrixInput): Float64Array {
    const L = this.predictLogJoint(x);
    return argmaxLabels(L, L.length / this.classes.length, this.classes);
  }

  score(x: MatrixInput, y: VectorInput): number {
    return accuracy(...scorePair(`${this.name}.score`, this.predict(x), y));
  }

  /** toJSON with these params, and (once fitted) the state `state` gives. */
  protected saved(params: Record<string, unknown>, state: () => Record<string, unknown>): EstimatorJSON {
    return { format: 'knobs.estimator', version: 1, type: this.name, params, state: this.nFeatures < 0 ? null : state() };
  }

  /** fromJSON for a new model `m`: the saved state (if any) back in place; `own` decodes the fields of m's kind. */
  protected static restore<M extends NaiveBayes>(m: M, json: EstimatorJSON, own: (r: StateReader, k: number, d: number) => Record<string, unknown>): M {
    const s = checkState(`${m.name}.fromJSON`, json);
    if (s) {
      const r = new StateReader(`${m.name}.fromJSON`, s);
      const classes = r.classes('classes'), nFeatures = r.count('nFeatures');
      const classLogPrior = r.nums('classLogPrior', classes.length);
      Object.assign(m, { classes, nFeatures, classLogPrior }, own(r, classes.length, nFeatures));
    }
    return m;
  }

  protected setPrior(index: Int32Array, k: number): number[] {
    const counts = new Array(k).fill(0);
    for (const c of index) counts[c]++;
    this.classLogPrior = Float64Array.from(counts, (c) => Math.log(c / index.length));
    return counts;
  }
}

export interface GaussianNBOptions {
  /** Fraction of the largest feature variance added to every variance (sklearn's var_smoothing). Default 1e-9. */
  varSmoothing?: number;
}

export class GaussianNB extends NaiveBayes {
  readonly varSmoothing: number;
  /** Per-class feature means [k×d] and variances [k×d] (epsilon included). */
  theta = new Float64Array(0);
  variance = new Float64Array(0);
  epsilon = 0;

  constructor(opts: GaussianNBOptions = {}) {
    super();
    opts = checkOptions('GaussianNB', opts, ['varSmoothing']);
    this.varSmoothing = opts.varSmoothing ?? 1e-9;
    checkPositive('GaussianNB', 'varSmoothing', this.varSmoothing, true);
  }
  protected get name(): string {
    return 'GaussianNB';
  }

  fit(x: MatrixInput, y?: VectorInput): this {
    const { X, classes, index } = classInputs('GaussianNB.fit', x, y);
    const n = X.rows, d = X.cols, k = classes.length;
    const counts = this.setPrior(index, k);
    const theta = new Float64Array(k * d), v = new Float64Array(k * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) theta[index[i] * d + j] += X.data[i * d + j];
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) theta[c * d + j] /= counts[c];
    // Two passes (mean, then squared deviations): the one-pass formula cancels on large offsets.
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) v[index[i] * d + j] += (X.data[i * d + j] - theta[index[i] * d + j]) ** 2;
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) v[c * d + j] /= counts[c];
    // Epsilon relative to the largest whole-data variance keeps a constant feature from giving 0 variance.
    let maxVar = 0;
    for (let j = 0; j < d; j++) {
      let m = 0, s = 0;
      for (let i = 0; i < n; i++) m += X.data[i * d + j];
      m /= n;
      for (let i = 0; i < n; i++) s += (X.data[i * d + j] - m) ** 2;
      maxVar = Math.max(maxVar, s / n);
    }
    this.epsilon = this.varSmoothing * maxVar;
    for (let t = 0; t < v.length; t++) v[t] += this.epsilon;
    for (let t = 0; t < v.length; t++) {
      if (!(v[t] > 0)) throw new KnobsError(`GaussianNB.fit: feature ${t % d} has zero variance in class ${classes[Math.floor(t / d)]} and varSmoothing is 0; use varSmoothing > 0`);
    }
    Object.assign(this, { classes, theta, variance: v, nFeatures: d });
    return this;
  }

  protected jointLogLikelihood(X: Matrix): Float64Array {
    const k = this.classes.length, d = this.nFeatures, out = new Float64Array(X.rows * k);
    const logNorm = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += Math.log(2 * Math.PI * this.variance[c * d + j]);
      logNorm[c] = -0.5 * s;
    }
    for (let i = 0; i < X.rows; i++) {
      for (let c = 0; c < k; c++) {
        let q = 0;
        for (let j = 0; j < d; j++) q += (X.data[i * d + j] - this.theta[c * d + j]) ** 2 / this.variance[c * d + j];
        out[i * k + c] = this.classLogPrior[c] + logNorm[c] - 0.5 * q;
      }
    }
    return out;
  }

  /** A mean and a variance per class and feature, plus a prior per class: fixed by the shape of the data, not its size. */
  get nParameters(): number {
    return this.nFeatures < 0 ? 0 : this.classes.length * (2 * this.nFeatures + 1);
  }

  toJSON(): EstimatorJSON {
    return this.saved({ varSmoothing: this.varSmoothing }, () => ({
      classes: this.classes, nFeatures: this.nFeatures, epsilon: this.epsilon,
      classLogPrior: Array.from(this.classLogPrior), theta: Array.from(this.theta), variance: Array.from(this.variance),
    }));
  }

  static fromJSON(json: EstimatorJSON): GaussianNB {
    return NaiveBayes.restore(new GaussianNB(json.params as GaussianNBOptions), json, (r, k, d) => {
      const variance = r.nums('variance', k * d);
      if (variance.some((v) => !(v > 0))) throw new KnobsError(`GaussianNB.fromJSON: saved state field 'variance' must hold positive values`);
      return { epsilon: r.num('epsilon'), theta: r.nums('theta', k * d), variance };
    });
  }
}

export interface CategoricalNBOptions {
  /** Additive smoothing of every category count. Default 1. */
  alpha?: number;
  /** Each feature has at least this many categories 0..minCategories−1 (sklearn's min_categories). */
  minCategories?: number;
}

/** Features are category codes 0, 1, 2, … (non-negative integers). */
export class CategoricalNB extends NaiveBayes {
  readonly alpha: number;
  readonly minCategories: number;
  /** Categories per feature, and log P(x_j = v | class) at featureLogProb[j][c·nCat_j + v]. */
  nCategories: number[] = [];
  featureLogProb: Float64Array[] = [];

  constructor(opts: CategoricalNBOptions = {}) {
    super();
    opts = checkOptions('CategoricalNB', opts, ['alpha', 'minCategories']);
    this.alpha = opts.alpha ?? 1;
    this.minCategories = opts.minCategories ?? 0;
    checkPositive('CategoricalNB', 'alpha', this.alpha, true);
    if (!Number.isInteger(this.minCategories) || this.minCategories < 0) throw new KnobsError(`CategoricalNB: minCategories must be a non-negative integer, got ${fmtValue(this.minCategories)}`);
  }
  protected get name(): string {
    return 'CategoricalNB';
  }

  private static checkCodes(op: string, X: Matrix): void {
    for (let t = 0; t < X.data.length; t++) {
      const v = X.data[t];
      if (!Number.isInteger(v) || v < 0) throw new KnobsError(`${op}: categorical features must be non-negative integers, got ${v} at row ${Math.floor(t / X.cols)}, column ${t % X.cols}`);
    }
  }

  fit(x: MatrixInput, y?: VectorInput): this {
    const { X, classes, index } = classInputs('CategoricalNB.fit', x, y);
    CategoricalNB.checkCodes('CategoricalNB.fit', X);
    const n = X.rows, d = X.cols, k = classes.length;
    const classCounts = this.setPrior(index, k);
    const nCat = new Array<number>(d).fill(this.minCategories);
    for (let t = 0; t < X.data.length; t++) nCat[t % d] = Math.max(nCat[t % d], X.data[t] + 1);
    const logProb: Float64Array[] = [];
    for (let j = 0; j < d; j++) {
      const m = nCat[j], counts = new Float64Array(k * m);
      for (let i = 0; i < n; i++) counts[index[i] * m + X.data[i * d + j]]++;
      for (let c = 0; c < k; c++) {
        const denom = Math.log(classCounts[c] + this.alpha * m);
        for (let v = 0; v < m; v++) counts[c * m + v] = Math.log(counts[c * m + v] + this.alpha) - denom;
      }
      logProb.push(counts);
    }
    Object.assign(this, { classes, nCategories: nCat, featureLogProb: logProb, nFeatures: d });
    return this;
  }

  protected jointLogLikelihood(X: Matrix): Float64Array {
    CategoricalNB.checkCodes('CategoricalNB.predict', X);
    const k = this.classes.length, d = this.nFeatures, out = new Float64Array(X.rows * k);
    for (let i = 0; i < X.rows; i++) {
      for (let c = 0; c < k; c++) {
        let s = this.classLogPrior[c];
        for (let j = 0; j < d; j++) {
          const v = X.data[i * d + j], m = this.nCategories[j];
          if (v >= m) throw new KnobsError(`CategoricalNB.predict: feature ${j} has category ${v} at row ${i}, but only 0..${m - 1} were seen in fit (raise minCategories)`);
          s += this.featureLogProb[j][c * m + v];
        }
        out[i * k + c] = s;
      }
    }
    return out;
  }

  /** One probability per (feature, category, class) plus a prior per class. */
  get nParameters(): number {
    return this.nFeatures < 0 ? 0 : this.classes.length * (1 + this.nCategories.reduce((a, b) => a + b, 0));
  }

  toJSON(): EstimatorJSON {
    return this.saved({ alpha: this.alpha, minCategories: this.minCategories }, () => ({
      classes: this.classes, nFeatures: this.nFeatures, nCategories: this.nCategories,
      classLogPrior: Array.from(this.classLogPrior), featureLogProb: this.featureLogProb.map((a) => Array.from(a)),
    }));
  }

  static fromJSON(json: EstimatorJSON): CategoricalNB {
    return NaiveBayes.restore(new CategoricalNB(json.params as CategoricalNBOptions), json, (r, k, d) => {
      const nCategories = Array.from(r.ints('nCategories', d, 1, 2 ** 24));
      const fl = r.s.featureLogProb;
      if (!Array.isArray(fl) || fl.length !== d) throw new KnobsError(`CategoricalNB.fromJSON: saved state field 'featureLogProb' must be ${d} arrays, one per feature`);
      const featureLogProb = fl.map((a, j) => new StateReader(r.op, { [`featureLogProb.${j}`]: a }).logProbs(`featureLogProb.${j}`, k * nCategories[j]));
      return { nCategories, featureLogProb };
    });
  }
}
registerEstimator('GaussianNB', GaussianNB.fromJSON);
registerEstimator('CategoricalNB', CategoricalNB.fromJSON);
